import { createScratchDatabase } from './databases.js';
import { describeMigrations } from './migration-suite.js';
describeMigrations({ name: 'PostgreSQL 15', timescale: false, createDatabase: () => createScratchDatabase('postgres://postgres@127.0.0.1:5432/postgres') });
