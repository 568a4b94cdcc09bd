/**
 * Daily demand shapes, as facts the product carries (it never reads ../shared at run time).
 *
 * Road traffic: mean 15-minute volume per SCATS detector approach, divided by that approach's daily
 * mean, over the VicRoads SCATS counts of Boroondara (Melbourne), 1-31 October 2006: 40 sites, 139
 * approaches, 2,972 weekday and 1,220 weekend approach-days. The mean volume was 110 vehicles per
 * 15 minutes on weekdays and 89 at weekends. `test/profiles.test.ts` recomputes both shapes from
 * the data when it is present and checks these constants against it.
 *
 * Car parks: occupancy as a share of capacity through the day, hourly anchors (interpolated
 * linearly), shaped after typical published utilisation curves: commuter park-and-ride lots fill
 * in the morning peak and empty in the evening one; central garages follow shopping and business
 * hours with a midday plateau.
 */

/** 96 weekday factors (00:00, 00:15, ... 23:45), mean 1. */
export const WEEKDAY_TRAFFIC_PROFILE: readonly number[] = [
  0.22, 0.18, 0.15, 0.13, 0.11, 0.09, 0.09, 0.08, 0.07, 0.07, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.07, 0.07,
  0.09, 0.12, 0.13, 0.18, 0.26, 0.36, 0.47, 0.68, 0.95, 1.14, 1.36, 1.65, 1.84, 1.92, 1.97, 1.97, 1.93, 1.84,
  1.65, 1.53, 1.45, 1.38, 1.31, 1.3, 1.31, 1.28, 1.27, 1.3, 1.32, 1.34, 1.33, 1.35, 1.34, 1.32, 1.31, 1.32,
  1.33, 1.31, 1.32, 1.36, 1.38, 1.44, 1.52, 1.61, 1.65, 1.67, 1.7, 1.72, 1.76, 1.76, 1.85, 1.95, 1.95, 1.93,
  1.89, 1.82, 1.66, 1.51, 1.38, 1.28, 1.12, 1.0, 0.91, 0.84, 0.81, 0.78, 0.8, 0.77, 0.73, 0.7, 0.69, 0.62,
  0.57, 0.51, 0.47, 0.39, 0.35, 0.29,
];

/** 96 weekend (Saturday and Sunday) factors, mean 1. */
export const WEEKEND_TRAFFIC_PROFILE: readonly number[] = [
  0.66, 0.61, 0.54, 0.49, 0.43, 0.37, 0.34, 0.27, 0.25, 0.23, 0.21, 0.23, 0.22, 0.2, 0.19, 0.18, 0.17, 0.17,
  0.16, 0.17, 0.17, 0.18, 0.21, 0.24, 0.25, 0.32, 0.42, 0.44, 0.42, 0.48, 0.58, 0.66, 0.71, 0.81, 0.95, 1.11,
  1.12, 1.24, 1.35, 1.47, 1.46, 1.52, 1.59, 1.64, 1.62, 1.67, 1.77, 1.8, 1.84, 1.87, 1.86, 1.84, 1.81, 1.77,
  1.77, 1.75, 1.71, 1.72, 1.69, 1.69, 1.7, 1.71, 1.7, 1.71, 1.72, 1.73, 1.73, 1.71, 1.74, 1.77, 1.74, 1.67,
  1.63, 1.56, 1.48, 1.39, 1.28, 1.17, 1.07, 0.93, 0.89, 0.85, 0.82, 0.8, 0.82, 0.79, 0.74, 0.71, 0.71, 0.66,
  0.64, 0.63, 0.61, 0.56, 0.53, 0.48,
];

/** Mean vehicles per 15 minutes on one SCATS approach (all lanes), weekday / weekend. */
export const MEAN_APPROACH_VOLUME_PER_15_MIN = { weekday: 110, weekend: 89 } as const;

/** Traffic factor (mean 1 over the day) at a local time of day, interpolated between 15-minute slots. */
export function trafficFactor(secondsOfDay: number, weekend: boolean): number {
  const profile = weekend ? WEEKEND_TRAFFIC_PROFILE : WEEKDAY_TRAFFIC_PROFILE;
  // Each value is the mean over its 15 minutes, so it belongs to the slot's middle.
  return interpolateCyclic(profile, secondsOfDay / 900 - 0.5);
}

export type CarParkProfile = 'commuter' | 'central';

/** Occupancy share at each hour 0..23, weekday and weekend. */
const CAR_PARK_OCCUPANCY: Record<CarParkProfile, { weekday: readonly number[]; weekend: readonly number[] }> =
  {
    commuter: {
      weekday: [
        0.04, 0.03, 0.03, 0.03, 0.03, 0.05, 0.12, 0.38, 0.78, 0.9, 0.92, 0.92, 0.9, 0.89, 0.88, 0.84, 0.72,
        0.48, 0.28, 0.17, 0.11, 0.08, 0.06, 0.05,
      ],
      weekend: [
        0.03, 0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.1, 0.18, 0.26, 0.3, 0.32, 0.32, 0.3, 0.26, 0.2,
        0.15, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03,
      ],
    },
    central: {
      weekday: [
        0.08, 0.06, 0.05, 0.05, 0.05, 0.06, 0.1, 0.22, 0.45, 0.66, 0.78, 0.85, 0.9, 0.9, 0.86, 0.8, 0.72, 0.6,
        0.48, 0.4, 0.32, 0.24, 0.16, 0.11,
      ],
      weekend: [
        0.1, 0.07, 0.05, 0.05, 0.04, 0.04, 0.05, 0.08, 0.18, 0.36, 0.58, 0.78, 0.9, 0.93, 0.9, 0.84, 0.74,
        0.6, 0.5, 0.45, 0.38, 0.3, 0.2, 0.14,
      ],
    },
  };

/** Expected occupancy share of a car park of this profile at a local time of day. */
export function carParkOccupancyShare(
  profile: CarParkProfile,
  secondsOfDay: number,
  weekend: boolean,
): number {
  const table = CAR_PARK_OCCUPANCY[profile];
  return interpolateCyclic(weekend ? table.weekend : table.weekday, secondsOfDay / 3600);
}

/**
 * Bus running-time factor: scheduled and simulated buses are slower when roads are busy. 1 at
 * free flow, about 1.3 at the weekday peaks (the traffic factor near 2).
 */
export function runningTimeFactor(secondsOfDay: number, weekend: boolean): number {
  return 1 + 0.16 * trafficFactor(secondsOfDay, weekend);
}

/** Linear interpolation in a table read as a day that wraps round (slot n follows slot n-1). */
function interpolateCyclic(table: readonly number[], position: number): number {
  const n = table.length;
  const wrapped = ((position % n) + n) % n;
  const i = Math.floor(wrapped);
  const share = wrapped - i;
  const a = table[i] as number;
  const b = table[(i + 1) % n] as number;
  return a + (b - a) * share;
}
