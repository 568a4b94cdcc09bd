import { randomUUID } from 'node:crypto';
import { realInfra } from '@mobility/runtime/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mesh } from '../src/mesh.js';
import { bootMesh, exerciseMesh } from './mesh-flow.js';

describe('mesh in real mode (Kafka, TimescaleDB, Redis)', () => {
  let mesh: Mesh;
  const database = `mesh_test_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Pool({ connectionString: realInfra.databaseUrl, max: 1 });
  const databaseUrl = () => {
    const url = new URL(realInfra.databaseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    mesh = await bootMesh(
      {
        KAFKA_BROKERS: realInfra.kafkaBrokers.join(','),
        DATABASE_URL: databaseUrl(),
        REDIS_URL: realInfra.redisUrl,
        MOBILITY_AUTH_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
      },
      ['echo', 'mirror'],
    );
  });
  afterAll(async () => {
    await mesh?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('runs services on the real components, each in its own schema with its own hypertables', async () => {
    const status = await exerciseMesh(mesh, `facility-${randomUUID().slice(0, 8)}`);
    expect(status.mode).toEqual({ bus: 'kafka', storage: 'postgresql', hotState: 'redis' });
    expect(status.services).toMatchObject([
      { name: 'echo', health: 'SERVING' },
      { name: 'mirror', health: 'SERVING' },
    ]);

    const check = new pg.Client({ connectionString: databaseUrl() });
    await check.connect();
    try {
      const { rows } = await check.query(
        "SELECT hypertable_schema, hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_name IN ('occupancy_seen', 'audit_log') ORDER BY 1, 2",
      );
      expect(rows).toEqual([
        { hypertable_schema: 'echo', hypertable_name: 'audit_log' },
        { hypertable_schema: 'echo', hypertable_name: 'occupancy_seen' },
        { hypertable_schema: 'mirror', hypertable_name: 'audit_log' },
        { hypertable_schema: 'mirror', hypertable_name: 'occupancy_seen' },
      ]);
    } finally {
      await check.end();
    }
  });
});
