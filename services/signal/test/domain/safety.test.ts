import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IntersectionModel } from '../../src/domain/model.js';
import { createSafetyGuard, createSignalMonitor } from '../../src/domain/safety.js';
import type { StageDecision } from '../../src/domain/strategy.js';
import { crossroads } from './fixtures.js';

const explanation = { summary: 'test', measure: 'none', scores: [] };
const toStage = (stageId: string): StageDecision => ({ kind: 'switch', toStageId: stageId, explanation });

describe('safety guard', () => {
  it('holds min green (pedestrian walk + clearance), then yellow, then all-red before the next stage', () => {
    const guard = createSafetyGuard(crossroads(), 'A', 0);
    const shown: string[] = [];
    for (let t = 0; t <= 30; t++) {
      guard.request(toStage('B'), t);
      const state = guard.step(t);
      shown.push(`${t}:${state.phase}:${state.colours.ns}${state.colours.ped}${state.colours.ew}`);
    }
    // Stage A's minimum is the crossing's walk 7 + clearance 9 = 16 s; yellow 3 s (ns; ped has none);
    // all-red = the longest of the ending groups (2 s). Every ending group shows the change
    // interval (a longer clearance than a group needs is safe).
    expect(shown[15]).toBe('15:green:greengreenred');
    expect(shown[16]).toBe('16:yellow:yellowyellowred');
    expect(shown[18]).toBe('18:yellow:yellowyellowred');
    expect(shown[19]).toBe('19:all-red:redredred');
    expect(shown[21]).toBe('21:green:redredgreen');
    expect(guard.violations()).toBe(0);
  });

  it('refuses unknown stages and requests during a change', () => {
    const guard = createSafetyGuard(crossroads(), 'B', 0);
    guard.request(toStage('nowhere'), 0);
    guard.request(toStage('A'), 0);
    expect(guard.step(4).phase).toBe('green');
    expect(guard.step(5).phase).toBe('yellow');
    guard.request(toStage('B'), 6);
    expect(guard.refusals().map((refusal) => refusal.reason)).toEqual([
      'unknown stage',
      'changing to A already',
    ]);
    expect(guard.step(9).phase).toBe('all-red');
    expect(guard.step(10).stageId).toBe('A');
  });

  it('a monitor catches unsafe sequences a buggy controller could show', () => {
    const model = crossroads();
    const monitor = createSignalMonitor(model);
    const show = (t: number, ns: string, ew: string) =>
      monitor.observe(
        { stageId: '', phase: 'green', sinceS: t, colours: { ns, ew, ped: 'red' } as never },
        t,
      );
    show(0, 'green', 'red');
    show(3, 'red', 'green'); // min green 7 cut, no yellow, no all-red
    expect(monitor.violations()).toBeGreaterThanOrEqual(3);
  });

  it('shows zero violations over long random runs with adversarial strategies', () => {
    const stagesOf = (model: IntersectionModel) => model.stages.map((stage) => stage.id);
    fc.assert(
      fc.property(
        arbitraryModel(),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 3 }), pick: fc.nat(), kind: fc.nat(9) }), {
          minLength: 200,
          maxLength: 600,
        }),
        (model, requests) => {
          const stages = stagesOf(model);
          const guard = createSafetyGuard(model, stages[0] as string, 0);
          const monitor = createSignalMonitor(model);
          let now = 0;
          monitor.observe(guard.state(), now);
          for (const request of requests) {
            // Adversary: switches at random (often every second), asks for the running stage,
            // unknown stages, and holds.
            const target = request.kind === 0 ? 'bogus' : (stages[request.pick % stages.length] as string);
            const decision: StageDecision =
              request.kind < 8 ? toStage(target) : { kind: 'hold', explanation };
            guard.request(decision, now);
            now += request.dt;
            monitor.observe(guard.step(now), now);
          }
          expect(monitor.details()).toEqual([]);
          expect(guard.violations()).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Random junctions: 2-5 groups, stages of random non-empty group sets, random timings. */
function arbitraryModel(): fc.Arbitrary<IntersectionModel> {
  return fc.integer({ min: 2, max: 5 }).chain((groupCount) => {
    const groupIds = Array.from({ length: groupCount }, (_, index) => `g${index}`);
    return fc
      .record({
        timings: fc.array(
          fc.record({
            minGreenS: fc.integer({ min: 0, max: 12 }),
            yellowS: fc.integer({ min: 0, max: 5 }),
            allRedS: fc.integer({ min: 0, max: 4 }),
            pedestrian: fc.boolean(),
            walk: fc.integer({ min: 0, max: 10 }),
          }),
          { minLength: groupCount, maxLength: groupCount },
        ),
        stages: fc.array(fc.subarray(groupIds, { minLength: 1 }), { minLength: 2, maxLength: 5 }),
      })
      .map(({ timings, stages }) => ({
        id: 'random',
        name: 'random',
        approaches: [{ id: 'a', name: 'a', lanes: 1, detectorIds: [], signalGroupIds: groupIds }],
        signalGroups: groupIds.map((id, index) => {
          const timing = timings[index] ?? {
            minGreenS: 0,
            yellowS: 0,
            allRedS: 0,
            pedestrian: false,
            walk: 0,
          };
          return timing.pedestrian
            ? {
                id,
                movement: id,
                kind: 'pedestrian' as const,
                minGreenS: timing.minGreenS,
                yellowS: timing.yellowS,
                allRedS: timing.allRedS,
                pedestrianWalkS: timing.walk,
                pedestrianClearanceS: 3,
              }
            : {
                id,
                movement: id,
                kind: 'vehicle' as const,
                minGreenS: timing.minGreenS,
                yellowS: timing.yellowS,
                allRedS: timing.allRedS,
              };
        }),
        stages: stages.map((signalGroupIds, index) => ({
          id: `s${index}`,
          name: `s${index}`,
          signalGroupIds,
        })),
        detectors: [],
        plan: { cycleS: 60, offsetS: 0, splits: [{ stageId: 's0', greenS: 10 }] },
      }));
  });
}
