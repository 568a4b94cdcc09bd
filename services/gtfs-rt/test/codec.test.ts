import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  createFeedHeader,
  decodeFeed,
  encodeFeed,
  type FeedMessage,
  feedFromJson,
  feedToJson,
  GtfsRtFormatError,
  hasField,
  Incrementality,
  TripScheduleRelationship,
  toNumber,
  transit_realtime,
} from '../src/index.js';

const message: FeedMessage = {
  header: createFeedHeader(1_780_000_000.7),
  entity: [
    {
      id: 'trip-1',
      tripUpdate: {
        trip: {
          tripId: 'T1',
          startDate: '20260601',
          scheduleRelationship: TripScheduleRelationship.SCHEDULED,
        },
        vehicle: { id: 'bus 7' },
        timestamp: 1_780_000_000,
        stopTimeUpdate: [
          { stopSequence: 0, stopId: 'S1', departure: { time: 1_780_000_100, delay: 0 } },
          { stopSequence: 1, arrival: { delay: -30, uncertainty: 45 } },
        ],
      },
    },
    {
      id: 'bus 7',
      vehicle: {
        vehicle: { id: 'bus 7' },
        position: { latitude: 37.5, longitude: -122.25, bearing: 90, speed: 12.5 },
        timestamp: 1_779_999_990,
      },
    },
  ],
};

describe('encodeFeed / decodeFeed', () => {
  it('round-trips a message through the official bindings', () => {
    const decoded = decodeFeed(encodeFeed(message));
    expect(decoded.header.gtfsRealtimeVersion).toBe('2.0');
    expect(decoded.header.incrementality).toBe(Incrementality.FULL_DATASET);
    expect(toNumber(decoded.header.timestamp)).toBe(1_780_000_000);
    expect(decoded.entity).toHaveLength(2);
    const update = decoded.entity[0]?.tripUpdate;
    expect(update?.trip.tripId).toBe('T1');
    expect(toNumber(update?.stopTimeUpdate?.[0]?.departure?.time)).toBe(1_780_000_100);
    expect(update?.stopTimeUpdate?.[1]?.arrival?.delay).toBe(-30);
    // Explicit zeros survive as set fields, which the checker relies on (stop_sequence 0, delay 0).
    expect(hasField(update?.stopTimeUpdate?.[0], 'stopSequence')).toBe(true);
    expect(hasField(update?.stopTimeUpdate?.[1]?.arrival, 'time')).toBe(false);
    expect(decoded.entity[1]?.vehicle?.position?.speed).toBe(12.5);
    // The same bytes again: encoding is deterministic.
    expect(Buffer.from(encodeFeed(decoded)).equals(Buffer.from(encodeFeed(message)))).toBe(true);
  });

  it('refuses to encode a message without a required field', () => {
    expect(() => encodeFeed({ header: { timestamp: 1 }, entity: [] } as unknown as FeedMessage)).toThrow(
      /gtfsRealtimeVersion/,
    );
    expect(() =>
      encodeFeed({ header: createFeedHeader(1), entity: [{ vehicle: {} }] } as FeedMessage),
    ).toThrow(GtfsRtFormatError);
  });

  it('reports bad bytes clearly', () => {
    expect(() => decodeFeed(new Uint8Array())).toThrow(/empty/);
    expect(() => decodeFeed(new TextEncoder().encode('<html><body>502 Bad Gateway</body></html>'))).toThrow(
      /HTML/,
    );
    expect(() => decodeFeed(new TextEncoder().encode('{"header":{}}'))).toThrow(/JSON/);
    expect(() => decodeFeed(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))).toThrow(
      GtfsRtFormatError,
    );
    // A valid protobuf that is not a FeedMessage (no header) is rejected too.
    expect(() => decodeFeed(Uint8Array.from([0x12, 0x02, 0x0a, 0x00]))).toThrow(/header/);
    expect(() => decodeFeed(Uint8Array.from([0x1f, 0x8b, 0x00]))).toThrow(/gzip/);
  });

  it('decodes a feed whose first bytes happen to read as "\\n<" (no text sniffing before protobuf)', () => {
    // A 60-byte header is encoded as 0x0a 0x3c: newline and "<" when read as text.
    const bytes = encodeFeed({
      header: { ...createFeedHeader(1_780_000_000), gtfsRealtimeVersion: '2'.repeat(50) },
      entity: [],
    });
    expect([bytes[0], bytes[1]]).toEqual([0x0a, 0x3c]);
    expect(decodeFeed(bytes).header.gtfsRealtimeVersion).toHaveLength(50);
  });

  it('decodes gzip-compressed feeds', () => {
    const decoded = decodeFeed(gzipSync(encodeFeed(message)));
    expect(decoded.entity.map((entity) => entity.id)).toEqual(['trip-1', 'bus 7']);
  });
});

describe('feedToJson / feedFromJson', () => {
  it('gives proto field names, enum names and plain numbers', () => {
    const json = feedToJson(decodeFeed(encodeFeed(message)));
    expect(json.header).toEqual({
      gtfs_realtime_version: '2.0',
      incrementality: 'FULL_DATASET',
      timestamp: 1_780_000_000,
    });
    const entity = (json.entity as Record<string, unknown>[])[0] as { trip_update: Record<string, unknown> };
    expect(entity.trip_update.trip).toEqual({
      trip_id: 'T1',
      start_date: '20260601',
      schedule_relationship: 'SCHEDULED',
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('reads its own output back to the same message', () => {
    const original = encodeFeed(message);
    const again = encodeFeed(feedFromJson(feedToJson(decodeFeed(original))));
    expect(Buffer.from(again).equals(Buffer.from(original))).toBe(true);
    expect(() =>
      feedFromJson({ header: { gtfs_realtime_version: '2.0', incrementality: 'SOMETIMES' } }),
    ).toThrow(GtfsRtFormatError);
  });

  it('accepts plain objects as well as decoded messages', () => {
    expect(feedToJson(message)).toEqual(feedToJson(transit_realtime.FeedMessage.fromObject(message)));
  });
});

describe('createFeedHeader', () => {
  it('is a 2.0 FULL_DATASET header with whole seconds', () => {
    expect(createFeedHeader(1_780_000_000.9)).toEqual({
      gtfsRealtimeVersion: '2.0',
      incrementality: Incrementality.FULL_DATASET,
      timestamp: 1_780_000_000,
    });
  });

  it('never goes back in time', () => {
    const first = createFeedHeader(1_780_000_010);
    expect(createFeedHeader(1_780_000_005, first).timestamp).toBe(1_780_000_010);
    expect(createFeedHeader(1_780_000_005, 1_780_000_007).timestamp).toBe(1_780_000_007);
    expect(createFeedHeader(1_780_000_020, first).timestamp).toBe(1_780_000_020);
    const decoded = decodeFeed(encodeFeed({ header: first, entity: [] }));
    expect(createFeedHeader(1_780_000_000, decoded.header).timestamp).toBe(1_780_000_010);
  });

  it('rejects a timestamp that is not a time', () => {
    expect(() => createFeedHeader(Number.NaN)).toThrow(RangeError);
    expect(() => createFeedHeader(-1)).toThrow(RangeError);
  });
});

describe('encodeFeed with objects without a prototype', () => {
  it('encodes them like ordinary objects', () => {
    const bare = <T extends object>(fields: T): T => Object.assign(Object.create(null) as T, fields);
    const header = bare({ gtfsRealtimeVersion: '2.0', incrementality: 0, timestamp: 1_780_000_000 });
    const entity = [bare({ id: 'v', vehicle: bare({ vehicle: bare({ id: 'V1' }) }) })];
    const bytes = encodeFeed({ header, entity });
    expect(
      Buffer.from(bytes).equals(Buffer.from(encodeFeed(JSON.parse(JSON.stringify({ header, entity }))))),
    ).toBe(true);
    expect(() =>
      encodeFeed({ header: bare({ timestamp: 1 }), entity: [] } as unknown as FeedMessage),
    ).toThrow(/gtfsRealtimeVersion/);
  });
});
