import { type GtfsFeed, readGtfsTexts } from '@mobility/gtfs';

/** "08:05" -> seconds since service-day start. */
export const at = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 3600 + (m as number) * 60;
};

const hms = (hhmm: string) => `${hhmm}:00`;

export const DATE = '20260302';

/**
 * A small line network, stops about 1.1 km apart (no footpaths between them) except X, 110 m
 * from C. From A to D: SLOW rides straight through (08:05 -> 09:00); FAST1 A->B then FAST2 B->D
 * is quicker (arrive 08:25) with one transfer; each FAST runs again 30 min later.
 */
export function lineFeed(options: { bWheelchair?: 0 | 1 | 2; slowWheelchair?: 0 | 1 | 2 } = {}): GtfsFeed {
  const trips: Array<[string, string, Array<[string, string]>]> = [
    [
      'SLOW',
      'RS',
      [
        ['A', '08:05'],
        ['B', '08:20'],
        ['C', '08:40'],
        ['D', '09:00'],
      ],
    ],
    [
      'FAST1',
      'RF1',
      [
        ['A', '08:00'],
        ['B', '08:05'],
      ],
    ],
    [
      'FAST1b',
      'RF1',
      [
        ['A', '08:30'],
        ['B', '08:35'],
      ],
    ],
    [
      'FAST2',
      'RF2',
      [
        ['B', '08:10'],
        ['D', '08:25'],
      ],
    ],
    [
      'FAST2b',
      'RF2',
      [
        ['B', '08:40'],
        ['D', '08:55'],
      ],
    ],
    [
      'XLINE',
      'RX',
      [
        ['X', '08:45'],
        ['E', '08:50'],
      ],
    ],
  ];
  const wheelchair: Record<string, number> = { SLOW: options.slowWheelchair ?? 0 };
  const texts = new Map<string, string>([
    ['agency.txt', 'agency_name,agency_url,agency_timezone\nLine,https://x,Europe/Paris\n'],
    [
      'stops.txt',
      `stop_id,stop_name,stop_lat,stop_lon,wheelchair_boarding\nA,Alpha,48.00,2.0,1\nB,Bravo,48.01,2.0,${options.bWheelchair ?? 0}\nC,Charlie,48.02,2.0,1\nD,Delta,48.03,2.0,1\nX,Xray,48.021,2.0,1\nE,Echo,48.05,2.0,1\n`,
    ],
    ['routes.txt', 'route_id,route_short_name,route_type\nRS,S,3\nRF1,F1,3\nRF2,F2,3\nRX,X,3\n'],
    [
      'trips.txt',
      `route_id,service_id,trip_id,wheelchair_accessible\n${trips.map(([id, route]) => `${route},WK,${id},${wheelchair[id] ?? 0}`).join('\n')}\n`,
    ],
    [
      'stop_times.txt',
      `trip_id,arrival_time,departure_time,stop_id,stop_sequence\n${trips
        .flatMap(([id, , calls]) =>
          calls.map(([stop, time], i) => `${id},${hms(time)},${hms(time)},${stop},${i + 1}`),
        )
        .join('\n')}\n`,
    ],
    [
      'calendar.txt',
      'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n',
    ],
  ]);
  return readGtfsTexts(texts, 'fixture');
}
