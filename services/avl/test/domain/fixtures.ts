import { readGtfsTexts, serviceDayStart } from '@mobility/gtfs';
import { buildTransitNetwork, type TransitNetwork } from '../../src/domain/index.js';

/**
 * A small synthetic line for domain tests: route R1 along a straight street of six stops ~400 m
 * apart (west to east is direction 0), 2 minutes scheduled between stops. Block B1 runs out at
 * 08:00, back at 08:15 and out again at 08:30; block B2 runs out at 08:10 and back at 08:25, so
 * trips 10 minutes apart on the same street make trip inference non-trivial. Trip N1 runs past
 * midnight (25:10) for day-boundary tests. Time zone America/New_York.
 */
export const DATE = '20260216';
export const ZONE = 'America/New_York';
export const BASE_LAT = 38.9;
export const BASE_LON = -77;
export const STOP_SPACING_DEG = 0.0046;
const STOPS = 6;

export const stopLon = (index: number) => BASE_LON + index * STOP_SPACING_DEG;

function time(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

export interface FixtureOptions {
  withShapes?: boolean;
}

export function fixtureTexts({ withShapes = true }: FixtureOptions = {}): Map<string, string> {
  const trips = [
    { id: 'T1', block: 'B1', direction: 0, start: 8 * 3600 },
    { id: 'T2', block: 'B1', direction: 1, start: 8 * 3600 + 15 * 60 },
    { id: 'T3', block: 'B1', direction: 0, start: 8 * 3600 + 30 * 60 },
    { id: 'U1', block: 'B2', direction: 0, start: 8 * 3600 + 10 * 60 },
    { id: 'U2', block: 'B2', direction: 1, start: 8 * 3600 + 25 * 60 },
    { id: 'N1', block: 'B3', direction: 0, start: 25 * 3600 + 10 * 60 },
  ];
  const stops = ['stop_id,stop_name,stop_lat,stop_lon'];
  for (let i = 0; i < STOPS; i++) stops.push(`S${i},Stop ${i},${BASE_LAT},${stopLon(i)}`);
  const tripRows = ['route_id,service_id,trip_id,direction_id,block_id,shape_id'];
  const stopTimes = ['trip_id,arrival_time,departure_time,stop_id,stop_sequence,timepoint'];
  for (const trip of trips) {
    tripRows.push(
      `R1,WK,${trip.id},${trip.direction},${trip.block},${withShapes ? `SH${trip.direction}` : ''}`,
    );
    for (let k = 0; k < STOPS; k++) {
      const stopIndex = trip.direction === 0 ? k : STOPS - 1 - k;
      const at = time(trip.start + k * 120);
      stopTimes.push(`${trip.id},${at},${at},S${stopIndex},${k + 1},${k === 0 || k === STOPS - 1 ? 1 : 0}`);
    }
  }
  const shapes = ['shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence'];
  // Points every ~100 m, slightly north of the stops (GPS-like offset of ~10 m).
  for (const direction of [0, 1]) {
    const points = (STOPS - 1) * 4 + 1;
    for (let p = 0; p < points; p++) {
      const index = direction === 0 ? p : points - 1 - p;
      shapes.push(
        `SH${direction},${BASE_LAT + 0.0001},${BASE_LON + (index * STOP_SPACING_DEG) / 4},${p + 1}`,
      );
    }
  }
  const texts = new Map<string, string>([
    ['agency.txt', `agency_name,agency_url,agency_timezone\nTest,https://example.org,${ZONE}\n`],
    ['stops.txt', `${stops.join('\n')}\n`],
    ['routes.txt', 'route_id,route_short_name,route_type\nR1,1,3\n'],
    ['trips.txt', `${tripRows.join('\n')}\n`],
    ['stop_times.txt', `${stopTimes.join('\n')}\n`],
    [
      'calendar.txt',
      `service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n`,
    ],
  ]);
  if (withShapes) texts.set('shapes.txt', `${shapes.join('\n')}\n`);
  return texts;
}

export function fixtureNetwork(options: FixtureOptions = {}): TransitNetwork {
  return buildTransitNetwork(readGtfsTexts(fixtureTexts(options)));
}

/** Epoch ms of a time of the fixture's service day. */
export const at = (seconds: number) => serviceDayStart(DATE, ZONE) + seconds * 1000;

/** A point on the street at a fraction of the way from stop 0 (0) to the last stop (1). */
export function along(fraction: number): { lat: number; lon: number } {
  return { lat: BASE_LAT + 0.00005, lon: BASE_LON + fraction * (STOPS - 1) * STOP_SPACING_DEG };
}
