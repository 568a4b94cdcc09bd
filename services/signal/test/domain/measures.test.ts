import { describe, expect, it } from 'vitest';
import {
  approachGreens,
  type CountRecord,
  computeMeasures,
  type GreenInterval,
} from '../../src/domain/measures.js';
import type { IntersectionModel } from '../../src/domain/model.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;

const model: IntersectionModel = {
  id: 'x',
  name: 'X',
  approaches: [
    { id: 'nb', name: 'nb', lanes: 1, detectorIds: ['nb-adv', 'nb-stop'], signalGroupIds: ['g-ns'] },
    { id: 'eb', name: 'eb', lanes: 1, detectorIds: ['eb-stop'], signalGroupIds: ['g-ew'] },
  ],
  signalGroups: [
    { id: 'g-ns', movement: 'NS', kind: 'vehicle', minGreenS: 10, yellowS: 4, allRedS: 2 },
    { id: 'g-ew', movement: 'EW', kind: 'vehicle', minGreenS: 7, yellowS: 3, allRedS: 2 },
  ],
  stages: [
    { id: 'ns', name: 'NS', signalGroupIds: ['g-ns'] },
    { id: 'ew', name: 'EW', signalGroupIds: ['g-ew'] },
  ],
  detectors: [
    { id: 'nb-adv', approachId: 'nb', kind: 'advance', distanceFromStopLineM: 0 },
    { id: 'nb-stop', approachId: 'nb', kind: 'stop-line' },
    { id: 'eb-stop', approachId: 'eb', kind: 'stop-line' },
  ],
  plan: {
    cycleS: 60,
    offsetS: 0,
    splits: [
      { stageId: 'ns', greenS: 30 },
      { stageId: 'ew', greenS: 20 },
    ],
  },
};

/** A 60 s cycle: ns green 0-30, change, ew green 36-55, change. */
function greens(cycles: number): GreenInterval[] {
  const list: GreenInterval[] = [];
  for (let c = 0; c < cycles; c++) {
    list.push({ stageId: 'ns', startMs: s(c * 60), endMs: s(c * 60 + 30) });
    list.push({ stageId: 'ew', startMs: s(c * 60 + 36), endMs: s(c * 60 + 55) });
  }
  return list;
}

const count = (
  detectorId: string,
  startS: number,
  volume: number,
  occupancyRatio = 0.2,
  intervalS = 60,
): CountRecord => ({
  detectorId,
  startMs: s(startS),
  intervalS,
  volume,
  occupancyRatio,
});

describe('computeMeasures', () => {
  it('counts one detector kind per approach and spreads arrivals over green and red', () => {
    const counts = [
      count('nb-adv', 0, 60),
      count('nb-stop', 0, 58), // the same vehicles again at the stop line: not added
      count('nb-adv', 60, 60),
      count('nb-stop', 60, 60),
      count('eb-stop', 0, 30),
      count('eb-stop', 60, 30),
    ];
    const result = computeMeasures(model, {
      fromMs: s(0),
      toMs: s(120),
      binMs: 60_000,
      greens: greens(2),
      counts,
    });
    const nb = result.approaches.find((a) => a.approachId === 'nb');
    expect(nb?.volume).toBe(120);
    // Green 30 s of every 60: half arrive on green.
    expect(nb?.arrivalsOnGreen).toBeCloseTo(60);
    expect(nb?.arrivalsOnGreenRatio).toBeCloseTo(0.5);
    // Random arrivals: platoon ratio 1.
    expect(nb?.platoonRatio).toBeCloseTo(1);
    expect(nb?.cycles).toBe(2);
    expect(nb?.greenS).toBeCloseTo(60);
    expect(nb?.bins.map((b) => b.volume)).toEqual([60, 60]);
    // Uniform arrivals, 1 veh/s, red 30 s per cycle: each red's arrivals wait on average 15 s →
    // 30 * 15 = 450 veh·s per cycle, except the last red's wait stops at the window end (same here).
    expect(nb?.totalDelayVehS).toBeCloseTo(900);
    expect(nb?.meanDelayS).toBeCloseTo(7.5);
    const eb = result.approaches.find((a) => a.approachId === 'eb');
    expect(eb?.volume).toBe(60);
    expect(eb?.arrivalsOnGreenRatio).toBeCloseTo(19 / 60);
  });

  it('shifts advance-detector arrivals by the travel time to the stop line', () => {
    const shifted: IntersectionModel = {
      ...model,
      detectors: model.detectors.map((d) => (d.id === 'nb-adv' ? { ...d, distanceFromStopLineM: 139 } : d)),
    };
    // Counted 20-30 s: arrives 30-40 s at the stop line, all on red (ns green ended at 30).
    const counts = [count('nb-adv', 20, 10, 0.2, 10)];
    const result = computeMeasures(shifted, {
      fromMs: s(0),
      toMs: s(60),
      binMs: 0,
      greens: greens(1),
      counts,
    });
    expect(result.approaches.find((a) => a.approachId === 'nb')?.arrivalsOnGreen).toBeCloseTo(0, 1);
    const unshifted = computeMeasures(model, {
      fromMs: s(0),
      toMs: s(60),
      binMs: 0,
      greens: greens(1),
      counts,
    });
    expect(unshifted.approaches.find((a) => a.approachId === 'nb')?.arrivalsOnGreen).toBeCloseTo(10);
  });

  it('finds split failures from stop-line occupancy at green end and early red', () => {
    const counts = [
      // Interval covering ns green end (30 s) and 35 s: occupied 90%.
      count('nb-stop', 25, 5, 0.9, 15),
      count('nb-adv', 0, 30),
      // Second cycle: the queue cleared.
      count('nb-stop', 85, 5, 0.3, 15),
    ];
    const result = computeMeasures(model, {
      fromMs: s(0),
      toMs: s(120),
      binMs: 60_000,
      greens: greens(2),
      counts,
    });
    const nb = result.approaches.find((a) => a.approachId === 'nb');
    expect(nb?.splitFailures).toBe(1);
    expect(nb?.bins.map((b) => b.splitFailures)).toEqual([1, 0]);
  });

  it('reports data completeness against one interval per detector per interval length', () => {
    const counts = [
      count('nb-adv', 0, 10),
      count('nb-stop', 0, 10),
      count('eb-stop', 0, 10),
      count('nb-adv', 60, 10),
    ];
    const result = computeMeasures(model, {
      fromMs: s(0),
      toMs: s(120),
      binMs: 0,
      greens: greens(2),
      counts,
    });
    expect(result.dataCompleteness).toBeCloseTo(4 / 6);
    const empty = computeMeasures(model, {
      fromMs: s(0),
      toMs: s(120),
      binMs: 0,
      greens: greens(2),
      counts: [],
    });
    expect(empty.dataCompleteness).toBe(0);
    expect(empty.approaches.every((a) => a.volume === 0 && a.meanDelayS === 0)).toBe(true);
  });
});

describe('approachGreens', () => {
  it('merges greens of stages that both serve the approach', () => {
    const overlapping: IntersectionModel = {
      ...model,
      stages: [...model.stages, { id: 'ns-lead', name: 'lead', signalGroupIds: ['g-ns'] }],
    };
    const merged = approachGreens(overlapping, 'nb', [
      { stageId: 'ns-lead', startMs: s(0), endMs: s(10) },
      { stageId: 'ns', startMs: s(10), endMs: s(30) },
      { stageId: 'ew', startMs: s(36), endMs: s(50) },
    ]);
    expect(merged).toEqual([{ startMs: s(0), endMs: s(30) }]);
  });
});
