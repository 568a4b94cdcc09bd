import type { GtfsFeed, Stop, StopTime, Trip } from '@mobility/gtfs';
import { seededRandom } from '@mobility/runtime/util';

export interface SyntheticOptions {
  /** Approximate number of stops (a square grid). */
  stops: number;
  seed?: number;
  /** Metres between neighbouring stops. */
  spacingM?: number;
  /** Stops per line; lines along every row and column, cut into overlapping pieces this long. */
  lineLength?: number;
  headwaySeconds?: number;
  /** Service hours, seconds since service-day start. */
  firstDeparture?: number;
  lastDeparture?: number;
}

export const SYNTHETIC_DATE = '20260302';

/**
 * A grid city: stops on a square lattice, bus lines along every row and column cut into
 * overlapping pieces (so most journeys need transfers), both directions, a fixed headway with
 * per-line offsets and a little per-stop speed jitter. Built in memory as typed GTFS rows; no
 * files. Comparable in size to the London network of the RAPTOR paper at 20k stops.
 */
export function syntheticFeed(options: SyntheticOptions): GtfsFeed {
  const random = seededRandom(options.seed ?? 1);
  const side = Math.max(2, Math.round(Math.sqrt(options.stops)));
  const spacing = options.spacingM ?? 300;
  const lineLength = Math.min(options.lineLength ?? 30, side);
  const headway = options.headwaySeconds ?? 1200;
  const first = options.firstDeparture ?? 6 * 3600;
  const last = options.lastDeparture ?? 22 * 3600;
  const dLat = spacing / 111_320;
  const dLon = spacing / (111_320 * Math.cos((48.85 * Math.PI) / 180));
  const stops: Stop[] = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      stops.push({
        stopId: `s${r}_${c}`,
        stopName: `Row ${r} / Col ${c}`,
        stopLat: 48.8 + r * dLat,
        stopLon: 2.3 + c * dLon,
        locationType: 0,
        wheelchairBoarding: random() < 0.1 ? 2 : 1,
      });
    }
  }
  const trips: Trip[] = [];
  const stopTimes: StopTime[] = [];
  const routes: GtfsFeed['routes'] = [];
  const step = Math.max(1, lineLength - 5);
  let routeNo = 0;
  const addLine = (cells: Array<[number, number]>) => {
    const routeId = `r${routeNo++}`;
    routes.push({ routeId, routeShortName: routeId, routeType: 3 });
    const offset = Math.floor(random() * headway);
    for (const direction of [0, 1] as const) {
      const path = direction === 0 ? cells : [...cells].reverse();
      const hops = path.map(() => 50 + Math.floor(random() * 40));
      let run = 0;
      for (let start = first + offset; start <= last; start += headway) {
        const tripId = `${routeId}_${direction}_${run++}`;
        trips.push({
          routeId,
          serviceId: 'daily',
          tripId,
          directionId: direction,
          wheelchairAccessible: random() < 0.2 ? 2 : 1,
          bikesAllowed: 0,
        });
        let t = start;
        path.forEach(([r, c], i) => {
          if (i > 0) t += hops[i] as number;
          stopTimes.push({
            tripId,
            stopId: `s${r}_${c}`,
            stopSequence: i + 1,
            arrivalTime: t,
            departureTime: t + (i > 0 && i < path.length - 1 ? 20 : 0),
            pickupType: 0,
            dropOffType: 0,
          });
          if (i > 0 && i < path.length - 1) t += 20;
        });
      }
    }
  };
  for (let r = 0; r < side; r++) {
    for (let c0 = 0; c0 < side - 1; c0 += step)
      addLine(
        Array.from({ length: Math.min(lineLength, side - c0) }, (_, i) => [r, c0 + i] as [number, number]),
      );
  }
  for (let c = 0; c < side; c++) {
    for (let r0 = 0; r0 < side - 1; r0 += step)
      addLine(
        Array.from({ length: Math.min(lineLength, side - r0) }, (_, i) => [r0 + i, c] as [number, number]),
      );
  }
  return {
    agencies: [{ agencyName: 'Synthetic', agencyTimezone: 'Europe/Paris' }],
    stops,
    routes,
    trips,
    stopTimes,
    calendars: [
      {
        serviceId: 'daily',
        days: [true, true, true, true, true, true, true],
        startDate: '20260101',
        endDate: '20261231',
      },
    ],
    calendarDates: [],
    shapes: [],
    frequencies: [],
    transfers: [],
    files: [],
    contentHash: `synthetic-${options.stops}-${options.seed ?? 1}`,
    issues: [],
  };
}
