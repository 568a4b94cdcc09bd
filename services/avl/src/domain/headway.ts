import type { NetworkTrip, ScheduledStop, TransitNetwork } from './network.js';
import type { HeadwayAlertResult, HeadwayCondition, MatchedPosition } from './types.js';

export interface HeadwayOptions {
  /** Only routes whose scheduled headway at the stop is at most this are monitored (s). */
  maxScheduledHeadwayS?: number;
  /** Bunching is raised below this share of the scheduled headway, cleared above clearBunchingRatio. */
  bunchingRatio?: number;
  clearBunchingRatio?: number;
  /** A gap is raised above this multiple of the scheduled headway, cleared below clearGapRatio. */
  gapRatio?: number;
  clearGapRatio?: number;
  /** Consecutive stop passages that must agree before an alert is raised (noise guard). */
  confirmations?: number;
}

export interface HeadwayMonitor {
  /** Feeds one matched position; returns the alerts raised or cleared by it. */
  observe(position: MatchedPosition): HeadwayAlertResult[];
}

interface Passage {
  vehicleId: string;
  atMs: number;
  tripId: string;
}

interface VehicleTrack {
  tripId: string;
  /** Stop sequence of the stop the vehicle was heading to at its last position. */
  nextSequence: number;
  /** Consecutive passages per condition, for confirmation. */
  streak: Record<HeadwayCondition, number>;
  raised: Partial<Record<HeadwayCondition, HeadwayAlertResult>>;
}

/**
 * Headway monitoring for frequent routes. Each time a vehicle passes a stop, its time gap to the
 * previous vehicle of the same route and direction at that stop is compared with the scheduled gap
 * between the two trips' times there. Raise and clear thresholds differ (hysteresis), and raising
 * needs a few consecutive passages, so an alert does not flicker on one noisy reading.
 */
export function createHeadwayMonitor(network: TransitNetwork, options: HeadwayOptions = {}): HeadwayMonitor {
  const maxScheduledHeadwayS = options.maxScheduledHeadwayS ?? 15 * 60;
  const bunchingRatio = options.bunchingRatio ?? 0.35;
  const clearBunchingRatio = options.clearBunchingRatio ?? 0.6;
  const gapRatio = options.gapRatio ?? 1.75;
  const clearGapRatio = options.clearGapRatio ?? 1.4;
  const confirmations = options.confirmations ?? 2;

  // Scheduled passages per route, direction and stop: [seconds of day, service id], sorted.
  const scheduled = new Map<string, { seconds: number; serviceId: string; tripId: string }[]>();
  const lineKey = (routeId: string, directionId: number | undefined, stopId: string) =>
    `${routeId}|${directionId ?? ''}|${stopId}`;
  const addTrip = (trip: NetworkTrip) => {
    if (trip.frequencies.length > 0) return;
    for (const stop of trip.stops) {
      const key = lineKey(trip.routeId, trip.directionId, stop.stopId);
      const list = scheduled.get(key) ?? [];
      list.push({ seconds: stop.arrivalS, serviceId: trip.serviceId, tripId: trip.tripId });
      scheduled.set(key, list);
    }
  };
  for (const trip of network.trips.values()) addTrip(trip);
  for (const list of scheduled.values()) list.sort((a, b) => a.seconds - b.seconds);

  const lastPassage = new Map<string, Passage>();
  const tracks = new Map<string, VehicleTrack>();

  /** Scheduled seconds between this trip and the one scheduled before it at the stop. */
  function scheduledHeadway(
    trip: NetworkTrip,
    stop: ScheduledStop,
    date: string,
    frequencyHeadwayS?: number,
  ): number | undefined {
    if (frequencyHeadwayS !== undefined) return frequencyHeadwayS;
    const list = scheduled.get(lineKey(trip.routeId, trip.directionId, stop.stopId));
    if (!list) return undefined;
    const services = network.servicesOn(date);
    let previous: number | undefined;
    for (const entry of list) {
      if (!services.has(entry.serviceId)) continue;
      if (entry.tripId === trip.tripId) return previous === undefined ? undefined : entry.seconds - previous;
      previous = entry.seconds;
    }
    return undefined;
  }

  function describe(
    condition: HeadwayCondition,
    state: 'RAISED' | 'CLEARED',
    position: MatchedPosition,
    leader: Passage,
    observedS: number,
    scheduledS: number,
    stopName: string,
  ): string {
    const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;
    const share = Math.round((100 * observedS) / scheduledS);
    const what =
      condition === 'BUNCHING'
        ? `bunching: below ${Math.round(100 * bunchingRatio)}% raises, above ${Math.round(100 * clearBunchingRatio)}% clears`
        : `gap: above ${Math.round(100 * gapRatio)}% raises, below ${Math.round(100 * clearGapRatio)}% clears`;
    return (
      `${state === 'RAISED' ? 'Raised' : 'Cleared'}: vehicle ${position.vehicleId} on route ${position.routeId}` +
      `${position.directionId === undefined ? '' : ` direction ${position.directionId}`} passed ${stopName} ` +
      `${minutes(observedS)} after vehicle ${leader.vehicleId}; scheduled headway ${minutes(scheduledS)} ` +
      `(${share}% of it; ${what}).`
    );
  }

  return {
    observe(position) {
      const trip = network.trips.get(position.tripId);
      if (!trip) return [];
      const results: HeadwayAlertResult[] = [];
      let track = tracks.get(position.vehicleId);
      if (!track || track.tripId !== position.tripId) {
        // A new trip: alerts about the old one no longer apply.
        const previousTrip = track?.tripId;
        for (const alert of Object.values(track?.raised ?? {})) {
          if (!alert) continue;
          results.push({
            ...alert,
            state: 'CLEARED',
            atMs: position.timestampMs,
            explanation: `Cleared: vehicle ${position.vehicleId} finished trip ${previousTrip}; the ${alert.condition.toLowerCase()} alert on it no longer applies.`,
          });
        }
        track = {
          tripId: position.tripId,
          nextSequence: position.stopSequence,
          streak: { BUNCHING: 0, GAP: 0 },
          raised: {},
        };
        tracks.set(position.vehicleId, track);
        return results;
      }
      const passedSequence =
        position.status === 'STOPPED_AT' ? position.stopSequence : position.stopSequence - 1;
      const passedIndex = trip.stops.findIndex((stop) => stop.stopSequence === passedSequence);
      const previousNext = track.nextSequence;
      track.nextSequence =
        position.status === 'STOPPED_AT' ? position.stopSequence + 1 : position.stopSequence;
      // Only when the vehicle has moved on to a new stop, and not at the trip's first stop (layover).
      if (passedIndex <= 0 || passedSequence < previousNext) return results;
      const stop = trip.stops[passedIndex] as ScheduledStop;
      const key = lineKey(trip.routeId, trip.directionId, stop.stopId);
      const leader = lastPassage.get(key);
      lastPassage.set(key, {
        vehicleId: position.vehicleId,
        atMs: position.timestampMs,
        tripId: position.tripId,
      });
      if (!leader || leader.vehicleId === position.vehicleId || leader.tripId === position.tripId)
        return results;
      const frequency = trip.frequencies[0]?.headwaySecs;
      const scheduledS = scheduledHeadway(trip, stop, position.startDate, frequency);
      if (scheduledS === undefined || scheduledS <= 0 || scheduledS > maxScheduledHeadwayS) return results;
      const observedS = (position.timestampMs - leader.atMs) / 1000;
      // Longer than a few headways: the leader was a different service period, not a gap to judge.
      if (observedS > 6 * scheduledS) return results;
      const ratio = observedS / scheduledS;
      const stopName = network.stops.get(stop.stopId)?.stopName ?? `stop ${stop.stopId}`;
      const judge = (condition: HeadwayCondition, raiseNow: boolean, clearNow: boolean) => {
        const raised = track.raised[condition];
        track.streak[condition] = raiseNow ? track.streak[condition] + 1 : 0;
        const base = {
          routeId: position.routeId,
          stopId: stop.stopId,
          condition,
          vehicleId: position.vehicleId,
          leaderVehicleId: leader.vehicleId,
          observedHeadwayS: Math.round(observedS),
          scheduledHeadwayS: Math.round(scheduledS),
          atMs: position.timestampMs,
          ...(position.directionId === undefined ? {} : { directionId: position.directionId }),
        };
        if (!raised && track.streak[condition] >= confirmations) {
          const alert: HeadwayAlertResult = {
            ...base,
            state: 'RAISED',
            explanation: describe(condition, 'RAISED', position, leader, observedS, scheduledS, stopName),
          };
          track.raised[condition] = alert;
          results.push(alert);
        } else if (raised && clearNow) {
          delete track.raised[condition];
          results.push({
            ...base,
            state: 'CLEARED',
            explanation: describe(condition, 'CLEARED', position, leader, observedS, scheduledS, stopName),
          });
        }
      };
      judge('BUNCHING', ratio < bunchingRatio, ratio > clearBunchingRatio);
      judge('GAP', ratio > gapRatio, ratio < clearGapRatio);
      return results;
    },
  };
}
