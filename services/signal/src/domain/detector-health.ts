/**
 * Detector counts: validation at ingest and health checks over time. Pure: no I/O, no clock (the
 * caller passes times in milliseconds).
 *
 * A loop or video zone fails in a few typical ways (the ATSPM "detector health" checks): it sticks
 * on (reports the zone occupied all the time), it goes quiet (no vehicles counted while its
 * neighbours count plenty, or no reports at all), or it counts more than the lane can carry (double
 * counting, crosstalk). Each raises an alarm the operator sees; the alarm clears when the
 * condition has been gone for a few intervals, so a flickering fault does not flood them.
 */

/** Physical and statistical limits. Defaults follow common traffic-engineering values. */
export interface DetectorHealthOptions {
  /** Occupancy at or above which an interval counts as "on" the whole time. */
  stuckOnOccupancy: number;
  /** Continuous "on" time that raises STUCK_ON. */
  stuckOnAfterS: number;
  /** Consecutive zero-volume intervals that raise NO_ACTIVITY (if the neighbours counted). */
  noCountIntervals: number;
  /** Vehicles the other detectors of the intersection must have counted meanwhile. */
  neighbourMinVolume: number;
  /** Volume above which a count is implausible: beyond any lane's saturation flow. */
  implausibleVehPerHourPerLane: number;
  /** Consecutive implausible intervals that raise ERRATIC_COUNTS. */
  implausibleIntervals: number;
  /** Consecutive healthy intervals that clear an alarm. */
  clearAfterIntervals: number;
}

export const DEFAULT_DETECTOR_HEALTH: DetectorHealthOptions = {
  stuckOnOccupancy: 0.95,
  stuckOnAfterS: 600,
  noCountIntervals: 5,
  neighbourMinVolume: 20,
  // Saturation flow is about 1900 veh/h/lane on good urban lanes (HCM base 1900); 2200 leaves room.
  implausibleVehPerHourPerLane: 2200,
  implausibleIntervals: 2,
  clearAfterIntervals: 2,
};

/** A count above this is not a counting error but impossible data: a vehicle every second per lane. */
export const IMPOSSIBLE_VEH_PER_HOUR_PER_LANE = 3600;
/** How far the end of a counting interval may lie ahead of our clock (controller clocks drift). */
export const MAX_CLOCK_AHEAD_MS = 120_000;
/** Longest counting interval accepted (SCATS-style archives use 15 min; an hour is the limit). */
export const MAX_INTERVAL_S = 3600;

export type AlarmKind = 'stuck-on' | 'no-activity' | 'erratic-counts' | 'communication-lost';

/** A measured quantity that went into a decision, with the threshold it was compared with. */
export interface ExplainedFactor {
  name: string;
  value: number;
  unit: string;
  comparison?: '<' | '<=' | '>' | '>=';
  threshold?: number;
  satisfied?: boolean;
}

export interface AlarmExplanation {
  summary: string;
  factors: ExplainedFactor[];
}

export interface AlarmChange {
  detectorId: string;
  kind: AlarmKind;
  state: 'raised' | 'cleared';
  /** Stable per episode: the same on raised and cleared. */
  alarmId: string;
  /** When the condition started. */
  sinceMs: number;
  /** When the change was decided (end of the interval that decided it). */
  atMs: number;
  explanation: AlarmExplanation;
}

/** One counting interval of one detector, already validated. */
export interface CountObservation {
  detectorId: string;
  intervalStartMs: number;
  intervalS: number;
  volume: number;
  occupancyRatio: number;
}

export interface MonitoredDetector {
  id: string;
  /** Lanes the detector covers, for the saturation limit. */
  lanes: number;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** A detector count as decoded from the wire, before any check. */
export interface RawDetectorCount {
  intersectionId: string;
  detectorId: string;
  /** NaN when absent or unreadable. */
  intervalStartMs: number;
  /** NaN when absent. */
  intervalS: number;
  volume: number;
  occupancyRatio: number;
  /** The producer's raw count when it differed (it may be negative). */
  rawVolume?: number;
  /** meta.occurred_at (the interval end) when present. */
  occurredAtMs?: number;
}

export type CountRejection =
  | 'unknown_intersection'
  | 'unknown_detector'
  | 'invalid_interval'
  | 'interval_too_long'
  | 'invalid_time'
  | 'inconsistent_interval_end'
  | 'future_timestamp'
  | 'negative_volume'
  | 'occupancy_out_of_range'
  | 'impossible_volume';

export type CountValidation =
  | { ok: true; count: CountObservation }
  | { ok: false; code: CountRejection; message: string };

/** What validation knows about the intersection the count claims to come from. */
export interface CountContext {
  /** Lanes per known detector id; undefined when the intersection is unknown. */
  detectorLanes: ReadonlyMap<string, number> | undefined;
  nowMs: number;
}

const reject = (code: CountRejection, message: string): CountValidation => ({ ok: false, code, message });

/**
 * Checks a count before anything uses it. A rejected count is recorded with its reason and kept
 * out of control and measures: one bad interval must never move a signal.
 */
export function validateDetectorCount(raw: RawDetectorCount, context: CountContext): CountValidation {
  const lanesByDetector = context.detectorLanes;
  if (!lanesByDetector)
    return reject('unknown_intersection', `intersection ${raw.intersectionId} is not configured`);
  const lanes = lanesByDetector.get(raw.detectorId);
  if (lanes === undefined) {
    return reject(
      'unknown_detector',
      `detector ${raw.detectorId} is not configured at ${raw.intersectionId}`,
    );
  }
  if (!(raw.intervalS > 0) || !Number.isFinite(raw.intervalS)) {
    return reject('invalid_interval', `interval must be a positive duration, got ${raw.intervalS} s`);
  }
  if (raw.intervalS > MAX_INTERVAL_S) {
    return reject('interval_too_long', `interval of ${raw.intervalS} s exceeds ${MAX_INTERVAL_S} s`);
  }
  if (!Number.isFinite(raw.intervalStartMs))
    return reject('invalid_time', 'interval_start is missing or unreadable');
  const endMs = raw.intervalStartMs + raw.intervalS * 1000;
  if (raw.occurredAtMs !== undefined && Number.isFinite(raw.occurredAtMs)) {
    // occurred_at is the interval end by contract; a producer that disagrees with itself by more
    // than the interval cannot be trusted to have counted the interval it names.
    const gapS = Math.abs(raw.occurredAtMs - endMs) / 1000;
    if (gapS > raw.intervalS) {
      return reject(
        'inconsistent_interval_end',
        `occurred_at is ${gapS.toFixed(0)} s away from interval_start + interval (${raw.intervalS} s)`,
      );
    }
  }
  if (endMs > context.nowMs + MAX_CLOCK_AHEAD_MS) {
    return reject(
      'future_timestamp',
      `interval ends ${((endMs - context.nowMs) / 1000).toFixed(0)} s after the service clock`,
    );
  }
  if (raw.rawVolume !== undefined && raw.rawVolume < 0) {
    return reject('negative_volume', `raw volume ${raw.rawVolume} is negative`);
  }
  if (!Number.isFinite(raw.volume) || raw.volume < 0) {
    return reject('negative_volume', `volume ${raw.volume} is not a non-negative count`);
  }
  if (!Number.isFinite(raw.occupancyRatio) || raw.occupancyRatio < 0 || raw.occupancyRatio > 1) {
    return reject('occupancy_out_of_range', `occupancy ${raw.occupancyRatio} is outside 0..1`);
  }
  const perHourPerLane = volumePerHourPerLane(raw.volume, raw.intervalS, lanes);
  if (perHourPerLane > IMPOSSIBLE_VEH_PER_HOUR_PER_LANE) {
    return reject(
      'impossible_volume',
      `${raw.volume} vehicles in ${raw.intervalS} s is ${perHourPerLane.toFixed(0)} veh/h/lane, above the physical ${IMPOSSIBLE_VEH_PER_HOUR_PER_LANE}`,
    );
  }
  return {
    ok: true,
    count: {
      detectorId: raw.detectorId,
      intervalStartMs: raw.intervalStartMs,
      intervalS: raw.intervalS,
      volume: raw.volume,
      occupancyRatio: raw.occupancyRatio,
    },
  };
}

export function volumePerHourPerLane(volume: number, intervalS: number, lanes: number): number {
  return (volume * 3600) / intervalS / Math.max(1, lanes);
}

// ---------------------------------------------------------------------------------------------
// Health monitor
// ---------------------------------------------------------------------------------------------

interface ActiveAlarm {
  alarmId: string;
  sinceMs: number;
  healthyRun: number;
}

interface DetectorTrack {
  lanes: number;
  /** End of the last reported interval; undefined before the first report. */
  lastEndMs?: number;
  lastIntervalS?: number;
  /** Continuous time at stuck-on occupancy, and when it began. */
  stuckOnS: number;
  stuckSinceMs?: number;
  zeroIntervals: number;
  zeroSinceMs?: number;
  implausibleIntervals: number;
  implausibleSinceMs?: number;
  active: Map<AlarmKind, ActiveAlarm>;
  /** Recent intervals (end time, volume) for the neighbours' view; bounded. */
  recent: { startMs: number; endMs: number; volume: number }[];
}

export interface DetectorHealthMonitor {
  /** Feeds one interval (in time order per detector); returns alarms raised or cleared by it. */
  observe(count: CountObservation): AlarmChange[];
  /** Raises COMMUNICATION_LOST for detectors silent while their neighbours report. */
  checkSilence(nowMs: number): AlarmChange[];
  /** Detector ids with an active alarm. */
  alarmedDetectorIds(): string[];
  /** Whether counts of this detector should be kept out of control right now. */
  isSuspect(detectorId: string): boolean;
}

/** Longest stretch of recent intervals kept per detector for the neighbour comparison. */
const RECENT_LIMIT = 64;

export function createDetectorHealthMonitor(
  detectors: readonly MonitoredDetector[],
  startedAtMs: number,
  options: DetectorHealthOptions = DEFAULT_DETECTOR_HEALTH,
): DetectorHealthMonitor {
  const tracks = new Map<string, DetectorTrack>(
    detectors.map((detector) => [
      detector.id,
      {
        lanes: Math.max(1, detector.lanes),
        stuckOnS: 0,
        zeroIntervals: 0,
        implausibleIntervals: 0,
        active: new Map(),
        recent: [],
      },
    ]),
  );

  const alarmId = (detectorId: string, kind: AlarmKind, sinceMs: number) =>
    `${detectorId}:${kind}:${sinceMs}`;

  function raise(
    detectorId: string,
    track: DetectorTrack,
    kind: AlarmKind,
    sinceMs: number,
    atMs: number,
    explanation: AlarmExplanation,
  ): AlarmChange[] {
    const existing = track.active.get(kind);
    if (existing) {
      existing.healthyRun = 0;
      return [];
    }
    const id = alarmId(detectorId, kind, sinceMs);
    track.active.set(kind, { alarmId: id, sinceMs, healthyRun: 0 });
    return [{ detectorId, kind, state: 'raised', alarmId: id, sinceMs, atMs, explanation }];
  }

  /** Counts a healthy interval towards clearing; clears once enough healthy intervals passed. */
  function heal(
    detectorId: string,
    track: DetectorTrack,
    kind: AlarmKind,
    atMs: number,
    explanation: AlarmExplanation,
    immediately = false,
  ): AlarmChange[] {
    const active = track.active.get(kind);
    if (!active) return [];
    active.healthyRun += 1;
    if (!immediately && active.healthyRun < options.clearAfterIntervals) return [];
    track.active.delete(kind);
    return [
      {
        detectorId,
        kind,
        state: 'cleared',
        alarmId: active.alarmId,
        sinceMs: active.sinceMs,
        atMs,
        explanation,
      },
    ];
  }

  /** Vehicles the other detectors counted in intervals overlapping [fromMs, toMs). */
  function neighbourVolume(detectorId: string, fromMs: number, toMs: number): number {
    let total = 0;
    for (const [id, track] of tracks) {
      if (id === detectorId) continue;
      for (const interval of track.recent) {
        if (interval.endMs > fromMs && interval.startMs < toMs) total += interval.volume;
      }
    }
    return total;
  }

  function checkNoActivity(detectorId: string, track: DetectorTrack, atMs: number): AlarmChange[] {
    if (track.zeroIntervals < options.noCountIntervals || track.zeroSinceMs === undefined) return [];
    const neighbours = neighbourVolume(detectorId, track.zeroSinceMs, track.lastEndMs ?? atMs);
    if (neighbours < options.neighbourMinVolume) return [];
    return raise(detectorId, track, 'no-activity', track.zeroSinceMs, atMs, {
      summary: `no vehicles for ${track.zeroIntervals} intervals while the other detectors counted ${neighbours}`,
      factors: [
        {
          name: 'zero_volume_intervals',
          value: track.zeroIntervals,
          unit: 'intervals',
          comparison: '>=',
          threshold: options.noCountIntervals,
          satisfied: true,
        },
        {
          name: 'neighbour_volume',
          value: neighbours,
          unit: 'veh',
          comparison: '>=',
          threshold: options.neighbourMinVolume,
          satisfied: true,
        },
      ],
    });
  }

  return {
    observe(count) {
      const track = tracks.get(count.detectorId);
      if (!track) return [];
      const startMs = count.intervalStartMs;
      const endMs = startMs + count.intervalS * 1000;
      // A redelivered or late interval does not move the state machine backwards.
      if (track.lastEndMs !== undefined && endMs <= track.lastEndMs) return [];
      const contiguous = track.lastEndMs !== undefined && startMs - track.lastEndMs <= 1000;
      track.lastEndMs = endMs;
      track.lastIntervalS = count.intervalS;
      track.recent.push({ startMs, endMs, volume: count.volume });
      if (track.recent.length > RECENT_LIMIT) track.recent.shift();
      const changes: AlarmChange[] = [];
      const detectorId = count.detectorId;

      // Any report ends a communication loss.
      changes.push(
        ...heal(
          detectorId,
          track,
          'communication-lost',
          endMs,
          { summary: 'the detector reports again', factors: [] },
          true,
        ),
      );

      // Stuck on: continuously occupied for too long.
      if (count.occupancyRatio >= options.stuckOnOccupancy) {
        if (!contiguous || track.stuckSinceMs === undefined) {
          track.stuckOnS = 0;
          track.stuckSinceMs = startMs;
        }
        track.stuckOnS += count.intervalS;
        if (track.stuckOnS >= options.stuckOnAfterS) {
          changes.push(
            ...raise(detectorId, track, 'stuck-on', track.stuckSinceMs, endMs, {
              summary: `occupied ${(count.occupancyRatio * 100).toFixed(0)}% for ${track.stuckOnS.toFixed(0)} s without a gap`,
              factors: [
                {
                  name: 'continuous_occupied_s',
                  value: track.stuckOnS,
                  unit: 's',
                  comparison: '>=',
                  threshold: options.stuckOnAfterS,
                  satisfied: true,
                },
                {
                  name: 'occupancy_ratio',
                  value: count.occupancyRatio,
                  unit: 'ratio',
                  comparison: '>=',
                  threshold: options.stuckOnOccupancy,
                  satisfied: true,
                },
              ],
            }),
          );
        }
      } else {
        track.stuckOnS = 0;
        delete track.stuckSinceMs;
        changes.push(
          ...heal(detectorId, track, 'stuck-on', endMs, {
            summary: `occupancy back to ${(count.occupancyRatio * 100).toFixed(0)}%`,
            factors: [
              {
                name: 'occupancy_ratio',
                value: count.occupancyRatio,
                unit: 'ratio',
                comparison: '<',
                threshold: options.stuckOnOccupancy,
                satisfied: true,
              },
            ],
          }),
        );
      }

      // No activity: zero volume while the neighbours count. A stuck-on zone also counts zero, but
      // that is already its own alarm.
      if (count.volume === 0 && count.occupancyRatio < options.stuckOnOccupancy) {
        if (track.zeroIntervals === 0 || track.zeroSinceMs === undefined) track.zeroSinceMs = startMs;
        track.zeroIntervals += 1;
      } else if (count.volume > 0) {
        track.zeroIntervals = 0;
        delete track.zeroSinceMs;
        changes.push(
          ...heal(
            detectorId,
            track,
            'no-activity',
            endMs,
            { summary: `counted ${count.volume} vehicles again`, factors: [] },
            true,
          ),
        );
      }

      // Implausible volume: above what the lanes can carry.
      const rate = volumePerHourPerLane(count.volume, count.intervalS, track.lanes);
      const rateFactor: ExplainedFactor = {
        name: 'volume_per_hour_per_lane',
        value: Math.round(rate),
        unit: 'veh/h/lane',
        comparison: '>',
        threshold: options.implausibleVehPerHourPerLane,
        satisfied: rate > options.implausibleVehPerHourPerLane,
      };
      if (rate > options.implausibleVehPerHourPerLane) {
        if (track.implausibleIntervals === 0 || track.implausibleSinceMs === undefined)
          track.implausibleSinceMs = startMs;
        track.implausibleIntervals += 1;
        if (track.implausibleIntervals >= options.implausibleIntervals) {
          changes.push(
            ...raise(detectorId, track, 'erratic-counts', track.implausibleSinceMs, endMs, {
              summary: `${count.volume} vehicles in ${count.intervalS} s is ${Math.round(rate)} veh/h/lane, above the ${options.implausibleVehPerHourPerLane} a lane can carry, for ${track.implausibleIntervals} intervals`,
              factors: [rateFactor],
            }),
          );
        }
      } else {
        track.implausibleIntervals = 0;
        delete track.implausibleSinceMs;
        changes.push(
          ...heal(detectorId, track, 'erratic-counts', endMs, {
            summary: `volume back to ${Math.round(rate)} veh/h/lane`,
            factors: [rateFactor],
          }),
        );
      }

      // This interval may complete a neighbour's silent stretch, or this detector's own.
      for (const [id, other] of tracks) changes.push(...checkNoActivity(id, other, endMs));
      return changes;
    },

    checkSilence(nowMs) {
      const changes: AlarmChange[] = [];
      const newestNeighbourEnd = (except: string) => {
        let newest = Number.NEGATIVE_INFINITY;
        for (const [id, track] of tracks) {
          if (id !== except && track.lastEndMs !== undefined) newest = Math.max(newest, track.lastEndMs);
        }
        return newest;
      };
      for (const [id, track] of tracks) {
        if (track.active.has('communication-lost')) continue;
        const intervalS = track.lastIntervalS ?? typicalIntervalS(tracks) ?? undefined;
        if (intervalS === undefined) continue;
        const lastHeardMs = track.lastEndMs ?? startedAtMs;
        const silentS = (nowMs - lastHeardMs) / 1000;
        const limitS = options.noCountIntervals * intervalS;
        // Only the detector is quiet if the others still report; a whole intersection going quiet
        // is a controller or network outage, not this detector's fault.
        if (silentS >= limitS && newestNeighbourEnd(id) > lastHeardMs + intervalS * 1000) {
          changes.push(
            ...raise(id, track, 'communication-lost', lastHeardMs, nowMs, {
              summary: `no report for ${silentS.toFixed(0)} s while the other detectors report`,
              factors: [
                {
                  name: 'silent_s',
                  value: silentS,
                  unit: 's',
                  comparison: '>=',
                  threshold: limitS,
                  satisfied: true,
                },
              ],
            }),
          );
        }
      }
      return changes;
    },

    alarmedDetectorIds() {
      return [...tracks].filter(([, track]) => track.active.size > 0).map(([id]) => id);
    },

    isSuspect(detectorId) {
      const track = tracks.get(detectorId);
      return track !== undefined && track.active.size > 0;
    },
  };
}

function typicalIntervalS(tracks: ReadonlyMap<string, DetectorTrack>): number | undefined {
  for (const track of tracks.values()) if (track.lastIntervalS !== undefined) return track.lastIntervalS;
  return undefined;
}

/**
 * Lanes a detector covers: its approach's lanes shared among the detectors of the same kind on
 * that approach (one loop per lane, or one zone across all lanes).
 */
export function detectorLanes(
  detectors: readonly { id: string; approachId: string; kind: string }[],
  approachLanes: ReadonlyMap<string, number>,
): Map<string, number> {
  const lanes = new Map<string, number>();
  for (const detector of detectors) {
    const sameKind = detectors.filter(
      (d) => d.approachId === detector.approachId && d.kind === detector.kind,
    ).length;
    const approach = approachLanes.get(detector.approachId) ?? 1;
    lanes.set(detector.id, Math.max(1, approach / Math.max(1, sameKind)));
  }
  return lanes;
}
