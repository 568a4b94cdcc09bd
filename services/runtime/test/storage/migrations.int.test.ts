import { beforeAll } from 'vitest';
import { realInfra, requireListening } from '../support/infra.js';
import { createScratchDatabase } from './databases.js';
import { describeMigrations } from './migration-suite.js';

beforeAll(async () => {
  await requireListening('TimescaleDB', realInfra.databaseUrl);
});

describeMigrations({
  name: 'TimescaleDB',
  timescale: true,
  createDatabase: () => createScratchDatabase(realInfra.databaseUrl),
});
