import { describe } from 'vitest';
import { describeSchemaDrift } from './scenarios/drift-scenarios.ts';
import { SQLITE_MODES } from './scenarios/mode-fixtures.ts';

describe('ODBC schema drift on SQLite', () => {
  describeSchemaDrift(SQLITE_MODES);
});
