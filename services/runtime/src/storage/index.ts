export { type EmbeddedPostgres, type EmbeddedPostgresOptions, startEmbeddedPostgres } from './embedded.js';
export {
  type AppliedMigration,
  MigrationError,
  type MigrationFile,
  migrationChecksum,
  parseMigrationFileName,
  planMigrations,
} from './migration-plan.js';
export {
  defaultMigrationSets,
  loadMigrationSet,
  type MigrateOptions,
  type MigrationReport,
  type MigrationSet,
  migrate,
  RUNTIME_MIGRATIONS_DIR,
} from './migrations.js';
export { createPool, type Pool, type PoolClient, type PoolOptions } from './pool.js';
export { scheduleRetention } from './retention-schedule.js';
export {
  enforceRetention,
  type RetentionOutcome,
  type StorageCapabilities,
  storageCapabilities,
} from './timescale.js';
export { withTransaction } from './transaction.js';
