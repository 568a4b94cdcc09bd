/**
 * Signal performance measures in the spirit of ATSPM (UDOT's Automated Traffic Signal Performance
 * Measures), computed from the controller's green intervals and the detector counts. Pure.
 *
 * ATSPM works on per-vehicle detector actuations; this service receives counts per interval (60 s
 * live, 15 min in archives). Within an interval arrivals are taken as uniform, which is the usual
 * assumption of the deterministic delay term (Webster's first term) and exact as intervals shrink:
 * - volume: vehicles counted on the approach (one detector kind per approach, so a vehicle passing
 *   an advance loop and then a stop-line loop is not counted twice);
 * - arrivals on green: each interval's count spread over it, shifted by the travel time from an
 *   advance detector to the stop line, and the share falling in the approach's green;
 * - approach delay: vehicles arriving on red wait until the next green (total vehicle-seconds);
 * - split failure (UDOT definition): stop-line occupancy above 0.79 both when the green ends and in
 *   the first 5 s of red, read from the intervals covering those instants;
 * - cycles and green time per approach.
 */
import type { IntersectionModel } from './model.js';

/** A stage green from start to end (end = when the stage's yellow began), milliseconds. */
export interface GreenInterval {
  stageId: string;
  startMs: number;
  endMs: number;
}

export interface CountRecord {
  detectorId: string;
  startMs: number;
  intervalS: number;
  volume: number;
  occupancyRatio: number;
}

export interface MeasureOptions {
  /** Occupancy above which the queue did not clear (UDOT: 0.79). */
  splitFailureOccupancy: number;
  /** How far into red the second occupancy reading is taken. */
  splitFailureRedProbeS: number;
  /** Speed from an advance detector to the stop line, for the arrival shift (50 km/h). */
  approachSpeedMps: number;
}

export const DEFAULT_MEASURES: MeasureOptions = {
  splitFailureOccupancy: 0.79,
  splitFailureRedProbeS: 5,
  approachSpeedMps: 13.9,
};

export interface ApproachBin {
  approachId: string;
  binStartMs: number;
  volume: number;
  arrivalsOnGreen: number;
  cycles: number;
  splitFailures: number;
  greenS: number;
  totalDelayVehS: number;
}

export interface ApproachMeasureSummary {
  approachId: string;
  volume: number;
  volumePerHour: number;
  arrivalsOnGreen: number;
  arrivalsOnGreenRatio: number;
  /** Share arriving on green over share of time green; above 1 is good progression. */
  platoonRatio: number;
  cycles: number;
  splitFailures: number;
  greenS: number;
  totalDelayVehS: number;
  meanDelayS: number;
  bins: ApproachBin[];
}

export interface MeasureResult {
  fromMs: number;
  toMs: number;
  approaches: ApproachMeasureSummary[];
  /** Intervals present over intervals expected (one per detector per interval length). */
  dataCompleteness: number;
}

const COUNTING_PREFERENCE = ['advance', 'count', 'stop-line', 'presence'] as const;
const OCCUPANCY_PREFERENCE = ['stop-line', 'presence', 'count', 'advance'] as const;

function pickByKind(
  detectors: readonly { id: string; kind: string }[],
  preference: readonly string[],
): { id: string; kind: string }[] {
  for (const kind of preference) {
    const chosen = detectors.filter((d) => d.kind === kind);
    if (chosen.length > 0) return chosen;
  }
  return [];
}

function overlapMs(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
}

/** Green intervals of the stages that serve an approach, merged where they touch, sorted. */
export function approachGreens(
  model: IntersectionModel,
  approachId: string,
  greens: readonly GreenInterval[],
): { startMs: number; endMs: number }[] {
  const approach = model.approaches.find((a) => a.id === approachId);
  if (!approach) return [];
  const groups = new Set(approach.signalGroupIds);
  const serving = new Set(
    model.stages.filter((stage) => stage.signalGroupIds.some((g) => groups.has(g))).map((stage) => stage.id),
  );
  const intervals = greens
    .filter((g) => serving.has(g.stageId) && g.endMs > g.startMs)
    .map((g) => ({ startMs: g.startMs, endMs: g.endMs }))
    .sort((a, b) => a.startMs - b.startMs);
  const merged: { startMs: number; endMs: number }[] = [];
  for (const interval of intervals) {
    const last = merged.at(-1);
    if (last && interval.startMs <= last.endMs) last.endMs = Math.max(last.endMs, interval.endMs);
    else merged.push({ ...interval });
  }
  return merged;
}

function occupancyAt(
  counts: readonly CountRecord[],
  detectorIds: ReadonlySet<string>,
  atMs: number,
): number | undefined {
  let highest: number | undefined;
  for (const count of counts) {
    if (!detectorIds.has(count.detectorId)) continue;
    if (atMs >= count.startMs && atMs < count.startMs + count.intervalS * 1000) {
      highest = Math.max(highest ?? 0, count.occupancyRatio);
    }
  }
  return highest;
}

/**
 * Measures per approach over [fromMs, toMs), in bins of binMs (bins start at fromMs). Counts are
 * assigned to bins by their interval start; greens may extend past the window and are clipped.
 */
export function computeMeasures(
  model: IntersectionModel,
  input: {
    fromMs: number;
    toMs: number;
    binMs: number;
    greens: readonly GreenInterval[];
    counts: readonly CountRecord[];
  },
  options: MeasureOptions = DEFAULT_MEASURES,
): MeasureResult {
  const { fromMs, toMs } = input;
  const binMs = input.binMs > 0 ? input.binMs : toMs - fromMs;
  const binCount = Math.max(1, Math.ceil((toMs - fromMs) / binMs));
  const binIndex = (atMs: number) => Math.min(binCount - 1, Math.max(0, Math.floor((atMs - fromMs) / binMs)));
  const windowCounts = input.counts.filter((c) => c.startMs >= fromMs && c.startMs < toMs);
  const approaches: ApproachMeasureSummary[] = [];

  for (const approach of model.approaches) {
    const onApproach = model.detectors.filter((d) => d.approachId === approach.id);
    const counting = pickByKind(onApproach, COUNTING_PREFERENCE);
    const countingIds = new Set(counting.map((d) => d.id));
    const occupancyIds = new Set(pickByKind(onApproach, OCCUPANCY_PREFERENCE).map((d) => d.id));
    const distanceOf = new Map(
      onApproach.map((d) => [d.id, d.kind === 'advance' ? (d.distanceFromStopLineM ?? 0) : 0]),
    );
    const greens = approachGreens(model, approach.id, input.greens);
    const bins: ApproachBin[] = Array.from({ length: binCount }, (_, i) => ({
      approachId: approach.id,
      binStartMs: fromMs + i * binMs,
      volume: 0,
      arrivalsOnGreen: 0,
      cycles: 0,
      splitFailures: 0,
      greenS: 0,
      totalDelayVehS: 0,
    }));

    for (const count of windowCounts) {
      if (!countingIds.has(count.detectorId) || count.volume <= 0) continue;
      const bin = bins[binIndex(count.startMs)];
      if (!bin) continue;
      bin.volume += count.volume;
      const shiftMs = ((distanceOf.get(count.detectorId) ?? 0) / options.approachSpeedMps) * 1000;
      const start = count.startMs + shiftMs;
      const end = start + count.intervalS * 1000;
      const perMs = count.volume / (end - start);
      let greenMs = 0;
      for (const green of greens) greenMs += overlapMs(start, end, green.startMs, green.endMs);
      bin.arrivalsOnGreen += perMs * greenMs;
      // Red stretches inside the interval: arrivals there wait until the next green starts.
      let cursor = start;
      for (const green of [
        ...greens,
        { startMs: Number.POSITIVE_INFINITY, endMs: Number.POSITIVE_INFINITY },
      ]) {
        if (green.endMs <= cursor) continue;
        const redEnd = Math.min(end, green.startMs);
        if (redEnd > cursor) {
          const arrivals = perMs * (redEnd - cursor);
          const waitUntil = Number.isFinite(green.startMs) ? green.startMs : Math.max(end, toMs);
          const meanArrival = (cursor + redEnd) / 2;
          bin.totalDelayVehS += (arrivals * (waitUntil - meanArrival)) / 1000;
        }
        cursor = Math.max(cursor, green.endMs);
        if (cursor >= end) break;
      }
    }

    for (const green of greens) {
      const clippedStart = Math.max(green.startMs, fromMs);
      const clippedEnd = Math.min(green.endMs, toMs);
      if (green.startMs >= fromMs && green.startMs < toMs) {
        const bin = bins[binIndex(green.startMs)];
        if (bin) bin.cycles += 1;
      }
      if (clippedEnd > clippedStart) {
        // Green time lands in the bin where the green started (or the first bin when clipped).
        const bin = bins[binIndex(clippedStart)];
        if (bin) bin.greenS += (clippedEnd - clippedStart) / 1000;
      }
      if (green.endMs >= fromMs && green.endMs < toMs && occupancyIds.size > 0) {
        const atEnd = occupancyAt(windowCounts, occupancyIds, green.endMs - 1);
        const inRed = occupancyAt(
          windowCounts,
          occupancyIds,
          green.endMs + options.splitFailureRedProbeS * 1000,
        );
        if (
          atEnd !== undefined &&
          inRed !== undefined &&
          atEnd > options.splitFailureOccupancy &&
          inRed > options.splitFailureOccupancy
        ) {
          const bin = bins[binIndex(green.endMs)];
          if (bin) bin.splitFailures += 1;
        }
      }
    }

    const volume = bins.reduce((s, b) => s + b.volume, 0);
    const arrivalsOnGreen = bins.reduce((s, b) => s + b.arrivalsOnGreen, 0);
    const greenS = bins.reduce((s, b) => s + b.greenS, 0);
    const totalDelayVehS = bins.reduce((s, b) => s + b.totalDelayVehS, 0);
    const windowS = (toMs - fromMs) / 1000;
    const aogRatio = volume > 0 ? arrivalsOnGreen / volume : 0;
    const greenShare = windowS > 0 ? greenS / windowS : 0;
    approaches.push({
      approachId: approach.id,
      volume,
      volumePerHour: windowS > 0 ? (volume * 3600) / windowS : 0,
      arrivalsOnGreen,
      arrivalsOnGreenRatio: aogRatio,
      platoonRatio: greenShare > 0 ? aogRatio / greenShare : 0,
      cycles: bins.reduce((s, b) => s + b.cycles, 0),
      splitFailures: bins.reduce((s, b) => s + b.splitFailures, 0),
      greenS,
      totalDelayVehS,
      meanDelayS: volume > 0 ? totalDelayVehS / volume : 0,
      bins,
    });
  }

  return { fromMs, toMs, approaches, dataCompleteness: completeness(model, windowCounts, fromMs, toMs) };
}

function completeness(
  model: IntersectionModel,
  counts: readonly CountRecord[],
  fromMs: number,
  toMs: number,
): number {
  if (model.detectors.length === 0) return 0;
  const intervals = counts.map((c) => c.intervalS).sort((a, b) => a - b);
  const typicalS = intervals[Math.floor(intervals.length / 2)];
  if (typicalS === undefined) return 0;
  const expected = model.detectors.length * Math.max(1, Math.floor((toMs - fromMs) / 1000 / typicalS));
  const present = new Set(counts.map((c) => `${c.detectorId}@${c.startMs}`)).size;
  return Math.min(1, present / expected);
}
