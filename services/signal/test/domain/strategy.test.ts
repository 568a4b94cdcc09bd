import { describe, expect, it } from 'vitest';
import { createStrategy, type IntersectionObservation, STRATEGY_NAMES } from '../../src/domain/strategy.js';
import { crossroads } from './fixtures.js';

function observation(
  overrides: Partial<IntersectionObservation> & { queues?: Record<string, number> },
): IntersectionObservation {
  const queues = overrides.queues ?? {};
  return {
    nowS: 100,
    currentStageId: 'A',
    stageElapsedS: 30,
    inTransition: false,
    approaches: ['north', 'south', 'east', 'west'].map((approachId) => ({
      approachId,
      queueVeh: queues[approachId] ?? 0,
      arrivalRateVehPerS: 0.1,
      downstreamQueueVeh: 0,
    })),
    ...overrides,
  };
}

describe('strategies', () => {
  it('fixed-time follows the plan by cycle position', () => {
    const fixed = createStrategy('fixed', crossroads());
    // The cycle opens with the change B->A (4 s yellow + 1 s all-red), A is green until 35; then
    // A->B (3 + 2 s) and B green until 60 = the cycle.
    expect(fixed.decide(observation({ nowS: 34 })).kind).toBe('hold');
    const at36 = fixed.decide(observation({ nowS: 36 }));
    expect(at36).toMatchObject({ kind: 'switch', toStageId: 'B' });
    expect(at36.explanation.summary).toContain('cycle second 36');
    expect(fixed.decide(observation({ nowS: 59, currentStageId: 'B' })).kind).toBe('hold');
    expect(fixed.decide(observation({ nowS: 61, currentStageId: 'B' }))).toMatchObject({
      kind: 'switch',
      toStageId: 'A',
    });
  });

  it('max-pressure switches to the stage with the larger upstream-minus-downstream queue', () => {
    const strategy = createStrategy('max-pressure', crossroads());
    const decision = strategy.decide(observation({ queues: { north: 2, south: 1, east: 6, west: 4 } }));
    expect(decision).toMatchObject({ kind: 'switch', toStageId: 'B' });
    expect(decision.explanation.scores).toEqual([
      { stageId: 'A', score: 3 }, // ns group: north 2 + south 1 (the crossing has no vehicle queue)
      { stageId: 'B', score: 10 },
    ]);
    const hold = strategy.decide(
      observation({ nowS: 101, queues: { north: 9, south: 1, east: 6, west: 4 } }),
    );
    expect(hold.kind).toBe('hold');
  });

  it('adaptive keeps a clearing queue, yields when another stage clearly dominates, and never starves', () => {
    const adaptive = createStrategy('adaptive', crossroads());
    const clearing = adaptive.decide(observation({ queues: { north: 4, south: 4, east: 5, west: 5 } }));
    expect(clearing.kind).toBe('hold');
    expect(clearing.explanation.summary).toContain('clears');
    const dominated = adaptive.decide(
      observation({ nowS: 101, queues: { north: 1, south: 1, east: 30, west: 30 } }),
    );
    expect(dominated).toMatchObject({ kind: 'switch', toStageId: 'B' });
    const empty = adaptive.decide(observation({ nowS: 102, queues: { east: 1 } }));
    expect(empty).toMatchObject({ kind: 'switch', toStageId: 'B' });
    expect(empty.explanation.summary).toContain('no demand left');
  });

  it('adaptive gives no demand to a movement whose exit is full (spillback)', () => {
    const adaptive = createStrategy('adaptive', crossroads());
    const blocked = observation({
      queues: { north: 0, south: 0 },
      movements: [
        { signalGroupId: 'ns', queueVeh: 0, downstreamQueueVeh: 0 },
        { signalGroupId: 'ped', queueVeh: 0, downstreamQueueVeh: 0 },
        { signalGroupId: 'ew', queueVeh: 20, downstreamQueueVeh: 0, downstreamSpaceVeh: 0 },
      ],
    });
    const decision = adaptive.decide(blocked);
    expect(decision.kind).toBe('hold');
    expect(decision.explanation.scores.find((score) => score.stageId === 'B')?.score).toBe(0);
  });

  it('Webster re-optimises the cycle from flows, greens in proportion to flow ratios', () => {
    const webster = createStrategy('webster', crossroads(), { webster: { reoptimiseEveryS: 60 } });
    const flows = { north: 900, south: 600, east: 300, west: 200 };
    const at = (nowS: number, currentStageId = 'A', stageElapsedS = 0) =>
      webster.decide(observation({ nowS, currentStageId, stageElapsedS, recentFlowsVehPerH: flows }));
    at(0);
    const replanned = at(60, 'A', 1);
    expect(replanned.explanation.summary).toMatch(/Webster plan.*Y=0\.\d+, L=\d+s gives cycle \d+s/);
    // North-south (900/3600 per lane pair = 0.25) outweighs east-west (300/1800 = 0.17): A stays
    // green longer than B in the new plan.
    let greenA = 0;
    let greenB = 0;
    let stage = 'A';
    let since = 60;
    for (let t = 61; t < 400; t++) {
      const decision = at(t, stage, t - since);
      if (decision.kind === 'switch' && decision.toStageId) {
        if (stage === 'A') greenA = t - since;
        else greenB = t - since;
        stage = decision.toStageId;
        since = t;
      }
    }
    expect(greenA).toBeGreaterThan(greenB);
  });

  it('every strategy explains every decision with the scores it compared', () => {
    for (const name of STRATEGY_NAMES) {
      const decision = createStrategy(name, crossroads()).decide(observation({ queues: { east: 3 } }));
      expect(decision.explanation.summary.length).toBeGreaterThan(0);
      expect(decision.explanation.scores.map((score) => score.stageId).sort()).toEqual(['A', 'B']);
    }
  });
});
