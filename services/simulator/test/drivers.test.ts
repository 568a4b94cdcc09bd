import { RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import { DataQualityFlag } from '@mobility/contracts/common/v1/event';
import { FacilityCountEvent, GateDirection, OccupancySnapshot } from '@mobility/contracts/parking/v1/events';
import { DetectorCount } from '@mobility/contracts/signal/v1/events';
import { createManualClock, silentLogger } from '@mobility/runtime';
import { haversineMetres } from '@mobility/runtime/util';
import { describe, expect, it } from 'vitest';
import { locateAlong, pointAlong, startSimulation, TOPICS } from '../src/index.js';
import { recordingBus, town, zurich } from './support.js';

const { city, network } = town();

/** Runs the drivers on a manual clock from `startMs` for `minutes`, ticking every `stepS`. */
async function simulate(startMs: number, minutes: number, stepS = 5, seed = 1) {
  const clock = createManualClock(startMs);
  const { bus, published } = recordingBus();
  const simulation = startSimulation({
    bus,
    clock,
    logger: silentLogger(),
    seed,
    timeZone: city.timeZone,
    network,
    detectors: city.detectors,
    carParks: city.carParks,
    tickMs: 3_600_000, // the test ticks by hand
  });
  for (let t = 0; t <= minutes * 60; t += stepS) {
    clock.set(startMs + t * 1000);
    await simulation.tick();
  }
  await simulation.stop();
  return { published, stats: simulation.stats() };
}

describe('the drivers on a simulated Wednesday morning', async () => {
  const start = zurich('20261118', 8);
  const { published, stats } = await simulate(start, 20);
  const pings = (published.get(TOPICS.pings) ?? []).map((m) => ({
    key: m.key,
    ping: RawVehiclePing.decode(m.value),
  }));

  it('buses report every 10-30 s, on their trip line, marked as simulated', () => {
    expect(stats.activeVehicles).toBeGreaterThan(10);
    const byVehicle = new Map<string, number[]>();
    const trips = new Map(network.trips.map((trip) => [trip.tripId, trip]));
    for (const { key, ping } of pings) {
      expect(key).toBe(ping.vehicleId);
      expect(ping.source).toBe(PingSource.SIMULATION);
      expect(ping.meta?.qualityFlags).toEqual([DataQualityFlag.SIMULATED]);
      expect(ping.reportedStartDate).toBe('20261118');
      const trip = trips.get(ping.reportedTripId);
      if (!trip) throw new Error(`unknown trip ${ping.reportedTripId}`);
      const at = { lat: ping.position?.lat ?? 0, lon: ping.position?.lon ?? 0 };
      const onLine = pointAlong(trip.line, locateAlong(trip.line, at));
      expect(haversineMetres(at.lat, at.lon, onLine.lat, onLine.lon)).toBeLessThan(20);
      byVehicle.set(ping.vehicleId, [
        ...(byVehicle.get(ping.vehicleId) ?? []),
        ping.observedAt?.getTime() ?? 0,
      ]);
    }
    const gaps = [...byVehicle.values()].flatMap((times) =>
      times.slice(1).map((t, k) => (t - (times[k] as number)) / 1000),
    );
    gaps.sort((a, b) => a - b);
    expect(gaps[0]).toBeGreaterThanOrEqual(8);
    expect(gaps[Math.floor(gaps.length * 0.95)]).toBeLessThanOrEqual(32);
  });

  it('detectors report one count per minute each, busier than at night', async () => {
    const counts = (published.get(TOPICS.detectorCounts) ?? []).map((m) => DetectorCount.decode(m.value));
    expect(counts.length).toBe(city.detectors.length * 20);
    for (const count of counts) {
      expect(count.interval).toEqual({ seconds: 60, nanos: 0 });
      expect((count.intervalStart?.getTime() ?? 1) % 60_000).toBe(0);
      expect(count.occupancyRatio).toBeGreaterThanOrEqual(0);
      expect(count.occupancyRatio).toBeLessThan(1);
    }
    const night = await simulate(zurich('20261118', 3), 20, 60);
    const volume = (list: typeof counts) => list.reduce((sum, count) => sum + count.volume, 0);
    const nightCounts = (night.published.get(TOPICS.detectorCounts) ?? []).map((m) =>
      DetectorCount.decode(m.value),
    );
    expect(volume(counts)).toBeGreaterThan(10 * volume(nightCounts));
  });

  it('car parks start from an absolute reading, then gates count cars in and out within capacity', () => {
    const snapshots = (published.get(TOPICS.snapshots) ?? []).map((m) => OccupancySnapshot.decode(m.value));
    expect(snapshots.map((s) => s.facilityId).sort()).toEqual(city.carParks.map((c) => c.id).sort());
    const occupied = new Map(snapshots.map((s) => [s.facilityId, s.reportedOccupied]));
    for (const message of published.get(TOPICS.gateCounts) ?? []) {
      const event = FacilityCountEvent.decode(message.value);
      const sign = event.direction === GateDirection.ENTRY ? 1 : -1;
      const next = (occupied.get(event.facilityId) ?? 0) + sign * event.vehicleCount;
      const capacity = city.carParks.find((c) => c.id === event.facilityId)?.capacity ?? 0;
      expect(next).toBeGreaterThanOrEqual(0);
      expect(next).toBeLessThanOrEqual(capacity);
      occupied.set(event.facilityId, next);
      expect((event.meta?.occurredAt?.getTime() ?? 0) > start).toBe(true);
    }
    expect(stats.gateCounts).toBeGreaterThan(0);
  });

  it('park-and-ride lots fill through the morning peak', async () => {
    const morning = await simulate(zurich('20261118', 6, 30), 150, 60);
    const snapshots = (morning.published.get(TOPICS.snapshots) ?? []).map((m) =>
      OccupancySnapshot.decode(m.value),
    );
    const occupied = new Map(snapshots.map((s) => [s.facilityId, s.reportedOccupied]));
    for (const message of morning.published.get(TOPICS.gateCounts) ?? []) {
      const event = FacilityCountEvent.decode(message.value);
      const sign = event.direction === GateDirection.ENTRY ? 1 : -1;
      occupied.set(event.facilityId, (occupied.get(event.facilityId) ?? 0) + sign * event.vehicleCount);
    }
    for (const carPark of city.carParks.filter((c) => c.kind === 'park-and-ride')) {
      const before = snapshots.find((s) => s.facilityId === carPark.id)?.reportedOccupied ?? 0;
      expect(occupied.get(carPark.id)).toBeGreaterThan(before + carPark.capacity * 0.4);
    }
  });

  it('repeats message for message from the same seed and clock', async () => {
    const again = await simulate(start, 3, 5);
    const once = await simulate(start, 3, 5);
    for (const topic of Object.values(TOPICS)) {
      const a = (again.published.get(topic) ?? []).map((m) => Buffer.from(m.value).toString('hex'));
      const b = (once.published.get(topic) ?? []).map((m) => Buffer.from(m.value).toString('hex'));
      // Only produced_at (the tick time) could differ, and the clock is the same.
      expect(a).toEqual(b);
    }
  });
});
