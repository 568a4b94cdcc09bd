import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@mobility/runtime/util';
import { describe, expect, it } from 'vitest';
import { createIntersectionController } from '../../src/control/intersection-controller.js';
import type { PhaseChangeRecord } from '../../src/control/records.js';
import { parseIntersectionConfig } from '../../src/domain/config.js';
import { createSignalMonitor } from '../../src/domain/safety.js';
import { createStrategy, STRATEGY_NAMES, type Strategy } from '../../src/domain/strategy.js';
import { destinationPoint } from '../support/geo.js';

const CONFIG = fileURLToPath(new URL('../../config/example-intersections.yaml', import.meta.url));
const [model] = parseIntersectionConfig(readFileSync(CONFIG, 'utf8'), CONFIG);
if (!model) throw new Error('example config has no intersection');
const START = Date.UTC(2026, 10, 23, 6, 0, 0);

describe('live controller', () => {
  it.each(STRATEGY_NAMES)(
    '%s: two random hours of counts, late buses and overrides never break a safety rule',
    (strategy) => {
      const random = seededRandom(strategy.length * 7919);
      const controller = createIntersectionController(model, START, { strategy });
      // An independent monitor watching what the controller shows, second by second.
      const monitor = createSignalMonitor(model);
      monitor.observe(controller.status().state, START / 1000);
      const changes: PhaseChangeRecord[] = [];
      let grants = 0;
      let overrideCount = 0;
      for (let second = 1; second <= 7200; second++) {
        const nowMs = START + second * 1000;
        if (second % 60 === 0) {
          for (const detector of model.detectors) {
            controller.observeCount({
              detectorId: detector.id,
              intervalStartMs: nowMs - 60_000,
              intervalS: 60,
              volume: Math.floor(random() * 25),
              occupancyRatio: random() * 0.6,
            });
          }
        }
        if (random() < 0.01) {
          const metres = 40 + random() * 200;
          controller.requestPriority(
            {
              vehicleId: `bus-${Math.floor(random() * 5)}`,
              tripId: `trip-${second}`,
              routeId: 'r',
              ...destinationPoint(model.location ?? { lat: 0, lon: 0 }, 180, metres),
              bearingDeg: 0,
              speedMps: 8,
              scheduleDeviationS: 100 + random() * 400,
            },
            nowMs,
            `ping-${second}`,
          );
        }
        if (random() < 0.002) {
          const stage = model.stages[Math.floor(random() * model.stages.length)]?.id ?? 'main';
          overrideCount++;
          controller.setOverride(
            {
              overrideId: `o${second}`,
              action: { kind: 'hold-stage', stageId: stage },
              startedAtMs: nowMs,
              expiresAtMs: nowMs + (30 + random() * 200) * 1000,
              audit: { actorKind: 'operator', actorId: 'op', reason: 'test', changedAtMs: nowMs },
            },
            nowMs,
          );
        }
        const result = controller.tick(nowMs);
        changes.push(...result.phaseChanges);
        grants += result.grants.length;
        monitor.observe(controller.status().state, second + START / 1000);
      }
      expect(monitor.details()).toEqual([]);
      expect(controller.violations()).toBe(0);
      expect(overrideCount).toBeGreaterThan(0);
      // The junction kept cycling: both stages got green many times.
      const greens = changes.filter((c) => c.colour === 'green');
      expect(new Set(greens.map((c) => c.stageId))).toEqual(new Set(['main', 'fifth']));
      expect(greens.length).toBeGreaterThan(20);
      // Every green and yellow carries why it happened; clearance steps are marked as such.
      for (const change of changes) {
        if (change.colour === 'red-clearance') expect(change.cause).toBe('clearance');
        else expect(change.explanation?.summary).toBeTruthy();
      }
      // Late buses were served, and priority stayed bounded: at most one grant per 120 s cooldown.
      expect(grants).toBeGreaterThan(0);
      expect(grants).toBeLessThanOrEqual(7200 / 120 + 1);
    },
  );

  it('announces a plan change when the strategy re-plans, and an override that expires', () => {
    // A Webster-like strategy that exposes its plan and re-plans after five minutes.
    let plan = model.plan;
    const replanning: typeof createStrategy = (name, m, o) => {
      const inner = createStrategy('fixed', m, o);
      return {
        name,
        decide(observation) {
          if (observation.nowS * 1000 >= START + 300_000 && plan === model.plan) {
            plan = {
              ...model.plan,
              cycleS: 70,
              splits: [
                { stageId: 'main', greenS: 35 },
                { stageId: 'fifth', greenS: 24 },
              ],
            };
          }
          return inner.decide(observation);
        },
        currentPlan: () => plan,
      } as Strategy;
    };
    const controller = createIntersectionController(model, START, {
      strategy: 'webster',
      strategyFactory: replanning,
    });
    const overrideAt = START + 100_000;
    const planChanges = [];
    for (let second = 1; second <= 400; second++) {
      const nowMs = START + second * 1000;
      if (nowMs === overrideAt) {
        planChanges.push(
          controller.setOverride(
            {
              overrideId: 'o1',
              action: { kind: 'hold-stage', stageId: 'fifth' },
              startedAtMs: nowMs,
              expiresAtMs: nowMs + 60_000,
              audit: { actorKind: 'operator', actorId: 'op', reason: 'test', changedAtMs: nowMs },
            },
            nowMs,
          ),
        );
      }
      planChanges.push(...controller.tick(nowMs).planChanges);
    }
    expect(planChanges.map((p) => [p.cause, (p.atMs - START) / 1000])).toEqual([
      ['override-set', 100],
      ['override-ended', 160],
      ['adaptive', 300],
    ]);
    expect(planChanges[1]?.endedBy?.reason).toBe('override expired');
    expect(planChanges[2]?.plan.cycleS).toBe(70);
    expect(controller.status().override).toBeUndefined();
  });

  it('stamps records made from replayed inputs with the replay run, and live ones with none', () => {
    const controller = createIntersectionController(model, START, { strategy: 'fixed' });
    const changes: PhaseChangeRecord[] = [];
    for (let second = 1; second <= 90; second++) {
      if (second === 60) controller.noteReplayRun('what-if-7');
      changes.push(...controller.tick(START + second * 1000).phaseChanges);
    }
    const stamps = changes.map((c) => [(c.atMs - START) / 1000 >= 60, c.replayRunId ?? '']);
    expect(stamps.length).toBeGreaterThan(2);
    for (const [afterReplay, runId] of stamps) expect(runId).toBe(afterReplay ? 'what-if-7' : '');
  });

  it('replays a jump of the clock as one step without an unsafe state', () => {
    const controller = createIntersectionController(model, START, { strategy: 'fixed' });
    const monitor = createSignalMonitor(model);
    monitor.observe(controller.status().state, START / 1000);
    controller.tick(START + 3_600_000);
    monitor.observe(controller.status().state, START / 1000 + 3600);
    for (let second = 3601; second < 3800; second++) {
      controller.tick(START + second * 1000);
      monitor.observe(controller.status().state, START / 1000 + second);
    }
    expect(monitor.details()).toEqual([]);
  });
});
