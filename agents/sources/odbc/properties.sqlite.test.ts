import { describe } from 'vitest';
import { SQLITE_MODES } from './scenarios/mode-fixtures.ts';
import { PROPERTY_RUNS, describeCaptureProperties } from './scenarios/property-scenarios.ts';

describe('ODBC capture properties on SQLite', () => {
  describeCaptureProperties(SQLITE_MODES, PROPERTY_RUNS);
});
