import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { healthCheck } from '../../src/grpc/health.js';
import { silentLogger } from '../../src/log/logger.js';
import {
  connectInfrastructure,
  type Infrastructure,
  withInfrastructure,
} from '../../src/service/infrastructure.js';
import type { ServiceDefinition } from '../../src/service/service.js';
import { type RunningService, startService } from '../../src/service/start.js';
import { waitFor } from '../bus/contract.js';

const probe: ServiceDefinition = {
  name: 'probe',
  description: 'test service with one time-series table kept for a day',
  publishes: [],
  consumes: [],
  migrationsDir: fileURLToPath(new URL('./fixtures/migrations/', import.meta.url)),
  accessPolicy: {},
  create: () => ({}),
};

describe('startService (embedded infrastructure)', () => {
  let infrastructure: Infrastructure;
  let service: RunningService;

  beforeAll(async () => {
    infrastructure = await connectInfrastructure(loadConfig(withInfrastructure({}), {}), {
      clientId: 'start-test',
      logger: silentLogger(),
    });
    service = await startService(
      probe,
      infrastructure,
      { host: '127.0.0.1', grpcPort: 0, httpPort: 0, retentionIntervalMs: 100 },
      silentLogger(),
    );
  });
  afterAll(() => infrastructure?.close());

  it('serves gRPC health and /healthz once started', async () => {
    expect(await healthCheck(`127.0.0.1:${service.grpcPort}`)).toBe('SERVING');
    const response = await fetch(`http://127.0.0.1:${service.httpPort}/healthz`);
    expect(await response.json()).toEqual({ status: 'ok', service: 'probe' });
  });

  it('drops rows past their retention on schedule and keeps recent ones', async () => {
    const db = await infrastructure.storageFor('probe');
    await db.query(
      `INSERT INTO readings (sensor_id, observed_at, value) VALUES
         ('s1', now() - interval '3 days', 1), ('s1', now() - interval '1 hour', 2)`,
    );
    await waitFor(async () => {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM readings');
      return rows[0]?.n === 1;
    }, 'retention pass');
    const { rows } = await db.query('SELECT value FROM readings');
    expect(rows).toEqual([{ value: 2 }]);
  });

  it('stops serving after stop()', async () => {
    await service.stop();
    await expect(healthCheck(`127.0.0.1:${service.grpcPort}`, { deadlineMs: 500 })).rejects.toThrow();
  });
});
