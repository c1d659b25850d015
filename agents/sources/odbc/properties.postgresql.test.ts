import { describe } from 'vitest';
import { POSTGRESQL_MODES } from './scenarios/mode-fixtures.ts';
import { PROPERTY_RUNS, describeCaptureProperties } from './scenarios/property-scenarios.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';

describe.skipIf(serviceMissing('postgresql'))('ODBC capture properties on PostgreSQL', () => {
  describeCaptureProperties(POSTGRESQL_MODES, PROPERTY_RUNS);
});
