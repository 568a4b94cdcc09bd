import { OccupancySnapshot } from '@mobility/contracts/parking/v1/events';
import { topic } from '@mobility/contracts/topics';
import { describe, expect, it } from 'vitest';
import { normalizeEvent, stampReplay, UndecodableEvent } from '../../src/domain/envelope.js';

const spec = topic('parking.occupancy-snapshot.v1');
const occurredAt = new Date('2026-11-23T08:00:00Z');
const snapshot = () =>
  OccupancySnapshot.encode(
    OccupancySnapshot.fromPartial({
      meta: { eventId: 'e1', occurredAt, producer: 'sensor-gw' },
      facilityId: 'f1',
      reportedOccupied: 40,
      reportedCapacity: 100,
    }),
  ).finish();

describe('normalizeEvent', () => {
  it('takes the event time from meta.occurred_at, else the bus timestamp', () => {
    expect(normalizeEvent(spec, snapshot(), 123).eventTime).toBe(occurredAt.getTime());
    const bare = OccupancySnapshot.encode(OccupancySnapshot.fromPartial({ facilityId: 'f1' })).finish();
    expect(normalizeEvent(spec, bare, 123).eventTime).toBe(123);
  });

  it('drops what the contract does not declare, so it never reaches the archive', () => {
    const plate = 'AB12CDE';
    // Tag of field 99, wire type 2, then a one-byte length and the bytes.
    const tag = [0x9a, 0x06];
    const bytes = Uint8Array.from([...snapshot(), ...tag, plate.length, ...new TextEncoder().encode(plate)]);
    expect(Buffer.from(bytes).includes(plate)).toBe(true);
    const { payload, message } = normalizeEvent(spec, bytes, 0);
    expect(Buffer.from(payload).includes(plate)).toBe(false);
    expect(OccupancySnapshot.decode(payload)).toEqual(message);
    expect((message as OccupancySnapshot).reportedOccupied).toBe(40);
  });

  it('refuses bytes that are not a message of the topic', () => {
    expect(() => normalizeEvent(spec, Uint8Array.from([0x0a, 0xff, 0xff, 0xff]), 0)).toThrow(
      UndecodableEvent,
    );
  });
});

describe('stampReplay', () => {
  it('marks the event as a replay of the run and keeps everything else', () => {
    const stamped = OccupancySnapshot.decode(stampReplay(snapshot(), 'r1-abc'));
    const original = OccupancySnapshot.decode(snapshot());
    expect(stamped.meta?.replayRunId).toBe('r1-abc');
    expect({ ...stamped, meta: { ...stamped.meta, replayRunId: '' } }).toEqual(original);
  });

  it('replaces the run id of an event that was already a replay, and keeps unknown trailing fields', () => {
    const twice = stampReplay(stampReplay(snapshot(), 'first'), 'second');
    expect(OccupancySnapshot.decode(twice).meta?.replayRunId).toBe('second');
    expect(Buffer.from(twice).includes('first')).toBe(false);
    expect(OccupancySnapshot.decode(twice).reportedOccupied).toBe(40);
  });

  it('adds a meta to an event that had none', () => {
    const bare = OccupancySnapshot.encode(OccupancySnapshot.fromPartial({ facilityId: 'f1' })).finish();
    expect(OccupancySnapshot.decode(stampReplay(bare, 'r2')).meta?.replayRunId).toBe('r2');
  });
});
