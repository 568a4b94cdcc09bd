import { PingRejected, RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import { createEmbeddedBus, createManualClock, type DeliveredMessage, silentLogger } from '@mobility/runtime';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/domain/validation.js';
import { encodeFeed, rt } from '../../src/feeds/gtfs-rt.js';
import { createVehiclePositionsPoller } from '../../src/ingest/poller.js';
import { createRejectionSink } from '../../src/ingest/rejections.js';

const NOW_S = 1_771_261_200;

function vendorFeed(
  vehicles: { id: string; timestampS: number; lat: number; lon: number; label?: string }[],
) {
  return encodeFeed({
    header: {
      gtfsRealtimeVersion: '2.0',
      incrementality: rt.FeedHeader.Incrementality.FULL_DATASET,
      timestamp: NOW_S,
    },
    entity: vehicles.map((v) => ({
      id: `e-${v.id}`,
      vehicle: {
        vehicle: { id: v.id, label: v.label ?? v.id, licensePlate: 'AB-123-CD' },
        trip: { tripId: 'T1', routeId: 'R1', startDate: '20260216' },
        position: { latitude: v.lat, longitude: v.lon, bearing: 90 },
        timestamp: v.timestampS,
      },
    })),
  });
}

describe('GTFS-rt VehiclePositions poller', () => {
  const bus = createEmbeddedBus({ logger: silentLogger() });

  it('queues new fixes as raw pings, skips unchanged vehicles, dead-letters bad ones, survives a failed fetch', async () => {
    await bus.ensureTopics([
      { name: 'avl.raw-ping.v1', partitions: 1 },
      { name: 'avl.ping-rejected.v1', partitions: 1 },
    ]);
    const raw: DeliveredMessage[] = [];
    const rejected: DeliveredMessage[] = [];
    await bus.subscribe({
      group: 'poller-test.raw',
      topics: ['avl.raw-ping.v1'],
      fromBeginning: true,
      handler: async (m) => void raw.push(m),
    });
    await bus.subscribe({
      group: 'poller-test.rejected',
      topics: ['avl.ping-rejected.v1'],
      fromBeginning: true,
      handler: async (m) => void rejected.push(m),
    });
    let body = vendorFeed([
      { id: 'v1', timestampS: NOW_S - 10, lat: 38.9, lon: -77.04 },
      { id: 'v2', timestampS: NOW_S - 5, lat: 95, lon: -77.04 },
    ]);
    let fail = false;
    const clock = createManualClock(NOW_S * 1000);
    const poller = createVehiclePositionsPoller({
      url: 'http://vendor.example/vp.pb',
      intervalMs: 15_000,
      bus,
      clock,
      logger: silentLogger(),
      rejections: createRejectionSink({ bus, clock, logger: silentLogger() }),
      limits: () => DEFAULT_LIMITS,
      fetch: (async () =>
        fail ? new Response('down', { status: 503 }) : new Response(body)) as typeof fetch,
    });
    expect(await poller.pollOnce()).toEqual({ queued: 1, rejected: 1, unchanged: 0 });
    // The vendor has nothing new for v1: not queued again, and not a duplicate to dead-letter.
    expect(await poller.pollOnce()).toEqual({ queued: 0, rejected: 0, unchanged: 2 });
    body = vendorFeed([{ id: 'v1', timestampS: NOW_S, lat: 38.9, lon: -77.039 }]);
    expect(await poller.pollOnce()).toEqual({ queued: 1, rejected: 0, unchanged: 0 });
    fail = true;
    await expect(poller.pollOnce()).rejects.toThrow(/503/);

    await new Promise((resolve) => setTimeout(resolve, 50));
    const pings = raw.map((m) => RawVehiclePing.decode(m.value));
    expect(pings.map((p) => [p.vehicleId, p.observedAt?.getTime()])).toEqual([
      ['v1', (NOW_S - 10) * 1000],
      ['v1', NOW_S * 1000],
    ]);
    expect(pings[0]).toMatchObject({
      reportedTripId: 'T1',
      reportedRouteId: 'R1',
      source: PingSource.GTFS_RT_POLL,
    });
    // The vendor's label and licence plate are not carried into the mesh.
    expect(Buffer.from(raw[0]?.value ?? []).toString('latin1')).not.toContain('AB-123-CD');
    expect(rejected.map((m) => PingRejected.decode(m.value).detail?.code)).toEqual(['invalid_coordinates']);
    await bus.close();
  });
});
