import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  PhaseChangeCause,
  PhaseChanged,
  PlanChangeCause,
  PlanChanged,
} from '@mobility/contracts/signal/v1/events';
import { SignalColor } from '@mobility/contracts/signal/v1/intersection';
import { durationFromSeconds } from '@mobility/contracts/wkt';
import { silentLogger } from '@mobility/runtime';
import { realInfra } from '@mobility/runtime/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIntersectionConfig } from '../../src/domain/config.js';
import {
  advance,
  alignedStart,
  bootSignal,
  call,
  collect,
  detectorCount,
  EXAMPLE_CONFIG,
  type SignalHarness,
  waitFor,
} from './support.js';

describe('signal service on Kafka, TimescaleDB and Redis', () => {
  const database = `signal_test_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Pool({ connectionString: realInfra.databaseUrl, max: 1 });
  const databaseUrl = () => {
    const url = new URL(realInfra.databaseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  // Unique per run: the run's topics and consumer groups live under this namespace on the shared
  // broker, and its events carry this intersection id as their key.
  const id = `int-${randomUUID().slice(0, 8)}`;
  const start = alignedStart();
  let harness: SignalHarness;
  let check: pg.Client;
  let topics: Awaited<ReturnType<typeof collect>>;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    const [model] = parseIntersectionConfig(readFileSync(EXAMPLE_CONFIG, 'utf8'), EXAMPLE_CONFIG);
    if (!model) throw new Error('example config has no intersection');
    harness = await bootSignal(
      {
        KAFKA_BROKERS: realInfra.kafkaBrokers.join(','),
        DATABASE_URL: databaseUrl(),
        REDIS_URL: realInfra.redisUrl,
        MOBILITY_AUTH_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
      },
      silentLogger(),
      {
        env: { SIGNAL_STRATEGY: 'adaptive' },
        intersections: [{ ...model, id }],
        startMs: start,
        busNamespace: `test.${id}`,
      },
    );
    check = new pg.Client({ connectionString: databaseUrl() });
    await check.connect();
    await check.query('SET search_path TO signal, public');
    topics = await collect(
      harness.infrastructure,
      ['signal.phase-changed.v1', 'signal.plan-changed.v1'],
      `signal-int.${id}`,
    );
  });
  afterAll(async () => {
    await topics?.stop();
    await check?.end();
    await harness?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('stores counts once in hypertables and publishes explained phase changes on Kafka', async () => {
    const hypertables = await check.query<{ hypertable_name: string }>(
      `SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'signal' ORDER BY 1`,
    );
    expect(hypertables.rows.map((r) => r.hypertable_name)).toEqual(
      expect.arrayContaining(['detector_counts', 'measure_bins', 'priority_grants', 'signal_events']),
    );

    const last = start - 60_000;
    const counts = [
      ['fifth-eb-adv', 14, 0.3],
      ['fifth-wb-adv', 12, 0.3],
      ['main-nb-adv', 0, 0],
      ['main-sb-adv', 0, 0],
    ] as const;
    const messages = counts.map(([detector, volume, occupancy]) => ({
      key: id,
      value: detectorCount(id, detector, last, volume, occupancy),
    }));
    // The same interval twice (a redelivery): stored once.
    await harness.infrastructure.bus.publish('signal.detector-count.v1', [
      ...messages,
      messages[0] as (typeof messages)[0],
    ]);
    await waitFor(async () => {
      const { rows } = await check.query<{ n: string }>('SELECT count(*) AS n FROM detector_counts');
      return Number(rows[0]?.n) === 4;
    }, 'counts stored');

    await advance(harness, 60);
    const mine = () =>
      topics.messages
        .filter((m) => m.topic === 'signal.phase-changed.v1' && m.key === id)
        .map((m) => PhaseChanged.decode(m.value));
    const green = await waitFor(
      () => mine().find((c) => c.color === SignalColor.GREEN && c.stageId === 'fifth'),
      'fifth green on Kafka',
      30_000,
    );
    const yellow = mine().find((c) => c.color === SignalColor.YELLOW);
    expect(yellow?.cause).toBe(PhaseChangeCause.ADAPTIVE);
    expect(yellow?.explanation?.alternatives.length).toBe(2);
    expect(green.meta?.producer).toBe('signal');
    const events = await check.query<{ event_type: string }>(
      `SELECT event_type FROM signal_events WHERE intersection_id = $1 ORDER BY occurred_at, event_type`,
      [id],
    );
    expect(events.rows.map((r) => r.event_type)).toEqual(
      expect.arrayContaining(['detector-count', 'phase-yellow', 'phase-red-clearance', 'phase-green']),
    );
  });

  it('audits an operator override and announces it as a plan change', async () => {
    const operator = await harness.client('operator', 'carol@tcc');
    const response = await call(operator, 'setOverride', {
      intersectionId: id,
      action: { action: { $case: 'holdPhases', value: { stageId: 'main', phaseNumbers: [] } } },
      duration: durationFromSeconds(300),
      change: { reason: 'marathon passing on Main Street', ticketRef: '', idempotencyKey: '' },
    });
    const plan = await waitFor(
      () =>
        topics.messages
          .filter((m) => m.topic === 'signal.plan-changed.v1' && m.key === id)
          .map((m) => PlanChanged.decode(m.value))
          .find((p) => p.cause === PlanChangeCause.OVERRIDE_SET),
      'plan change on Kafka',
      30_000,
    );
    expect(plan.override?.overrideId).toBe(response.override?.overrideId);
    const audit = await check.query<{ subject: string; action: string; outcome: string }>(
      `SELECT subject, action, outcome FROM audit_log WHERE target = $1`,
      [id],
    );
    expect(audit.rows).toEqual([{ subject: 'carol@tcc', action: 'SetOverride', outcome: 'succeeded' }]);
    const saved = await check.query('SELECT override_id FROM active_overrides WHERE intersection_id = $1', [
      id,
    ]);
    expect(saved.rows).toEqual([{ override_id: response.override?.overrideId }]);
  });
});
