import type { Block } from './raptor.js';
import { DROP_OFF, mirrorFlags, PICKUP, type Timetable } from './timetable.js';
import type { TripPrediction } from './types.js';

interface Entry {
  trip: number;
  cancelled: boolean;
  /** Predicted forward times, one per stop of the trip's pattern. */
  arr: Int32Array;
  dep: Int32Array;
  /** Positions the vehicle will not serve. */
  skipped: Uint8Array | undefined;
}

/** Day key for predictions that name no service day: they apply to whichever day is planned. */
const ANY_DAY = '';

/**
 * Realtime predictions and cancellations laid over a timetable. Mutable and versioned: apply()
 * costs O(trip length) and only forgets the cached blocks of the trip's pattern; the next query
 * rebuilds that pattern's blocks (re-sorted, split where a delayed trip is overtaken, cancelled
 * trips left out), so a prediction counts within the same millisecond it arrives.
 */
export class RealtimeOverlay {
  private readonly entries = new Map<number, Map<string, Entry>>();
  private readonly byPattern = new Map<number, Set<number>>();
  private readonly blockCache = new Map<string, Map<number, readonly Block[] | null>>();
  private versionCounter = 0;
  private newest: number | undefined;
  private count = 0;

  constructor(readonly timetable: Timetable) {}

  /** Increases on every change. */
  get version(): number {
    return this.versionCounter;
  }
  /** Largest `timestamp` of the predictions applied, if any. */
  get newestTimestamp(): number | undefined {
    return this.newest;
  }
  /** Trips (per service day) currently carrying a prediction or a cancellation. */
  get tripCount(): number {
    return this.count;
  }

  /**
   * Replaces the trip's previous prediction for that day; false (and ignored) when the trip is
   * unknown or runs from frequencies.txt (its runs have no identity of their own).
   */
  apply(prediction: TripPrediction): boolean {
    const runs = this.timetable.tripIndex.get(prediction.tripId);
    if (runs?.length !== 1) return false;
    const trip = runs[0] as number;
    const entry = this.predict(trip, prediction);
    const day = prediction.serviceDate ?? ANY_DAY;
    let days = this.entries.get(trip);
    if (!days) {
      days = new Map();
      this.entries.set(trip, days);
    }
    if (!days.has(day)) this.count++;
    days.set(day, entry);
    const pattern = this.timetable.tripPattern[trip] as number;
    let trips = this.byPattern.get(pattern);
    if (!trips) {
      trips = new Set();
      this.byPattern.set(pattern, trips);
    }
    trips.add(trip);
    if (
      prediction.timestamp !== undefined &&
      (this.newest === undefined || prediction.timestamp > this.newest)
    )
      this.newest = prediction.timestamp;
    this.changed(pattern);
    return true;
  }

  /** Back to the schedule for the trip (on that day, or every day when serviceDate is absent). */
  remove(tripId: string, serviceDate?: string): void {
    for (const trip of this.timetable.tripIndex.get(tripId) ?? []) {
      const days = this.entries.get(trip);
      if (!days) continue;
      if (serviceDate === undefined) {
        this.count -= days.size;
        days.clear();
      } else if (days.delete(serviceDate)) this.count--;
      if (days.size === 0) {
        this.entries.delete(trip);
        this.byPattern.get(this.timetable.tripPattern[trip] as number)?.delete(trip);
      }
      this.changed(this.timetable.tripPattern[trip] as number);
    }
  }

  clear(): void {
    this.entries.clear();
    this.byPattern.clear();
    this.blockCache.clear();
    this.count = 0;
    this.versionCounter++;
  }

  private changed(pattern: number): void {
    this.versionCounter++;
    for (const cache of this.blockCache.values()) {
      cache.delete(pattern * 2);
      cache.delete(pattern * 2 + 1);
    }
  }

  /** @internal the prediction in force for a trip on a day (a day-specific one wins). */
  entryFor(trip: number, date: string): Entry | undefined {
    const days = this.entries.get(trip);
    if (!days) return undefined;
    return days.get(date) ?? days.get(ANY_DAY);
  }

  /** @internal blocks of one pattern and direction on a day; undefined when no prediction touches it. */
  blocks(date: string, pattern: number, backward: boolean): readonly Block[] | undefined {
    const trips = this.byPattern.get(pattern);
    if (!trips || trips.size === 0) return undefined;
    let cache = this.blockCache.get(date);
    if (!cache) {
      if (this.blockCache.size > 8) this.blockCache.clear();
      cache = new Map();
      this.blockCache.set(date, cache);
    }
    const key = pattern * 2 + (backward ? 1 : 0);
    let blocks = cache.get(key);
    if (blocks === undefined) {
      blocks = this.buildBlocks(date, pattern, backward);
      cache.set(key, blocks);
    }
    return blocks ?? undefined;
  }

  private predict(trip: number, prediction: TripPrediction): Entry {
    const { forward, stopSequence, stopIds } = this.timetable;
    const pattern = this.timetable.tripPattern[trip] as number;
    const stopBase = forward.patternStopOffset[pattern] as number;
    const len = (forward.patternStopOffset[pattern + 1] as number) - stopBase;
    const row =
      (forward.patternTimeOffset[pattern] as number) +
      (trip - (forward.patternTripOffset[pattern] as number)) * len;
    const arr = forward.arr.slice(row, row + len);
    const dep = forward.dep.slice(row, row + len);
    let skipped: Uint8Array | undefined;
    if (prediction.cancelled) return { trip, cancelled: true, arr, dep, skipped };
    // Match each stop update to a position. proto3 cannot tell an absent stop_sequence from 0, so
    // 0 with a stop_id means "by stop_id": the first occurrence after the previous match (in a feed
    // numbered from 0 that is still the first stop when the stop_id says so). A sequence that
    // disagrees with the stop_id wins only if the trip has it; otherwise the stop_id decides.
    const updates = new Map<number, NonNullable<TripPrediction['stops']>[number]>();
    let after = 0;
    for (const update of prediction.stops ?? []) {
      let pos = -1;
      const sequence = update.stopSequence;
      if (sequence !== undefined && (sequence !== 0 || !update.stopId)) {
        for (let i = 0; i < len && pos < 0; i++) if (stopSequence[row + i] === sequence) pos = i;
      }
      if (pos < 0 && update.stopId) {
        for (let i = after; i < len && pos < 0; i++)
          if (stopIds[forward.patternStops[stopBase + i] as number] === update.stopId) pos = i;
      }
      if (pos < 0) continue;
      updates.set(pos, update);
      after = pos + 1;
    }
    // GTFS-realtime: a delay holds for later stops until the next update; earlier stops keep the schedule.
    let delay = 0;
    for (let i = 0; i < len; i++) {
      const scheduledArr = arr[i] as number;
      const scheduledDep = dep[i] as number;
      const update = updates.get(i);
      if (update) {
        if (update.skipped) {
          skipped ??= new Uint8Array(len);
          skipped[i] = 1;
        }
        // NaN or absurd values (a corrupt instant, a wrong day) would make the vehicle teleport:
        // Int32Array stores NaN as 0, i.e. the run would reach the stop at the day's origin.
        const arrivalDelay = usable(update.arrivalDelay);
        const departureDelay = usable(update.departureDelay);
        const a =
          usable(update.arrivalTime) ??
          (arrivalDelay !== undefined ? scheduledArr + arrivalDelay : undefined);
        const d =
          usable(update.departureTime) ??
          (departureDelay !== undefined ? scheduledDep + departureDelay : undefined);
        arr[i] = a ?? (d !== undefined ? Math.min(d, scheduledArr + delay) : scheduledArr + delay);
        dep[i] = d ?? Math.max(arr[i] as number, scheduledDep + (a !== undefined ? a - scheduledArr : delay));
      } else {
        arr[i] = scheduledArr + delay;
        dep[i] = scheduledDep + delay;
      }
      // A vehicle cannot leave before it arrives nor reach a stop before leaving the previous one.
      if (i > 0 && (arr[i] as number) < (dep[i - 1] as number)) arr[i] = dep[i - 1] as number;
      if ((dep[i] as number) < (arr[i] as number)) dep[i] = arr[i] as number;
      // Carried forward from the clamped time: an early prediction the clamp corrected must not
      // pull later stops earlier than the vehicle can be there.
      if (update) delay = (dep[i] as number) - scheduledDep;
    }
    return { trip, cancelled: false, arr, dep, skipped };
  }

  /** The pattern's runs on the day with predictions applied; null when none applies that day. */
  private buildBlocks(date: string, pattern: number, backward: boolean): readonly Block[] | null {
    const { forward } = this.timetable;
    const stopBase = forward.patternStopOffset[pattern] as number;
    const len = (forward.patternStopOffset[pattern + 1] as number) - stopBase;
    const first = forward.patternTripOffset[pattern] as number;
    const count = (forward.patternTripOffset[pattern + 1] as number) - first;
    const timeBase = forward.patternTimeOffset[pattern] as number;
    interface RunTimes {
      trip: number;
      arr: Int32Array;
      dep: Int32Array;
      skipped: Uint8Array | undefined;
    }
    const runs: RunTimes[] = [];
    let touched = false;
    for (let q = 0; q < count; q++) {
      const trip = first + q;
      const entry = this.entryFor(trip, date);
      if (entry) touched = true;
      if (entry?.cancelled) continue;
      if (entry) runs.push({ trip, arr: entry.arr, dep: entry.dep, skipped: entry.skipped });
      else {
        const row = timeBase + q * len;
        runs.push({
          trip,
          arr: forward.arr.subarray(row, row + len),
          dep: forward.dep.subarray(row, row + len),
          skipped: undefined,
        });
      }
    }
    if (!touched) return null;
    runs.sort(
      (a, b) =>
        (a.dep[0] as number) - (b.dep[0] as number) ||
        (a.arr[len - 1] as number) - (b.arr[len - 1] as number),
    );
    // Runs that skip stops get blocks of their own (their flags differ); the rest are split so that
    // no run overtakes an earlier one in its block, as the route scan requires.
    const groups: Array<{ runs: RunTimes[]; skipped: Uint8Array | undefined }> = [];
    for (const run of runs) {
      if (run.skipped) {
        groups.push({ runs: [run], skipped: run.skipped });
        continue;
      }
      const home = groups.find(
        (g) => !g.skipped && !overtakes(g.runs[g.runs.length - 1] as RunTimes, run, len),
      );
      if (home) home.runs.push(run);
      else groups.push({ runs: [run], skipped: undefined });
    }
    const baseFlags = forward.patternFlags.subarray(stopBase, stopBase + len);
    return groups.map((group) => toBlock(group.runs, group.skipped, baseFlags, len, backward));
  }
}

/** Predicted times and delays beyond this (seconds) are nonsense: a service day spans < 4 days. */
const MAX_PREDICTION_S = 4 * 86_400;

/** Seconds of a predicted time or delay, or undefined when non-finite or beyond 4 days. */
function usable(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && Math.abs(value) <= MAX_PREDICTION_S
    ? value
    : undefined;
}

function overtakes(
  earlier: { arr: Int32Array; dep: Int32Array },
  later: { arr: Int32Array; dep: Int32Array },
  len: number,
): boolean {
  for (let i = 0; i < len; i++)
    if (
      (later.arr[i] as number) < (earlier.arr[i] as number) ||
      (later.dep[i] as number) < (earlier.dep[i] as number)
    )
      return true;
  return false;
}

function toBlock(
  runs: ReadonlyArray<{ trip: number; arr: Int32Array; dep: Int32Array }>,
  skipped: Uint8Array | undefined,
  baseFlags: Uint8Array,
  len: number,
  backward: boolean,
): Block {
  const count = runs.length;
  const arr = new Int32Array(count * len);
  const dep = new Int32Array(count * len);
  const tripOf = new Int32Array(count);
  const flags = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const f = skipped?.[i] ? (baseFlags[i] as number) & ~(PICKUP | DROP_OFF) : (baseFlags[i] as number);
    if (backward) flags[len - 1 - i] = mirrorFlags(f);
    else flags[i] = f;
  }
  for (let q = 0; q < count; q++) {
    const run = runs[backward ? count - 1 - q : q] as { trip: number; arr: Int32Array; dep: Int32Array };
    tripOf[q] = run.trip;
    for (let i = 0; i < len; i++) {
      if (backward) {
        dep[q * len + i] = -(run.arr[len - 1 - i] as number);
        arr[q * len + i] = -(run.dep[len - 1 - i] as number);
      } else {
        arr[q * len + i] = run.arr[i] as number;
        dep[q * len + i] = run.dep[i] as number;
      }
    }
  }
  return { count, arr, dep, timeBase: 0, tripOf, tripBase: 0, flags, flagsBase: 0 };
}
