import { describe, expect, it } from 'vitest';
import type { IntersectionModel } from '../../src/domain/model.js';
import {
  angleBetweenDeg,
  type BusPosition,
  bearingDeg,
  DEFAULT_PRIORITY,
  decidePriority,
  isLate,
  matchApproach,
  type PrioritySituation,
} from '../../src/domain/priority.js';
import { destinationPoint } from '../support/geo.js';

const CENTRE = { lat: 51.22052, lon: 6.77931 };

const model: IntersectionModel = {
  id: 'x',
  name: 'X',
  location: CENTRE,
  approaches: [
    { id: 'nb', name: 'northbound', bearingDeg: 0, lanes: 2, detectorIds: [], signalGroupIds: ['g-ns'] },
    { id: 'sb', name: 'southbound', bearingDeg: 180, lanes: 2, detectorIds: [], signalGroupIds: ['g-ns'] },
    { id: 'eb', name: 'eastbound', bearingDeg: 90, lanes: 1, detectorIds: [], signalGroupIds: ['g-ew'] },
  ],
  signalGroups: [
    { id: 'g-ns', movement: 'NS', kind: 'vehicle', minGreenS: 10, yellowS: 4, allRedS: 2 },
    { id: 'g-ew', movement: 'EW', kind: 'vehicle', minGreenS: 7, yellowS: 3, allRedS: 2 },
  ],
  stages: [
    { id: 'ns', name: 'NS', signalGroupIds: ['g-ns'] },
    { id: 'ew', name: 'EW', signalGroupIds: ['g-ew'] },
  ],
  detectors: [],
  plan: {
    cycleS: 90,
    offsetS: 0,
    splits: [
      { stageId: 'ns', greenS: 50 },
      { stageId: 'ew', greenS: 29 },
    ],
  },
};

/** A bus `metres` south of the centre, driving north (into the junction on the northbound approach). */
const busSouth = (metres: number, overrides: Partial<BusPosition> = {}): BusPosition => ({
  vehicleId: 'bus-7',
  tripId: 't1',
  routeId: 'r1',
  ...destinationPoint(CENTRE, 180, metres),
  bearingDeg: 2,
  speedMps: 10,
  scheduleDeviationS: 300,
  ...overrides,
});

describe('geometry', () => {
  it('bearing and angle helpers', () => {
    expect(bearingDeg(destinationPoint(CENTRE, 180, 100), CENTRE)).toBeCloseTo(0, 0);
    expect(bearingDeg(destinationPoint(CENTRE, 270, 100), CENTRE)).toBeCloseTo(90, 0);
    expect(angleBetweenDeg(350, 10)).toBeCloseTo(20);
    expect(angleBetweenDeg(90, 270)).toBeCloseTo(180);
  });

  it('matches a bus driving into the junction to the approach by its heading', () => {
    const match = matchApproach(model, busSouth(150));
    expect(match?.approachId).toBe('nb');
    expect(match?.distanceM).toBeCloseTo(150, -1);
    expect(match?.etaS).toBeCloseTo(15, 0);
  });

  it('ignores buses too far, moving away, or heading along no approach', () => {
    expect(matchApproach(model, busSouth(600))).toBeUndefined();
    // South of the junction but heading south: leaving.
    expect(matchApproach(model, busSouth(150, { bearingDeg: 180 }))).toBeUndefined();
    // North of the junction heading north: it has passed.
    expect(
      matchApproach(model, { ...busSouth(0), ...destinationPoint(CENTRE, 0, 100), bearingDeg: 0 }),
    ).toBeUndefined();
    // Coming from the east heading west: no westbound approach configured.
    expect(
      matchApproach(model, { ...busSouth(0), ...destinationPoint(CENTRE, 90, 100), bearingDeg: 270 }),
    ).toBeUndefined();
  });

  it('uses the default speed when the ping has none', () => {
    const match = matchApproach(model, busSouth(160, { speedMps: undefined as unknown as number }));
    expect(match?.etaS).toBeCloseTo(160 / DEFAULT_PRIORITY.defaultSpeedMps, 0);
  });
});

describe('decidePriority', () => {
  const approachesByStage = new Map([
    ['ns', ['nb', 'sb']],
    ['ew', ['eb']],
  ]);
  const situation = (overrides: Partial<PrioritySituation> = {}): PrioritySituation => ({
    nowS: 1000,
    currentStageId: 'ns',
    phase: 'green',
    stageElapsedS: 40,
    currentMinGreenS: 10,
    strategyWantsSwitch: true,
    busStageIds: ['ns'],
    plannedGreenS: { ns: 50, ew: 29 },
    cycleS: 90,
    intergreenS: 6,
    approaches: [
      { approachId: 'nb', queueVeh: 2, arrivalRateVehPerS: 0.2, lanes: 2 },
      { approachId: 'sb', queueVeh: 1, arrivalRateVehPerS: 0.2, lanes: 2 },
      { approachId: 'eb', queueVeh: 6, arrivalRateVehPerS: 0.1, lanes: 1 },
    ],
    approachesByStage,
    recentGrantsS: [],
    ...overrides,
  });
  const request = { approachId: 'nb', arrivalS: 1008, lateS: 300 };

  it('only late buses ask', () => {
    expect(isLate(300)).toBe(true);
    expect(isLate(60)).toBe(false);
  });

  it('extends the bus green, bounded, with the cost to the red approaches', () => {
    const decision = decidePriority(request, situation());
    expect(decision.kind).toBe('green-extension');
    if (decision.kind !== 'green-extension') return;
    // 8 s until arrival plus the 2 s margin.
    expect(decision.adjustmentS).toBe(10);
    expect(decision.holdUntilS).toBe(1010);
    // Cost: eb's 6 queued wait 10 s more, its arrivals 0.1/s half the time: 6*10 + 0.1*100/2 = 65.
    expect(decision.crossDelayVehS).toBeCloseTo(65);
    // Saved: the rest of the cycle it would otherwise wait: 90 - 50 - 10 = 30.
    expect(decision.timeSavedS).toBe(30);
    expect(decision.explanation.factors.map((f) => f.name)).toContain('schedule_deviation_s');
  });

  it('does nothing while the bus green stays on anyway', () => {
    expect(decidePriority(request, situation({ strategyWantsSwitch: false })).kind).toBe('none');
  });

  it('refuses extensions above the bound or past the stage maximum', () => {
    expect(decidePriority({ ...request, arrivalS: 1030 }, situation()).kind).toBe('none');
    expect(decidePriority(request, situation({ currentMaxGreenS: 45 })).kind).toBe('none');
  });

  it('gives an early green when the bus faces red, cutting at most the bound', () => {
    const decision = decidePriority(
      { ...request, arrivalS: 1010 },
      situation({ currentStageId: 'ew', stageElapsedS: 8, currentMinGreenS: 7, busStageIds: ['ns'] }),
    );
    expect(decision.kind).toBe('early-green');
    if (decision.kind !== 'early-green') return;
    expect(decision.stageId).toBe('ns');
    // ew planned 29 s, 8 s run: 21 s left, cut capped at 15.
    expect(decision.adjustmentS).toBe(15);
    expect(decision.timeSavedS).toBeGreaterThan(0);
    expect(decision.timeSavedS).toBeLessThanOrEqual(15);
    expect(decision.crossDelayVehS).toBeGreaterThan(0);
  });

  it('waits for the running stage’s minimum green before an early green', () => {
    const decision = decidePriority(request, situation({ currentStageId: 'ew', stageElapsedS: 3 }));
    expect(decision).toMatchObject({ kind: 'none' });
  });

  it('bounds grants per cycle and keeps a cooldown', () => {
    expect(decidePriority(request, situation({ recentGrantsS: [950] })).kind).toBe('none');
    expect(decidePriority(request, situation({ recentGrantsS: [850] })).kind).toBe('green-extension');
    expect(
      decidePriority(request, situation({ recentGrantsS: [850] }), { ...DEFAULT_PRIORITY, cooldownS: 200 })
        .kind,
    ).toBe('none');
  });

  it('does not act during a change or after the bus passed', () => {
    expect(decidePriority(request, situation({ phase: 'yellow' })).kind).toBe('none');
    expect(decidePriority({ ...request, arrivalS: 990 }, situation())).toEqual({
      kind: 'none',
      reason: 'the bus has passed',
    });
  });
});
