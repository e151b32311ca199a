/** `sutazai migrate`: an embedded installation copied to a scale-out one, resumable and verified. */
export { runMigration, type RunMigrationOptions, type MigrationReport, type TableReport, type CollectionReport, type ItemStatus } from './run-migration.js';
export { sourceDatabaseFile, targetDatabase } from './migration-endpoints.js';
export { MigrationError, type MigrationErrorKind } from './migration-error.js';
export { COPIED_TABLES } from './migration-tables.js';
