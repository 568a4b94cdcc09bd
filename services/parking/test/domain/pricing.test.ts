import { describe, expect, it } from 'vitest';
import {
  advisePrice,
  hourlyRate,
  priceOfStay,
  SFPARK_POLICY,
  type Tariff,
} from '../../src/domain/pricing.js';

const tariff = (hourly: number): Tariff => ({
  currency: 'GBP',
  free: false,
  steps: [
    { maxStayMinutes: 240, priceMinor: hourly * 3 },
    { maxStayMinutes: 60, priceMinor: hourly },
  ],
});
const band = { low: 0.6, high: 0.8 };

describe('tariff', () => {
  it('prices a stay by the first step that covers it, refuses stays past the last step', () => {
    expect(priceOfStay(tariff(200), 30)).toBe(200);
    expect(priceOfStay(tariff(200), 61)).toBe(600);
    expect(priceOfStay(tariff(200), 241)).toBeUndefined();
    expect(priceOfStay({ currency: '', free: true, steps: [] }, 600)).toBe(0);
    expect(hourlyRate(tariff(250))).toBe(250);
  });
});

describe('SFpark price advice', () => {
  it('raises one step above the band, holds inside it, lowers below it and twice as much far below', () => {
    expect(advisePrice(tariff(200), 0.85, band)).toMatchObject({
      decision: 'raise_price',
      advisedHourlyMinor: 225,
    });
    expect(advisePrice(tariff(200), 0.8, band)).toMatchObject({
      decision: 'hold_price',
      advisedHourlyMinor: 200,
    });
    expect(advisePrice(tariff(200), 0.6, band)).toMatchObject({
      decision: 'hold_price',
      advisedHourlyMinor: 200,
    });
    expect(advisePrice(tariff(200), 0.5, band)).toMatchObject({
      decision: 'lower_price',
      advisedHourlyMinor: 175,
    });
    expect(advisePrice(tariff(200), 0.1, band)).toMatchObject({
      decision: 'lower_price',
      advisedHourlyMinor: 150,
    });
  });

  it('never moves past the floor or the ceiling, and says so', () => {
    const atCeiling = advisePrice(tariff(SFPARK_POLICY.ceilingMinor), 0.95, band);
    expect(atCeiling).toMatchObject({
      decision: 'hold_price',
      advisedHourlyMinor: SFPARK_POLICY.ceilingMinor,
    });
    expect(atCeiling.reason).toContain('already at its bound');
    expect(advisePrice(tariff(40), 0.1, band)).toMatchObject({
      advisedHourlyMinor: SFPARK_POLICY.floorMinor,
    });
  });

  it('explains the decision with the concrete values, and holds for free facilities', () => {
    expect(advisePrice(tariff(200), 0.9, band).reason).toBe(
      'raise hourly rate 2.00 GBP -> 2.25 GBP: occupancy 90% vs target 60%-80%, above the band',
    );
    const free = advisePrice({ currency: '', free: true, steps: [] }, 0.95, band);
    expect(free).toMatchObject({ decision: 'hold_price', advisedHourlyMinor: undefined });
    expect(free.reason).toContain('free of charge');
  });

  it('uses the facility band, not a fixed one', () => {
    expect(advisePrice(tariff(200), 0.75, { low: 0.5, high: 0.7 }).decision).toBe('raise_price');
  });
});
