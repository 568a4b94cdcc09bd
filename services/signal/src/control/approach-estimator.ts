/**
 * Live per-approach estimates the strategies decide on, from detector counts and the signal state.
 *
 * Arrival rate: the latest interval of each counting detector on the approach (one detector kind per
 * approach, advance loops first, so no vehicle is counted twice), smoothed so one odd interval does
 * not swing the decision. Counts of a detector under an alarm are left out.
 *
 * Queue: an input-output (point-queue) model over the whole approach, the usual estimate when only
 * counts are available: arrivals join every second, and while any of the approach's signal groups is
 * green the queue discharges at saturation flow per lane. It is bounded by the approach's storage so
 * an over-estimate cannot grow without limit. Stop-line occupancy corrects it: a loop occupied most of
 * an interval means vehicles are standing on it, so at least a lane's worth of queue.
 */
import type { CountObservation } from '../domain/detector-health.js';
import type { IntersectionModel } from '../domain/model.js';

/** Saturation flow per lane, veh/s (1800 veh/h, the common planning value). */
export const SATURATION_VEH_PER_S_PER_LANE = 0.5;
/** Space a queued car takes, metres (car length plus the gap). */
export const QUEUE_SPACING_M = 7;
/** Approach storage assumed when its length is not configured. */
export const DEFAULT_APPROACH_LENGTH_M = 150;
/** Counts older than this are not evidence of the current arrival rate. */
export const STALE_COUNT_S = 300;
/** Weight of the newest interval in the smoothed rate. */
const SMOOTHING = 0.5;
/** Stop-line occupancy above which vehicles are standing on the loop. */
const STANDING_OCCUPANCY = 0.7;

const COUNTING_PREFERENCE = ['advance', 'count', 'stop-line', 'presence'] as const;

interface ApproachState {
  approachId: string;
  lanes: number;
  storageVeh: number;
  countingDetectorIds: Set<string>;
  stopLineDetectorIds: Set<string>;
  /** Latest interval per counting detector. */
  latest: Map<string, CountObservation>;
  rateVehPerS: number;
  queueVeh: number;
  /** When the most recent count on the approach ended (ms), for staleness. */
  lastCountEndMs?: number;
  recentVolume: number;
  recentIntervalS: number;
}

export interface ApproachEstimate {
  approachId: string;
  queueVeh: number;
  arrivalRateVehPerS: number;
  flowVehPerH: number;
  lanes: number;
  /** Seconds since the newest count on the approach, undefined without any. */
  countAgeS?: number;
}

export interface ApproachEstimator {
  /** Feeds one validated interval; `suspect` = its detector is under an alarm. */
  observe(count: CountObservation, suspect: boolean): void;
  /** Advances the queue model by `dtS` with the groups green over that time. */
  advance(dtS: number, greenGroupIds: ReadonlySet<string>, nowMs: number): void;
  estimates(nowMs: number): ApproachEstimate[];
}

export function createApproachEstimator(model: IntersectionModel): ApproachEstimator {
  const approaches = model.approaches.map((approach): ApproachState => {
    const detectors = model.detectors.filter((d) => d.approachId === approach.id);
    let counting: string[] = [];
    for (const kind of COUNTING_PREFERENCE) {
      counting = detectors.filter((d) => d.kind === kind).map((d) => d.id);
      if (counting.length > 0) break;
    }
    return {
      approachId: approach.id,
      lanes: Math.max(1, approach.lanes),
      storageVeh: Math.max(
        1,
        ((approach.lengthM ?? DEFAULT_APPROACH_LENGTH_M) / QUEUE_SPACING_M) * approach.lanes,
      ),
      countingDetectorIds: new Set(counting),
      stopLineDetectorIds: new Set(detectors.filter((d) => d.kind === 'stop-line').map((d) => d.id)),
      latest: new Map(),
      rateVehPerS: 0,
      queueVeh: 0,
      recentVolume: 0,
      recentIntervalS: 0,
    };
  });
  const groupsOf = new Map(model.approaches.map((a) => [a.id, new Set(a.signalGroupIds)]));
  const byDetector = new Map<string, ApproachState>();
  for (const state of approaches) {
    for (const id of state.countingDetectorIds) byDetector.set(id, state);
    for (const id of state.stopLineDetectorIds) if (!byDetector.has(id)) byDetector.set(id, state);
  }

  return {
    observe(count, suspect) {
      const state = byDetector.get(count.detectorId);
      if (!state || suspect) return;
      const endMs = count.intervalStartMs + count.intervalS * 1000;
      if (state.stopLineDetectorIds.has(count.detectorId) && count.occupancyRatio >= STANDING_OCCUPANCY) {
        state.queueVeh = Math.min(state.storageVeh, Math.max(state.queueVeh, state.lanes));
      }
      if (!state.countingDetectorIds.has(count.detectorId)) return;
      const previous = state.latest.get(count.detectorId);
      if (previous && previous.intervalStartMs >= count.intervalStartMs) return;
      state.latest.set(count.detectorId, count);
      state.lastCountEndMs = Math.max(state.lastCountEndMs ?? 0, endMs);
      // The approach's rate is the sum over its detectors of each one's latest interval.
      let rate = 0;
      let volume = 0;
      let intervalS = 0;
      for (const latest of state.latest.values()) {
        rate += latest.volume / latest.intervalS;
        volume += latest.volume;
        intervalS = Math.max(intervalS, latest.intervalS);
      }
      state.rateVehPerS =
        previous === undefined && state.latest.size === 1
          ? rate
          : SMOOTHING * rate + (1 - SMOOTHING) * state.rateVehPerS;
      state.recentVolume = volume;
      state.recentIntervalS = intervalS;
    },

    advance(dtS, greenGroupIds, nowMs) {
      if (!(dtS > 0)) return;
      for (const state of approaches) {
        const stale =
          state.lastCountEndMs === undefined || nowMs - state.lastCountEndMs > STALE_COUNT_S * 1000;
        const arrivals = stale ? 0 : state.rateVehPerS * dtS;
        const groups = groupsOf.get(state.approachId) ?? new Set<string>();
        const green = [...groups].some((id) => greenGroupIds.has(id));
        const departures = green ? SATURATION_VEH_PER_S_PER_LANE * state.lanes * dtS : 0;
        state.queueVeh = Math.min(state.storageVeh, Math.max(0, state.queueVeh + arrivals - departures));
      }
    },

    estimates(nowMs) {
      return approaches.map((state) => {
        const stale =
          state.lastCountEndMs === undefined || nowMs - state.lastCountEndMs > STALE_COUNT_S * 1000;
        const rate = stale ? 0 : state.rateVehPerS;
        return {
          approachId: state.approachId,
          queueVeh: state.queueVeh,
          arrivalRateVehPerS: rate,
          flowVehPerH: rate * 3600,
          lanes: state.lanes,
          ...(state.lastCountEndMs === undefined ? {} : { countAgeS: (nowMs - state.lastCountEndMs) / 1000 }),
        };
      });
    },
  };
}
