import { describe } from 'vitest';
import { MARIADB_MODES } from './scenarios/mode-fixtures.ts';
import { describeOdbcModes } from './scenarios/mode-scenarios.ts';
import { describeSnapshotScenarios } from './scenarios/snapshot-scenarios.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';

describe.skipIf(serviceMissing('mariadb'))('ODBC stream modes on MariaDB', () => {
  describeOdbcModes(MARIADB_MODES);
  describeSnapshotScenarios(MARIADB_MODES);
});
