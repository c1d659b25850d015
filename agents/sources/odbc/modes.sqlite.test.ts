import { describe } from 'vitest';
import { SQLITE_MODES } from './scenarios/mode-fixtures.ts';
import { describeOdbcModes } from './scenarios/mode-scenarios.ts';

describe('ODBC stream modes on SQLite', () => {
  describeOdbcModes(SQLITE_MODES);
});
