import { describe } from 'vitest';
import { SQLITE_MODES } from './scenarios/mode-fixtures.ts';
import { describeOdbcModes } from './scenarios/mode-scenarios.ts';
import { describeSnapshotScenarios } from './scenarios/snapshot-scenarios.ts';

describe('ODBC stream modes on SQLite', () => {
  describeOdbcModes(SQLITE_MODES);
  describeSnapshotScenarios(SQLITE_MODES);
});
