import { describe, expect, it } from 'vitest';
import {
  calItpAccurate,
  KPIS,
  kpiCsv,
  mbtaAccurate,
  mbtaBin,
  validateKpiQuery,
} from '../../src/domain/kpi.js';

describe('prediction accuracy rules', () => {
  it('applies the MBTA bins by horizon (actual minus predicted, early negative)', () => {
    expect(mbtaBin(2.9)?.label).toBe('0_3');
    expect(mbtaBin(3)?.label).toBe('3_6');
    expect(mbtaBin(30)).toBeUndefined();
    expect(mbtaAccurate(1, 60)).toBe(true);
    expect(mbtaAccurate(1, 61)).toBe(false);
    expect(mbtaAccurate(1, -61)).toBe(false);
    expect(mbtaAccurate(4, 120)).toBe(true);
    expect(mbtaAccurate(4, -91)).toBe(false);
    expect(mbtaAccurate(10, 210)).toBe(true);
    expect(mbtaAccurate(10, -151)).toBe(false);
    expect(mbtaAccurate(20, 360)).toBe(true);
    expect(mbtaAccurate(20, 361)).toBe(false);
    expect(mbtaAccurate(45, 0)).toBeUndefined();
  });

  it('applies the Cal-ITP rule -60 ln(t+1.3) < error < 60 ln(t+1.5)', () => {
    // t = 0: about -15.7 s .. +24.3 s.
    expect(calItpAccurate(0, 24)).toBe(true);
    expect(calItpAccurate(0, 25)).toBe(false);
    expect(calItpAccurate(0, -15)).toBe(true);
    expect(calItpAccurate(0, -16)).toBe(false);
    // t = 10 min: about -145.5 s .. +146.5 s.
    expect(calItpAccurate(10, 146)).toBe(true);
    expect(calItpAccurate(10, 147)).toBe(false);
    expect(calItpAccurate(10, -145)).toBe(true);
    expect(calItpAccurate(10, -146)).toBe(false);
  });
});

describe('KPI output', () => {
  it('writes CSV with the entity column named by kind, empty cells for missing values, and quoting', () => {
    const csv = kpiCsv(KPIS['parking-occupancy'], [
      {
        bucketStart: Date.UTC(2026, 10, 23, 8),
        entityId: 'Car park, "North"',
        values: [50, 90, 600, 16.6667, Number.NaN],
      },
    ]);
    expect(csv).toBe(
      'bucket_start,facility_id,mean_occupancy_pct,peak_occupancy_pct,time_above_85_s,time_above_85_pct,observed_s\n' +
        '2026-11-23T08:00:00.000Z,"Car park, ""North""",50,90,600,16.667,\n',
    );
  });

  it('refuses windows that are empty, reversed or split too finely', () => {
    const base = { kpi: 'on-time' as const, entityIds: [] };
    expect(() => validateKpiQuery({ ...base, from: 10, to: 10, bucketMs: 60_000 })).toThrow(/after/);
    expect(() => validateKpiQuery({ ...base, from: 0, to: 3_600_000, bucketMs: 1000 })).toThrow(/minute/);
    expect(() => validateKpiQuery({ ...base, from: 0, to: 1e12, bucketMs: 60_000 })).toThrow(/too many/);
    expect(() => validateKpiQuery({ ...base, from: 0, to: 3_600_000, bucketMs: 60_000 })).not.toThrow();
  });
});
