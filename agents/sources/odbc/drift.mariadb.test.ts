import { describe } from 'vitest';
import { describeSchemaDrift } from './scenarios/drift-scenarios.ts';
import { MARIADB_MODES } from './scenarios/mode-fixtures.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';

describe.skipIf(serviceMissing('mariadb'))('ODBC schema drift on MariaDB', () => {
  describeSchemaDrift(MARIADB_MODES);
});
