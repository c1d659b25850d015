import { describe } from 'vitest';
import { describeSchemaDrift } from './scenarios/drift-scenarios.ts';
import { POSTGRESQL_MODES } from './scenarios/mode-fixtures.ts';
import { serviceMissing } from '../../../test/helpers/services.ts';

describe.skipIf(serviceMissing('postgresql'))('ODBC schema drift on PostgreSQL', () => {
  describeSchemaDrift(POSTGRESQL_MODES);
});
