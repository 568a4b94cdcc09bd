import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { describe, expect, it } from 'vitest';
import {
  carParkOccupancyShare,
  trafficFactor,
  WEEKDAY_TRAFFIC_PROFILE,
  WEEKEND_TRAFFIC_PROFILE,
} from '../src/index.js';

const SCATS = 'traffic-counts/scats-melbourne-2006/scats-2006-10.csv';
const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

describe('daily demand profiles', () => {
  it('are normalised to a daily mean of 1 with 96 quarter-hours', () => {
    for (const profile of [WEEKDAY_TRAFFIC_PROFILE, WEEKEND_TRAFFIC_PROFILE]) {
      expect(profile).toHaveLength(96);
      expect(mean(profile)).toBeCloseTo(1, 2);
    }
  });

  it('have a weekday morning and evening peak, a weekend midday plateau, and quiet nights', () => {
    const at = (hour: number, weekend = false) => trafficFactor(hour * 3600, weekend);
    expect(at(8)).toBeGreaterThan(1.8);
    expect(at(17.5)).toBeGreaterThan(1.8);
    expect(at(12)).toBeLessThan(at(8));
    expect(at(3)).toBeLessThan(0.1);
    expect(at(13, true)).toBeGreaterThan(at(8, true));
    // Wraps round midnight continuously.
    expect(Math.abs(trafficFactor(86_399, false) - trafficFactor(0, false))).toBeLessThan(0.05);
  });

  it('fill commuter car parks in the morning and central ones around midday', () => {
    expect(carParkOccupancyShare('commuter', 10 * 3600, false)).toBeGreaterThan(0.85);
    expect(carParkOccupancyShare('commuter', 22 * 3600, false)).toBeLessThan(0.1);
    expect(carParkOccupancyShare('central', 13 * 3600, true)).toBeGreaterThan(
      carParkOccupancyShare('central', 9 * 3600, true),
    );
  });

  it.runIf(sharedDataAvailable(SCATS))(
    'match the shapes of the real SCATS counts they were derived from',
    () => {
      const lines = readFileSync(join(SHARED_DATA, SCATS), 'utf8').split(/\r?\n/).slice(2);
      const sums = { weekday: new Array<number>(96).fill(0), weekend: new Array<number>(96).fill(0) };
      const days = { weekday: 0, weekend: 0 };
      for (const line of lines) {
        const fields = line.split(',');
        const [d, m, y] = (fields[9] ?? '').split('/').map(Number);
        const volumes = fields.slice(10, 106).map(Number);
        if (!d || !m || !y || volumes.length !== 96 || volumes.some((v) => !Number.isFinite(v))) continue;
        const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
        const kind = weekday === 0 || weekday === 6 ? 'weekend' : 'weekday';
        days[kind]++;
        volumes.forEach((v, i) => {
          sums[kind][i] = (sums[kind][i] as number) + v;
        });
      }
      expect(days).toEqual({ weekday: 2972, weekend: 1220 });
      for (const [kind, profile] of [
        ['weekday', WEEKDAY_TRAFFIC_PROFILE],
        ['weekend', WEEKEND_TRAFFIC_PROFILE],
      ] as const) {
        const means = sums[kind].map((sum) => sum / days[kind]);
        const daily = mean(means);
        const derived = means.map((value) => value / daily);
        const worst = Math.max(...derived.map((value, i) => Math.abs(value - (profile[i] as number))));
        expect(worst).toBeLessThan(0.006);
        expect(Math.round(daily)).toBe(kind === 'weekday' ? 110 : 89);
      }
    },
  );
});
