import { describe } from 'vitest';
import { MARIADB_MODES } from './scenarios/mode-fixtures.ts';
import { PROPERTY_RUNS, describeCaptureProperties } from './scenarios/property-scenarios.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';

describe.skipIf(serviceMissing('mariadb'))('ODBC capture properties on MariaDB', () => {
  describeCaptureProperties(MARIADB_MODES, PROPERTY_RUNS);
});
