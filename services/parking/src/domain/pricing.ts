/**
 * Tariffs and demand-responsive price advice. The advice follows SFpark's rule of thumb: where
 * average occupancy is above the target band raise the hourly rate one step, inside it hold, below it
 * lower one step (two when far below), never past a floor or a ceiling. Small, bounded steps applied
 * repeatedly converge on the band without shocking drivers; every advice carries its reason.
 */

export interface TariffStep {
  /** Stays up to this many minutes cost priceMinor. */
  maxStayMinutes: number;
  priceMinor: number;
}

export interface Tariff {
  currency: string;
  free: boolean;
  /** Ascending by maxStayMinutes; a stay longer than the last step is not allowed. */
  steps: TariffStep[];
}

/** Price of a stay in minor units; 0 when free; undefined when the stay is longer than allowed or no tariff is known. */
export function priceOfStay(tariff: Tariff, stayMinutes: number): number | undefined {
  if (tariff.free) return 0;
  const steps = [...tariff.steps].sort((a, b) => a.maxStayMinutes - b.maxStayMinutes);
  return steps.find((step) => step.maxStayMinutes >= stayMinutes)?.priceMinor;
}

/** The rate a driver pays for one hour: the price of a one-hour stay (the tariff's common unit). */
export function hourlyRate(tariff: Tariff): number | undefined {
  return priceOfStay(tariff, 60);
}

export interface PricePolicy {
  /** Change per adjustment, minor units per hour (SFpark: 25 cents). */
  stepMinor: number;
  /** Larger decrease where occupancy is far below the band (SFpark: 50 cents below 30%). */
  largeStepMinor: number;
  /** Occupancy under which the large decrease applies. */
  veryLowRatio: number;
  floorMinor: number;
  ceilingMinor: number;
}

export const SFPARK_POLICY: PricePolicy = {
  stepMinor: 25,
  largeStepMinor: 50,
  veryLowRatio: 0.3,
  floorMinor: 25,
  ceilingMinor: 600,
};

export type PriceDecision = 'raise_price' | 'lower_price' | 'hold_price';

export interface PriceAdvice {
  decision: PriceDecision;
  currentHourlyMinor: number | undefined;
  advisedHourlyMinor: number | undefined;
  occupancyRatio: number;
  band: { low: number; high: number };
  /** One sentence with the concrete values. */
  reason: string;
}

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

/** Advice for one facility given its (average or expected) occupancy ratio. Pure. */
export function advisePrice(
  tariff: Tariff,
  occupancyRatio: number,
  band: { low: number; high: number },
  policy: PricePolicy = SFPARK_POLICY,
): PriceAdvice {
  const current = tariff.free ? undefined : hourlyRate(tariff);
  const base = { currentHourlyMinor: current, occupancyRatio, band };
  const where = `occupancy ${percent(occupancyRatio)} vs target ${percent(band.low)}-${percent(band.high)}`;
  if (current === undefined) {
    const why = tariff.free ? 'the facility is free of charge' : 'no one-hour tariff is defined';
    return {
      ...base,
      decision: 'hold_price',
      advisedHourlyMinor: undefined,
      reason: `hold: ${why}, so demand pricing does not apply (${where})`,
    };
  }
  const within = (value: number) => Math.min(policy.ceilingMinor, Math.max(policy.floorMinor, value));
  let target = current;
  if (occupancyRatio > band.high) target = within(current + policy.stepMinor);
  else if (occupancyRatio < policy.veryLowRatio) target = within(current - policy.largeStepMinor);
  else if (occupancyRatio < band.low) target = within(current - policy.stepMinor);

  const currency = tariff.currency;
  if (target > current) {
    return {
      ...base,
      decision: 'raise_price',
      advisedHourlyMinor: target,
      reason: `raise hourly rate ${money(current, currency)} -> ${money(target, currency)}: ${where}, above the band`,
    };
  }
  if (target < current) {
    return {
      ...base,
      decision: 'lower_price',
      advisedHourlyMinor: target,
      reason: `lower hourly rate ${money(current, currency)} -> ${money(target, currency)}: ${where}, below the band`,
    };
  }
  const bounded =
    occupancyRatio > band.high || occupancyRatio < band.low ? ' (rate already at its bound)' : '';
  return {
    ...base,
    decision: 'hold_price',
    advisedHourlyMinor: current,
    reason: `hold hourly rate ${money(current, currency)}: ${where}${bounded}`,
  };
}
