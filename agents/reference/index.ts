export { ReferenceData, STANDARD_REFERENCE_LISTS } from './reference-data.ts';
export type { ReferenceFetcher, RefreshOutcome } from './reference-data.ts';
export { ReferenceStore, referenceDbPath, REFERENCE_DB_FILE } from './reference-store.ts';
export type { CachedList, ReferenceRow } from './reference-store.ts';
