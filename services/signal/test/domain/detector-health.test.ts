import { describe, expect, it } from 'vitest';
import {
  type CountObservation,
  createDetectorHealthMonitor,
  DEFAULT_DETECTOR_HEALTH,
  detectorLanes,
  validateDetectorCount,
} from '../../src/domain/detector-health.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const MINUTE = 60_000;
const detectors = [
  { id: 'a', lanes: 1 },
  { id: 'b', lanes: 1 },
  { id: 'c', lanes: 2 },
];
const count = (
  detectorId: string,
  minute: number,
  volume: number,
  occupancyRatio = 0.2,
): CountObservation => ({
  detectorId,
  intervalStartMs: T0 + minute * MINUTE,
  intervalS: 60,
  volume,
  occupancyRatio,
});

describe('validateDetectorCount', () => {
  const lanes = new Map([
    ['a', 1],
    ['c', 2],
  ]);
  const raw = {
    intersectionId: 'x',
    detectorId: 'a',
    intervalStartMs: T0,
    intervalS: 60,
    volume: 12,
    occupancyRatio: 0.3,
  };
  const context = { detectorLanes: lanes, nowMs: T0 + 2 * MINUTE };

  it('accepts a plausible count', () => {
    const result = validateDetectorCount(raw, context);
    expect(result.ok).toBe(true);
  });

  it.each([
    ['unknown_intersection', raw, { ...context, detectorLanes: undefined }],
    ['unknown_detector', { ...raw, detectorId: 'zz' }, context],
    ['invalid_interval', { ...raw, intervalS: 0 }, context],
    ['invalid_interval', { ...raw, intervalS: Number.NaN }, context],
    ['interval_too_long', { ...raw, intervalS: 7200 }, context],
    ['invalid_time', { ...raw, intervalStartMs: Number.NaN }, context],
    ['inconsistent_interval_end', { ...raw, occurredAtMs: T0 + 10 * MINUTE }, context],
    ['future_timestamp', { ...raw, intervalStartMs: T0 + 10 * MINUTE }, context],
    ['negative_volume', { ...raw, rawVolume: -3 }, context],
    ['occupancy_out_of_range', { ...raw, occupancyRatio: 1.4 }, context],
    ['occupancy_out_of_range', { ...raw, occupancyRatio: -0.1 }, context],
    // 61 vehicles a minute on one lane is more than one a second.
    ['impossible_volume', { ...raw, volume: 61 }, context],
  ] as const)('rejects %s', (code, input, ctx) => {
    const result = validateDetectorCount(input, ctx);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
  });

  it('scales the physical limit with the lanes a detector covers', () => {
    expect(validateDetectorCount({ ...raw, detectorId: 'c', volume: 100 }, context).ok).toBe(true);
    expect(validateDetectorCount({ ...raw, detectorId: 'a', volume: 100 }, context).ok).toBe(false);
  });
});

describe('detectorLanes', () => {
  it('shares an approach’s lanes among detectors of the same kind', () => {
    const lanes = detectorLanes(
      [
        { id: 'l1', approachId: 'n', kind: 'stop-line' },
        { id: 'l2', approachId: 'n', kind: 'stop-line' },
        { id: 'adv', approachId: 'n', kind: 'advance' },
      ],
      new Map([['n', 2]]),
    );
    expect(lanes.get('l1')).toBe(1);
    expect(lanes.get('adv')).toBe(2);
  });
});

describe('detector health monitor', () => {
  it('raises stuck-on after continuous full occupancy and clears after healthy intervals', () => {
    const monitor = createDetectorHealthMonitor(detectors, T0);
    const raisedAt: number[] = [];
    for (let minute = 0; minute < 12; minute++) {
      for (const change of monitor.observe(count('a', minute, 0, 1))) {
        expect(change).toMatchObject({ kind: 'stuck-on', state: 'raised', sinceMs: T0 });
        raisedAt.push(minute);
      }
    }
    // 600 s stuck-on threshold: raised at the end of the 10th minute, once.
    expect(raisedAt).toEqual([9]);
    expect(monitor.isSuspect('a')).toBe(true);
    expect(monitor.observe(count('a', 12, 8, 0.3))).toEqual([]);
    const cleared = monitor.observe(count('a', 13, 9, 0.3));
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ kind: 'stuck-on', state: 'cleared', alarmId: `a:stuck-on:${T0}` });
    expect(monitor.alarmedDetectorIds()).toEqual([]);
  });

  it('does not raise stuck-on across a gap in the reports', () => {
    const monitor = createDetectorHealthMonitor(detectors, T0);
    const changes = [];
    for (let minute = 0; minute < 6; minute++) changes.push(...monitor.observe(count('a', minute, 0, 1)));
    for (let minute = 8; minute < 14; minute++) changes.push(...monitor.observe(count('a', minute, 0, 1)));
    expect(changes.filter((c) => c.kind === 'stuck-on')).toEqual([]);
  });

  it('raises no-activity only while the neighbours count', () => {
    const quiet = createDetectorHealthMonitor(detectors, T0);
    const all = [];
    for (let minute = 0; minute < 8; minute++) {
      all.push(...quiet.observe(count('a', minute, 0, 0)));
      all.push(...quiet.observe(count('b', minute, 0, 0)));
    }
    expect(all).toEqual([]);

    const monitor = createDetectorHealthMonitor(detectors, T0);
    const raised = [];
    for (let minute = 0; minute < 8; minute++) {
      raised.push(...monitor.observe(count('a', minute, 0, 0)));
      raised.push(...monitor.observe(count('b', minute, 12)));
    }
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ detectorId: 'a', kind: 'no-activity', state: 'raised', sinceMs: T0 });
    const neighbours = raised[0]?.explanation.factors.find((f) => f.name === 'neighbour_volume');
    expect(neighbours?.value).toBeGreaterThanOrEqual(DEFAULT_DETECTOR_HEALTH.neighbourMinVolume);
    const back = monitor.observe(count('a', 8, 3));
    expect(back).toEqual([expect.objectContaining({ kind: 'no-activity', state: 'cleared' })]);
  });

  it('raises erratic counts above lane saturation and not for heavy but possible flow', () => {
    const monitor = createDetectorHealthMonitor(detectors, T0);
    // 33 veh/min on one lane = 1980 veh/h: heavy, possible.
    const heavy = [0, 1, 2].flatMap((m) => monitor.observe(count('a', m, 33, 0.5)));
    expect(heavy).toEqual([]);
    // 40 veh/min = 2400 veh/h on one lane: above the 2200 limit.
    const first = monitor.observe(count('a', 3, 40, 0.5));
    expect(first).toEqual([]);
    const second = monitor.observe(count('a', 4, 40, 0.5));
    expect(second).toEqual([expect.objectContaining({ kind: 'erratic-counts', state: 'raised' })]);
    // Detector c covers two lanes: 70 a minute is 2100 veh/h/lane, fine.
    expect([5, 6].flatMap((m) => monitor.observe(count('c', m, 70, 0.5)))).toEqual([]);
  });

  it('raises communication-lost for a silent detector while others report, cleared by its next report', () => {
    const monitor = createDetectorHealthMonitor(detectors, T0);
    for (let minute = 0; minute < 7; minute++) {
      monitor.observe(count('b', minute, 10));
      monitor.observe(count('c', minute, 10));
    }
    monitor.observe(count('a', 0, 5));
    expect(monitor.checkSilence(T0 + 3 * MINUTE)).toEqual([]);
    const lost = monitor.checkSilence(T0 + 7 * MINUTE);
    expect(lost).toEqual([
      expect.objectContaining({ detectorId: 'a', kind: 'communication-lost', state: 'raised' }),
    ]);
    // Raised once, not again on every check.
    expect(monitor.checkSilence(T0 + 8 * MINUTE)).toEqual([]);
    const back = monitor.observe(count('a', 8, 5));
    expect(back).toEqual([expect.objectContaining({ kind: 'communication-lost', state: 'cleared' })]);
  });

  it('ignores a redelivered interval', () => {
    const monitor = createDetectorHealthMonitor(detectors, T0, {
      ...DEFAULT_DETECTOR_HEALTH,
      implausibleIntervals: 1,
    });
    expect(monitor.observe(count('a', 0, 50))).toHaveLength(1);
    expect(monitor.observe(count('a', 0, 50))).toEqual([]);
  });
});
