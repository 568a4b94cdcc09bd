import { embeddedDatabases } from './databases.js';
import { describeMigrations } from './migration-suite.js';

// Embedded mode: no TimescaleDB, the same migrations and queries through pg over the PGlite socket.
const databases = embeddedDatabases();
describeMigrations({
  name: 'PGlite (embedded)',
  timescale: false,
  createDatabase: databases.createDatabase,
  teardown: databases.closeAll,
});
