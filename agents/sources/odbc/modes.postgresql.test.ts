import { describe } from 'vitest';
import { POSTGRESQL_MODES } from './scenarios/mode-fixtures.ts';
import { describeOdbcModes } from './scenarios/mode-scenarios.ts';

describe('ODBC stream modes on PostgreSQL', () => {
  describeOdbcModes(POSTGRESQL_MODES);
});
