import { describe } from 'vitest';
import { MARIADB_MODES } from './scenarios/mode-fixtures.ts';
import { describeOdbcModes } from './scenarios/mode-scenarios.ts';

describe('ODBC stream modes on MariaDB', () => {
  describeOdbcModes(MARIADB_MODES);
});
