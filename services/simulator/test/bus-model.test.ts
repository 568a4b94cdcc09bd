import { serviceDayStart } from '@mobility/gtfs';
import { haversineMetres } from '@mobility/runtime/util';
import { describe, expect, it } from 'vitest';
import { planVehicleRun, pointAlong, type SimTrip, type VehicleRun, vehicleStateAt } from '../src/index.js';
import { town } from './support.js';

const { network } = town();
const DATE = '20261118'; // a Wednesday
const dayStartMs = serviceDayStart(DATE, network.timeZone);
const workings = network.workingsByService.get('WD') ?? [];
const runs: VehicleRun[] = workings.map((working) =>
  planVehicleRun({
    vehicleId: `bus-${working.ordinal}`,
    working,
    trips: network.trips,
    dayStartMs,
    serviceDate: DATE,
    seed: 1,
  }),
);

describe('a simulated weekday of the town fleet', () => {
  it('runs every trip in stop order, never two trips at once, never leaving a stop more than a minute early', () => {
    expect(runs.length).toBeGreaterThan(5);
    const violations: string[] = [];
    let checked = 0;
    for (const run of runs) {
      let previousEnd = Number.NEGATIVE_INFINITY;
      for (const realised of run.realised) {
        const trip = network.trips[realised.tripIndex] as SimTrip;
        const at = (k: number) => `${trip.tripId} stop ${k}`;
        if ((realised.departuresMs[0] as number) <= previousEnd)
          violations.push(`${at(0)} starts before the last trip ended`);
        for (let k = 0; k < trip.stopIds.length; k++) {
          checked++;
          const arrival = realised.arrivalsMs[k] as number;
          const departure = realised.departuresMs[k] as number;
          if (departure < arrival) violations.push(`${at(k)} departs before arriving`);
          if (k > 0 && arrival <= (realised.departuresMs[k - 1] as number))
            violations.push(`${at(k)} reached instantly`);
          const earliest = dayStartMs + (trip.departures[k] as number) * 1000 - 60_000;
          if (k < trip.stopIds.length - 1 && departure < earliest)
            violations.push(`${at(k)} left over a minute early`);
        }
        previousEnd = realised.arrivalsMs.at(-1) as number;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(violations).toEqual([]);
  });

  it('is noisy like a real fleet: mostly a little late, some trips much later, some buses bunched', () => {
    const lateness: number[] = [];
    const departuresAtMiddle = new Map<string, { scheduled: number; actual: number }[]>();
    for (const run of runs)
      for (const realised of run.realised) {
        const trip = network.trips[realised.tripIndex] as SimTrip;
        const last = trip.stopIds.length - 1;
        lateness.push(
          ((realised.arrivalsMs[last] as number) - dayStartMs) / 1000 - (trip.arrivals[last] as number),
        );
        const middle = Math.floor(last / 2);
        const key = `${trip.routeId}|${trip.stopIds[0]}`;
        departuresAtMiddle.set(key, [
          ...(departuresAtMiddle.get(key) ?? []),
          { scheduled: trip.departures[middle] as number, actual: realised.departuresMs[middle] as number },
        ]);
      }
    lateness.sort((a, b) => a - b);
    const median = lateness[Math.floor(lateness.length / 2)] as number;
    expect(median).toBeGreaterThan(-60);
    expect(median).toBeLessThan(180);
    expect(lateness.filter((s) => s > 300).length).toBeGreaterThan(0);
    expect(lateness.filter((s) => s > 300).length / lateness.length).toBeLessThan(0.2);
    // Bunching: a bus reaching mid-route less than a third of the scheduled headway after its leader.
    let bunched = 0;
    for (const list of departuresAtMiddle.values()) {
      list.sort((a, b) => a.scheduled - b.scheduled);
      for (let k = 1; k < list.length; k++) {
        const headway =
          (list[k] as { scheduled: number }).scheduled - (list[k - 1] as { scheduled: number }).scheduled;
        const gapS =
          ((list[k] as { actual: number }).actual - (list[k - 1] as { actual: number }).actual) / 1000;
        if (headway > 0 && gapS < headway / 3) bunched++;
      }
    }
    expect(bunched).toBeGreaterThan(0);
  });

  it('puts the bus on its route line, at the stop while dwelling, and moving between stops', () => {
    const run = runs.find((candidate) => candidate.realised.length > 2) as VehicleRun;
    const realised = run.realised[1];
    if (!realised) throw new Error('no second trip');
    const trip = network.trips[realised.tripIndex] as SimTrip;
    const atStop = vehicleStateAt(run, network.trips, realised.arrivalsMs[2] as number);
    const stop = pointAlong(trip.line, trip.stopDistM[2] as number);
    expect(atStop?.speedMps).toBe(0);
    expect(
      haversineMetres(atStop?.position.lat ?? 0, atStop?.position.lon ?? 0, stop.lat, stop.lon),
    ).toBeLessThan(1);
    const between = ((realised.departuresMs[0] as number) + (realised.arrivalsMs[1] as number)) / 2;
    const moving = vehicleStateAt(run, network.trips, between);
    expect(moving?.phase).toBe('in-service');
    expect(moving?.tripIndex).toBe(realised.tripIndex);
    expect(vehicleStateAt(run, network.trips, run.appearMs - 1)).toBeUndefined();
    expect(vehicleStateAt(run, network.trips, run.disappearMs + 1)).toBeUndefined();
  });

  it('makes the designated vehicle fall silent for a while, and is repeatable from its seed', () => {
    const working = workings[0];
    if (!working) throw new Error('no working');
    const input = {
      vehicleId: 'bus-x',
      working,
      trips: network.trips,
      dayStartMs,
      serviceDate: DATE,
      seed: 1,
    };
    const silent = planVehicleRun({ ...input, forceSilent: true });
    expect(silent.silent).toBeDefined();
    expect((silent.silent?.toMs ?? 0) - (silent.silent?.fromMs ?? 0)).toBeGreaterThanOrEqual(10 * 60_000);
    expect(planVehicleRun(input)).toEqual(planVehicleRun(input));
    expect(planVehicleRun({ ...input, seed: 2 }).realised).not.toEqual(planVehicleRun(input).realised);
  });
});
