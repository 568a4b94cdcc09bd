import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/bus/port.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/log/logger.js';
import {
  connectInfrastructure,
  type Infrastructure,
  withInfrastructure,
} from '../../src/service/infrastructure.js';
import { serviceEnv } from '../../src/service/run.js';
import type { ServiceContext, ServiceDefinition } from '../../src/service/service.js';
import { namespacedServiceName, type RunningService, startService } from '../../src/service/start.js';
import { waitFor } from '../bus/contract.js';
import { realInfra } from '../support/infra.js';

/**
 * A service started inside a replay namespace on the real components: its topics, groups and schema
 * are the namespace's, and its clock is the event time of what it handles.
 */
describe('startService in a topic namespace (Kafka, PostgreSQL)', () => {
  const id = randomUUID().slice(0, 8);
  const database = `runtime_ns_${id}`;
  const namespace = `replay.t${id}`;
  const admin = new pg.Pool({ connectionString: realInfra.databaseUrl, max: 1 });
  let infrastructure: Infrastructure;
  let service: RunningService;
  let context: ServiceContext | undefined;
  const clockInHandler: number[] = [];

  const echo: ServiceDefinition = {
    name: 'echo',
    description: 'republishes detector counts as phase changes, noting its clock',
    publishes: ['signal.phase-changed.v1'],
    consumes: ['signal.detector-count.v1'],
    accessPolicy: {},
    create(ctx) {
      context = ctx;
      let stop: (() => Promise<void>) | undefined;
      return {
        async start() {
          const subscription = await ctx.bus.subscribe({
            group: 'echo.counts',
            topics: ['signal.detector-count.v1'],
            fromBeginning: true,
            handler: async (message) => {
              expect(message.topic).toBe('signal.detector-count.v1');
              clockInHandler.push(ctx.clock.now());
              await ctx.bus.publish('signal.phase-changed.v1', [{ key: message.key, value: message.value }]);
            },
          });
          stop = () => subscription.stop();
        },
        stop: () => stop?.() ?? Promise.resolve(),
      };
    },
  };

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(realInfra.databaseUrl);
    url.pathname = `/${database}`;
    infrastructure = await connectInfrastructure(
      loadConfig(withInfrastructure({}), {
        KAFKA_BROKERS: realInfra.kafkaBrokers.join(','),
        DATABASE_URL: url.toString(),
        MOBILITY_AUTH_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
      }),
      { clientId: 'namespace-test', logger: silentLogger() },
    );
    service = await startService(
      echo,
      infrastructure,
      { host: '127.0.0.1', grpcPort: 0, httpPort: 0, namespace },
      silentLogger(),
    );
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await infrastructure?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('keeps topics, groups and storage inside the namespace, with a clock on event time', async () => {
    const bus: EventBus = infrastructure.bus;
    await bus.publish(`${namespace}.signal.detector-count.v1`, [
      { key: 'i1', value: new TextEncoder().encode('a'), timestamp: Date.UTC(2026, 0, 5, 7, 0, 0) },
      { key: 'i1', value: new TextEncoder().encode('b'), timestamp: Date.UTC(2026, 0, 5, 7, 0, 30) },
    ]);
    await waitFor(() => clockInHandler.length >= 2, 'both inputs handled');
    expect(clockInHandler).toEqual([Date.UTC(2026, 0, 5, 7, 0, 0), Date.UTC(2026, 0, 5, 7, 0, 30)]);
    // Between inputs the clock rests on the latest event time, not the wall clock.
    expect(context?.clock.now()).toBe(Date.UTC(2026, 0, 5, 7, 0, 30));

    await waitFor(async () => {
      const [info] = await bus.describeTopics([`${namespace}.signal.phase-changed.v1`]);
      return (info?.partitions.reduce((sum, p) => sum + p.high, 0) ?? 0) >= 2;
    }, 'the outputs in the namespace');
    const names = (await bus.describeTopics()).map((topic) => topic.name);
    expect(names).toContain(`${namespace}.dlq.echo.counts.v1`);
    expect(names).not.toContain('dlq.echo.counts.v1');
    if (!context) throw new Error('the service was never created');
    const { rows } = await context.db.query('SELECT current_schema() AS schema');
    expect(rows[0].schema).toBe(namespacedServiceName(namespace, 'echo'));
    expect(namespacedServiceName(namespace, 'echo')).toBe(`replay_t${id}_echo`);
  }, 60_000);

  it('reads the namespace from MESH_TOPIC_NAMESPACE and refuses one that cannot name topics', () => {
    expect(loadConfig(serviceEnv, { MESH_TOPIC_NAMESPACE: 'replay.r1' }).MESH_TOPIC_NAMESPACE).toBe(
      'replay.r1',
    );
    expect(() => loadConfig(serviceEnv, { MESH_TOPIC_NAMESPACE: 'Replay Run' })).toThrow(ConfigError);
  });
});
