import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One config; every workspace package is a project named after its folder. Files named
// *.int.test.ts talk to the real Kafka, TimescaleDB and Redis started by `pnpm infra:up`.
const packages = [
  'proto',
  'tests',
  ...readdirSync('services', { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `services/${entry.name}`),
].filter((dir) => existsSync(`${dir}/package.json`));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: at most two test files at a time.
    maxWorkers: 2,
    projects: packages.map((dir) => ({
      extends: true,
      test: {
        name: dir.split('/').at(-1) as string,
        root: dir,
        include: ['**/*.test.ts'],
        exclude: ['**/node_modules/**'],
      },
    })),
  },
});
