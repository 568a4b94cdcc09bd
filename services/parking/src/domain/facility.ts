/**
 * Rules about a facility description: what makes one acceptable, and the derived views other modules
 * use (tariff in minutes, capacity of a bay category, target band). The contract's Facility message
 * is the domain object here: it is plain data, and a second shape would only drift from it.
 */

import { BayCategory, type Facility, FacilityKind } from '@mobility/contracts/parking/v1/facility';
import { durationToMs } from '@mobility/contracts/wkt';
import { isValidLatLon } from './geo.js';
import { type TargetBand, targetBand } from './occupancy.js';
import type { Tariff } from './pricing.js';

export const MAX_FACILITY_ID_LENGTH = 128;
export const MAX_FACILITY_CAPACITY = 1_000_000;
const FACILITY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Every problem with a facility description, as sentences; empty when it is acceptable. */
export function facilityProblems(facility: Facility | undefined): string[] {
  if (!facility) return ['facility is required'];
  const problems: string[] = [];
  if (!FACILITY_ID.test(facility.facilityId) || facility.facilityId.length > MAX_FACILITY_ID_LENGTH) {
    problems.push(
      `facility_id "${facility.facilityId.slice(0, 40)}" must be 1-${MAX_FACILITY_ID_LENGTH} letters, digits, '.', '_', ':' or '-'`,
    );
  }
  if (facility.name.trim() === '') problems.push('name is required');
  if (facility.kind === FacilityKind.UNSPECIFIED || !(facility.kind in FacilityKind))
    problems.push('kind is required');
  if (!isValidLatLon(facility.location))
    problems.push('location must be a WGS84 point (lat -90..90, lon -180..180)');
  if (!(facility.capacity > 0)) problems.push('capacity must be at least 1');
  // No car park comes near this; a larger value is a typo, and capacity columns are 32-bit integers.
  else if (facility.capacity > MAX_FACILITY_CAPACITY)
    problems.push(`capacity must be at most ${MAX_FACILITY_CAPACITY}`);
  const seen = new Set<number>();
  let categorised = 0;
  for (const entry of facility.capacityByCategory) {
    if (seen.has(entry.category))
      problems.push(`capacity_by_category lists category ${BayCategory[entry.category]} twice`);
    seen.add(entry.category);
    categorised += entry.capacity;
  }
  if (categorised > facility.capacity) {
    problems.push(`capacity_by_category sums to ${categorised}, more than capacity ${facility.capacity}`);
  }
  const low = facility.targetOccupancyLow;
  const high = facility.targetOccupancyHigh;
  if ((low !== 0 || high !== 0) && !(low > 0 && high < 1 && low < high)) {
    problems.push(
      'target_occupancy_low/high must satisfy 0 < low < high < 1 (or both be 0 for the 60-80% default)',
    );
  }
  const steps = facility.pricing?.steps ?? [];
  let previous = 0;
  for (const step of steps) {
    const minutes = step.maxStay ? durationToMs(step.maxStay) / 60_000 : 0;
    if (!(minutes > previous)) problems.push('pricing steps must have increasing, positive max_stay');
    if ((step.price?.amountMinor ?? -1) < 0) problems.push('pricing step price must be set and not negative');
    previous = minutes;
  }
  const currencies = new Set(steps.map((step) => step.price?.currencyCode ?? ''));
  if (currencies.size > 1) problems.push('pricing steps must all use one currency');
  if ([...currencies].some((code) => !/^[A-Z]{3}$/.test(code)))
    problems.push('pricing currency must be an ISO 4217 code');
  if (facility.pricing?.free && steps.length > 0) problems.push('a free facility has no pricing steps');
  if (facility.maxHeightM !== undefined && !(facility.maxHeightM > 0))
    problems.push('max_height_m must be positive when set');
  return problems;
}

/** The facility's tariff in minutes and minor units. */
export function tariffOf(facility: Facility): Tariff {
  const steps = (facility.pricing?.steps ?? []).map((step) => ({
    maxStayMinutes: step.maxStay ? durationToMs(step.maxStay) / 60_000 : 0,
    priceMinor: step.price?.amountMinor ?? 0,
  }));
  const currency = facility.pricing?.steps[0]?.price?.currencyCode ?? '';
  return { currency, free: facility.pricing?.free ?? false, steps };
}

/** Bays of a category; GENERAL/UNSPECIFIED mean "any bay" and so the whole capacity. */
export function categoryCapacity(facility: Facility, category: BayCategory): number {
  if (category === BayCategory.UNSPECIFIED || category === BayCategory.GENERAL) return facility.capacity;
  return facility.capacityByCategory.find((entry) => entry.category === category)?.capacity ?? 0;
}

export function bandOf(facility: Facility): TargetBand {
  return targetBand(facility.targetOccupancyLow, facility.targetOccupancyHigh);
}
