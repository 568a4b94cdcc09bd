import { defineConfig } from 'vitest/config';

// One config; every workspace package is a project named after its package.json.
// Files named *.int.test.ts talk to the real Kafka, TimescaleDB and Redis started by `pnpm infra:up`.
export default defineConfig({
  test: {
    projects: ['services/*', 'tests'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: run test files one process at a time per project, integration tests are I/O bound.
    maxWorkers: 2,
  },
});
