import { describe } from 'vitest';
import { POSTGRESQL_MODES } from './scenarios/mode-fixtures.ts';
import { describeOdbcModes } from './scenarios/mode-scenarios.ts';
import { describeSnapshotScenarios } from './scenarios/snapshot-scenarios.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';

describe.skipIf(serviceMissing('postgresql'))('ODBC stream modes on PostgreSQL', () => {
  describeOdbcModes(POSTGRESQL_MODES);
  describeSnapshotScenarios(POSTGRESQL_MODES);
});
