import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CommandIO, UsageError } from '@mobility/runtime';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { seededRandom } from '@mobility/runtime/util';
import { describe, expect, it } from 'vitest';
import type { Forecaster, OccupancyObservation } from '../../src/domain/forecast/index.js';
import { parkingEvalCommand, parseBirminghamCsv, walkForward } from '../../src/eval/index.js';

const io: CommandIO = { say: () => {}, env: {} };
const REAL_CSV = new URL(`file://${join(SHARED_DATA, 'parking/birmingham/birmingham_parking.csv')}`);

function stamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Three weeks of three car parks in the Birmingham layout, 08:00-16:30 every ~30 min, with known dirt. */
async function writeSmallCsv(): Promise<string> {
  const next = seededRandom(42);
  const lines = ['SystemCodeNumber,Capacity,Occupancy,LastUpdated'];
  for (const [name, capacity] of [
    ['CP-A', 300],
    ['CP-B', 500],
    ['CP-C', 120],
  ] as const) {
    for (let day = 0; day < 21; day++) {
      const level = 0.1 * (next() - 0.5);
      for (let minute = 8 * 60; minute <= 16 * 60 + 30; minute += 30) {
        const when = new Date(Date.UTC(2016, 9, 3 + day, 0, minute + Math.floor(next() * 5)));
        const shape = 0.2 + 0.6 * Math.exp(-(((minute - 780) / 150) ** 2)) * (day % 7 === 5 ? 1.1 : 1);
        const occupied = Math.round((shape + level + 0.02 * (next() - 0.5)) * capacity);
        lines.push(`${name},${capacity},${occupied},${stamp(when)}`);
      }
    }
  }
  lines.push('CP-A,300,350,2016-10-24 08:00:00'); // above capacity
  lines.push('CP-A,300,-4,2016-10-24 08:30:00'); // negative
  lines.push('CP-A,300,-4,2016-10-24 08:30:00'); // duplicate
  lines.push('CP-B,500,abc,2016-10-24 08:00:00'); // non-numeric
  lines.push('CP-B,500,100,2016-10-24 08:30:00\t'); // stray tab, as in the real file: clean
  const dir = await mkdtemp(join(tmpdir(), 'parking-eval-'));
  const file = join(dir, 'small.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const REQUIRED_KEYS = [
  'facilities',
  'forecasts',
  'mae_pct_capacity',
  'mape_pct',
  'persistence_mae_pct_capacity',
  'seasonal_naive_mae_pct_capacity',
  'profile_mae_pct_capacity',
  'interval_coverage_pct',
  'dirty_rows',
];

describe('eval parking', () => {
  it('evaluates a small CSV, counts its dirty rows and reports per horizon', async () => {
    const file = await writeSmallCsv();
    const result = await parkingEvalCommand.run(['--csv', file, '--horizon-min', '30,60'], io);
    for (const key of REQUIRED_KEYS) expect(result, key).toHaveProperty(key);
    expect(result.facilities).toBe(3);
    expect(result.dirty_rows).toBe(4);
    expect(result.flags).toMatchObject({ 'above-capacity': 1, negative: 2, duplicate: 1, 'non-numeric': 1 });
    expect(result.forecasts).toBe((result.forecasts_h30 as number) + (result.forecasts_h60 as number));
    expect(result.forecasts_h60 as number).toBeGreaterThan(500);
    expect(result.mae_pct_capacity_h60 as number).toBeLessThan(
      result.persistence_mae_pct_capacity_h60 as number,
    );
    expect(result.interval_nominal_pct).toBe(80);
  });

  it('rejects bad flags with a usage error', async () => {
    await expect(parkingEvalCommand.run([], io)).rejects.toBeInstanceOf(UsageError);
    await expect(
      parkingEvalCommand.run(['--csv', 'x.csv', '--horizon-min', 'soon'], io),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(parkingEvalCommand.run(['--csv', 'x.csv', '--bogus', '1'], io)).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(parkingEvalCommand.run(['--csv', '/nonexistent/file.csv'], io)).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it('never hands a method a reading later than the issue time', () => {
    const observations: OccupancyObservation[] = Array.from({ length: 200 }, (_, index) => ({
      at: Date.UTC(2016, 9, 3) + index * 30 * 60_000,
      occupied: index % 50,
      capacity: 100,
    }));
    let calls = 0;
    const spy: Forecaster = {
      forecast(history, issuedAt, horizons) {
        calls++;
        expect(history.every((observation) => observation.at <= issuedAt)).toBe(true);
        return horizons.map((horizonMinutes) => ({
          horizonMinutes,
          expectedOccupied: 1,
          lower: 0,
          upper: 2,
          level: 0.8,
          method: 'spy',
        }));
      },
    };
    const [result] = walkForward(new Map([['A', observations]]), {
      horizonsMinutes: [60],
      toleranceMinutes: 10,
      methods: { spy },
      model: 'spy',
    });
    expect(calls).toBeGreaterThan(150);
    expect(result?.forecasts).toBe(198);
  });

  it('parses the Birmingham layout, trimming stray whitespace and keeping blanks as NaN', () => {
    const [clean, blank] = parseBirminghamCsv(
      'SystemCodeNumber,Capacity,Occupancy,LastUpdated\nA,10,5,2016-10-04 07:59:42\t\nA,10,,2016-10-04 08:29:42\n',
    );
    expect(clean).toEqual({
      facilityId: 'A',
      capacity: 10,
      occupied: 5,
      observedAt: Date.UTC(2016, 9, 4, 7, 59, 42),
    });
    expect(blank?.occupied).toBeNaN();
    expect(() => parseBirminghamCsv('a,b\n1,2\n')).toThrow(/lacks column/);
  });

  it.runIf(sharedDataAvailable('parking/birmingham/birmingham_parking.csv'))(
    'runs on the real Birmingham file with sane figures',
    async () => {
      const result = await parkingEvalCommand.run(['--csv', REAL_CSV.pathname, '--horizon-min', '60'], io);
      for (const key of REQUIRED_KEYS) expect(result, key).toHaveProperty(key);
      expect(result.facilities as number).toBeGreaterThanOrEqual(25);
      expect(result.forecasts as number).toBeGreaterThan(10_000);
      expect(result.dirty_rows as number).toBeGreaterThan(0);
      for (const key of [
        'mae_pct_capacity',
        'persistence_mae_pct_capacity',
        'seasonal_naive_mae_pct_capacity',
      ]) {
        expect(result[key] as number, key).toBeGreaterThan(0);
        expect(result[key] as number, key).toBeLessThan(50);
      }
      expect(result.mae_pct_capacity as number).toBeLessThan(result.profile_mae_pct_capacity as number);
      expect(result.mape_pct as number).toBeGreaterThan(0);
      expect(result.interval_coverage_pct as number).toBeGreaterThan(60);
      expect(result.interval_coverage_pct as number).toBeLessThan(95);
    },
    120_000,
  );
});
