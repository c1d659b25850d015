export { Outbox } from './outbox.ts';
export { OutboxFullError } from './outbox-full-error.ts';
export type { DeadLetter, OutboxBatch, OutboxOptions, OutboxRecord, OutboxStats } from './outbox-types.ts';
export { canonicalJson } from './canonical-json.ts';
export { recordVersion } from './record-version.ts';
export { openDatabase, openDatabaseReadonly, isCorruptionError } from './open-database.ts';
export type { OpenDatabaseOptions, OpenedDatabase, SqliteDatabase } from './open-database.ts';
export { migrate, schemaVersion, OUTBOX_MIGRATIONS, OUTBOX_SCHEMA_VERSION } from './migrations.ts';
export type { Migration } from './migrations.ts';
