import { walkSeconds } from './geo.js';
import { DROP_OFF, PICKUP, type RaptorNet, STEP_BARRIER, type Timetable } from './timetable.js';

/** "Never": larger than any time, small enough that adding a day cannot overflow an Int32. */
export const INF = 0x3fffffff;
/** Trips per journey the engine can hold (maxTransfers + 1 <= MAX_TRIPS). */
export const MAX_TRIPS = 9;

/**
 * A way into (source) or out of (target) the network at a stop. `exact` marks the stop the caller
 * named: there the label counts as "arrived by vehicle", so a footpath may follow a source and
 * precede a target; a walked or driven access/egress may not be chained with a footpath.
 */
export interface Access {
  stop: number;
  seconds: number;
  exact: boolean;
  /** Caller's index of the option, echoed in the reconstructed journey. */
  tag: number;
}

/** A trip run as the search sees it: the static pattern or a realtime re-sorted copy. */
export interface Block {
  count: number;
  arr: Int32Array;
  dep: Int32Array;
  /** Base of the block's trips in arr/dep (row q starts at timeBase + q * length). */
  timeBase: number;
  tripOf: Int32Array;
  tripBase: number;
  flags: Uint8Array;
  flagsBase: number;
}

/** Supplies realtime blocks for patterns that carry predictions; undefined = the static pattern. */
export interface BlockSource {
  blocks(pattern: number): readonly Block[] | undefined;
}

export interface SearchSpec {
  net: RaptorNet;
  /** Trips that may be used (running that day, accessible when asked), by global trip index. */
  usable: Uint8Array;
  realtime: BlockSource | undefined;
  sources: readonly Access[];
  targets: readonly Access[];
  maxTrips: number;
  wheelchair: boolean;
  maxWalkM: number;
  walkSpeedMps: number;
}

export type Segment =
  | { kind: 'access'; tag: number; stop: number }
  | { kind: 'egress'; tag: number; stop: number }
  | { kind: 'walk'; from: number; to: number; distanceM: number; seconds: number }
  | {
      kind: 'transit';
      trip: number;
      pattern: number;
      boardPos: number;
      alightPos: number;
      board: number;
      alight: number;
    };

/** A Pareto-optimal journey found by the search: `trips` rides, arriving (search time) at `arrival`. */
export interface Found {
  trips: number;
  arrival: number;
  /** From target back to source, in search direction. */
  segments: Segment[];
}

const FROM_TRANSIT = -1;
const FROM_SOURCE = -2;

/**
 * RAPTOR (Delling, Pajor, Werneck 2012) with reusable buffers. Round k holds the best arrival
 * with exactly k rides, in two labels per stop: arriving by vehicle (or at the named origin),
 * and arriving on foot. Walking is only relaxed from the first, so a plan never walks two
 * footpaths in a row. Pruning uses the best arrival so far (local and target pruning); in range
 * mode (rRAPTOR, labels kept across departure times) it uses the per-round labels instead,
 * since a label of a later departure may hold more rides than the current round.
 */
export class RaptorEngine {
  private readonly n: number;
  private readonly rounds = MAX_TRIPS + 1;
  private readonly arrT: Int32Array;
  private readonly arrA: Int32Array;
  private readonly bestT: Int32Array;
  private readonly bestA: Int32Array;
  private readonly walkFrom: Int32Array;
  private readonly backTrip: Int32Array;
  private readonly backBoard: Int32Array;
  private readonly backAlight: Int32Array;
  private readonly sourceTag: Int32Array;
  private readonly marked: Uint8Array;
  private readonly markedList: Int32Array;
  private markedCount = 0;
  private readonly patternStart: Int32Array;
  private readonly patternQueue: Int32Array;
  private readonly egressSeconds: Int32Array;
  private readonly egressAny: Uint8Array;
  private readonly egressTag: Int32Array;
  private readonly targetLabel: Int32Array;
  private readonly targetVia: Int32Array;
  private readonly targetViaAny: Uint8Array;
  private readonly targetImproved: Uint8Array;
  private targetBound = INF;
  private range = false;
  private spec!: SearchSpec;

  constructor(timetable: Timetable) {
    const n = timetable.stopCount;
    const size = this.rounds * n;
    this.n = n;
    this.arrT = new Int32Array(size);
    this.arrA = new Int32Array(size);
    this.walkFrom = new Int32Array(size);
    this.backTrip = new Int32Array(size);
    this.backBoard = new Int32Array(size);
    this.backAlight = new Int32Array(size);
    this.bestT = new Int32Array(n);
    this.bestA = new Int32Array(n);
    this.sourceTag = new Int32Array(n);
    this.marked = new Uint8Array(n);
    this.markedList = new Int32Array(n);
    this.patternStart = new Int32Array(timetable.patternCount).fill(-1);
    this.patternQueue = new Int32Array(timetable.patternCount);
    this.egressSeconds = new Int32Array(n).fill(-1);
    this.egressAny = new Uint8Array(n);
    this.egressTag = new Int32Array(n);
    this.targetLabel = new Int32Array(this.rounds);
    this.targetVia = new Int32Array(this.rounds);
    this.targetViaAny = new Uint8Array(this.rounds);
    this.targetImproved = new Uint8Array(this.rounds);
  }

  /** Earliest arrivals (Pareto over rides) leaving at `start`. */
  search(spec: SearchSpec, start: number): Found[] {
    this.begin(spec, false);
    // The buffers outlive the query: a throw (e.g. in reconstruct) must still leave them clean,
    // or the stale egress/marks would leak into every later query on this timetable.
    let clean = false;
    try {
      this.run(start);
      const found = this.collect();
      clean = true;
      return found;
    } finally {
      this.end(clean);
    }
  }

  /**
   * rRAPTOR: every Pareto-optimal journey (departure, arrival, rides) leaving within
   * [start, start + window]. Departures are tried latest first without clearing labels.
   */
  searchRange(spec: SearchSpec, start: number, window: number): Found[] {
    this.begin(spec, true);
    let clean = false;
    try {
      const found: Found[] = [];
      for (const departure of this.departureTimes(start, window)) {
        this.run(departure);
        found.push(...this.collect());
      }
      clean = true;
      return found;
    } finally {
      this.end(clean);
    }
  }

  private begin(spec: SearchSpec, range: boolean): void {
    this.spec = spec;
    this.range = range;
    const used = (spec.maxTrips + 1) * this.n;
    this.arrT.fill(INF, 0, used);
    this.arrA.fill(INF, 0, used);
    this.bestT.fill(INF);
    this.bestA.fill(INF);
    this.targetLabel.fill(INF);
    for (const target of spec.targets) {
      const current = this.egressSeconds[target.stop] as number;
      // Several ways out at one stop: keep the quickest.
      if (current < 0 || target.seconds < current) {
        this.egressSeconds[target.stop] = target.seconds;
        this.egressAny[target.stop] = target.exact ? 1 : 0;
        this.egressTag[target.stop] = target.tag;
      }
    }
  }

  private end(clean: boolean): void {
    for (const target of this.spec.targets) this.egressSeconds[target.stop] = -1;
    if (clean) return;
    // An aborted run may leave marks and queued pattern starts behind; a finished one resets them.
    this.marked.fill(0);
    this.markedCount = 0;
    this.patternStart.fill(-1);
  }

  /**
   * Departure times within the window, latest first (rRAPTOR's outer loop): those of the trips at
   * the sources and, for a named stop (which a footpath may follow), at the stops one footpath away,
   * less the walk. Without the latter, a journey that walks to a neighbouring stop first is found
   * only when some departure at the source itself happens to fall at the right time.
   */
  private departureTimes(start: number, window: number): number[] {
    const { net, usable, realtime, maxWalkM, walkSpeedMps } = this.spec;
    const { foot } = net;
    const times = new Set<number>([start]);
    const boardings: Array<{ stop: number; seconds: number }> = [];
    for (const source of this.spec.sources) {
      boardings.push({ stop: source.stop, seconds: source.seconds });
      if (!source.exact) continue;
      for (let e = foot.offset[source.stop] as number; e < (foot.offset[source.stop + 1] as number); e++) {
        const d = foot.dist[e] as number;
        if (d > maxWalkM) break;
        const walk = Math.max(walkSeconds(d, walkSpeedMps), foot.minTime[e] as number);
        boardings.push({ stop: foot.to[e] as number, seconds: source.seconds + walk });
      }
    }
    for (const source of boardings) {
      for (
        let e = net.stopPatternOffset[source.stop] as number;
        e < (net.stopPatternOffset[source.stop + 1] as number);
        e++
      ) {
        const p = net.stopPatterns[e] as number;
        const pos = net.stopPatternPos[e] as number;
        if (((net.patternFlags[(net.patternStopOffset[p] as number) + pos] as number) & PICKUP) === 0)
          continue;
        const len = (net.patternStopOffset[p + 1] as number) - (net.patternStopOffset[p] as number);
        for (const block of realtime?.blocks(p) ?? [staticBlock(net, p)]) {
          for (let q = 0; q < block.count; q++) {
            if (!usable[block.tripOf[block.tripBase + q] as number]) continue;
            const leave = (block.dep[block.timeBase + q * len + pos] as number) - source.seconds;
            if (leave >= start && leave <= start + window) times.add(leave);
          }
        }
      }
    }
    return [...times].sort((a, b) => b - a);
  }

  private run(start: number): void {
    const { arrT, arrA } = this;
    const maxTrips = this.spec.maxTrips;
    this.targetImproved.fill(0);
    this.markedCount = 0;
    for (const source of this.spec.sources) {
      const t = start + source.seconds;
      const s = source.stop;
      if (source.exact) {
        if (t < (arrT[s] as number)) {
          arrT[s] = t;
          this.bestT[s] = Math.min(this.bestT[s] as number, t);
          this.sourceTag[s] = source.tag;
          this.setAny(0, s, t, FROM_TRANSIT);
          // The named origin stop may itself be a way out (e.g. walk from it to a destination point).
          const egress = this.egressSeconds[s] as number;
          if (egress >= 0) this.offerTarget(0, s, t + egress, false);
        }
      } else if (t < (arrA[s] as number)) {
        this.sourceTag[s] = source.tag;
        this.setAny(0, s, t, FROM_SOURCE);
      }
    }
    this.targetBound = this.boundAt(0);
    this.relaxFootpaths(0, this.markedCount);
    for (let k = 1; k <= maxTrips; k++) {
      if (this.markedCount === 0) break;
      this.targetBound = this.boundAt(k);
      const queued = this.queuePatterns();
      for (let i = 0; i < queued; i++) {
        const p = this.patternQueue[i] as number;
        const from = this.patternStart[p] as number;
        this.patternStart[p] = -1;
        this.scanPattern(k, p, from);
      }
      this.relaxFootpaths(k, this.markedCount);
    }
    // Marks left by the last round would leak into the next search.
    for (let i = 0; i < this.markedCount; i++) this.marked[this.markedList[i] as number] = 0;
    this.markedCount = 0;
  }

  /** Best target arrival with at most k rides: the bound for target pruning in round k. */
  private boundAt(k: number): number {
    let bound = INF;
    for (let j = 0; j <= k; j++) bound = Math.min(bound, this.targetLabel[j] as number);
    return bound;
  }

  private mark(s: number): void {
    if (this.marked[s]) return;
    this.marked[s] = 1;
    this.markedList[this.markedCount++] = s;
  }

  /** Turns the stops marked in the previous round into patterns to scan, each from its first marked stop. */
  private queuePatterns(): number {
    const { net } = this.spec;
    let queued = 0;
    for (let i = 0; i < this.markedCount; i++) {
      const s = this.markedList[i] as number;
      this.marked[s] = 0;
      for (let e = net.stopPatternOffset[s] as number; e < (net.stopPatternOffset[s + 1] as number); e++) {
        const p = net.stopPatterns[e] as number;
        const pos = net.stopPatternPos[e] as number;
        const current = this.patternStart[p] as number;
        if (current < 0) {
          this.patternQueue[queued++] = p;
          this.patternStart[p] = pos;
        } else if (pos < current) this.patternStart[p] = pos;
      }
    }
    this.markedCount = 0;
    return queued;
  }

  private scanPattern(k: number, p: number, from: number): void {
    const { net, realtime } = this.spec;
    const blocks = realtime?.blocks(p);
    if (blocks === undefined) {
      const to = net.patternTripOffset[p] as number;
      this.scanBlock(
        k,
        p,
        from,
        net.arr,
        net.dep,
        net.patternTimeOffset[p] as number,
        (net.patternTripOffset[p + 1] as number) - to,
        net.slotTrip,
        to,
        net.patternFlags,
        net.patternStopOffset[p] as number,
      );
      return;
    }
    for (const b of blocks)
      this.scanBlock(
        k,
        p,
        from,
        b.arr,
        b.dep,
        b.timeBase,
        b.count,
        b.tripOf,
        b.tripBase,
        b.flags,
        b.flagsBase,
      );
  }

  /**
   * The route scan: ride the current trip along the pattern, alight where it improves a stop, and
   * switch to an earlier trip wherever the previous round reached a stop in time for one.
   */
  private scanBlock(
    k: number,
    p: number,
    from: number,
    arr: Int32Array,
    dep: Int32Array,
    timeBase: number,
    count: number,
    tripOf: Int32Array,
    tripBase: number,
    flags: Uint8Array,
    flagsBase: number,
  ): void {
    if (count === 0) return;
    const { n, arrT, arrA, bestT, range } = this;
    const { net, usable } = this.spec;
    const stopBase = net.patternStopOffset[p] as number;
    const len = (net.patternStopOffset[p + 1] as number) - stopBase;
    const cur = k * n;
    const prev = cur - n;
    const barrier = this.spec.wheelchair ? STEP_BARRIER : 0;
    let trip = -1;
    let row = 0;
    let boardPos = -1;
    for (let i = from; i < len; i++) {
      const s = net.patternStops[stopBase + i] as number;
      const f = flags[flagsBase + i] as number;
      if ((f & barrier) !== 0) continue;
      if (trip >= 0 && (f & DROP_OFF) !== 0) {
        const a = arr[row + i] as number;
        const prune = range ? (arrT[cur + s] as number) : (bestT[s] as number);
        if (a < prune && a < this.targetBound) {
          arrT[cur + s] = a;
          if (a < (bestT[s] as number)) bestT[s] = a;
          this.backTrip[cur + s] = tripOf[tripBase + trip] as number;
          this.backBoard[cur + s] = boardPos;
          this.backAlight[cur + s] = i;
          this.setAny(k, s, a, FROM_TRANSIT);
          this.mark(s);
          const egress = this.egressSeconds[s] as number;
          if (egress >= 0) this.offerTarget(k, s, a + egress, false);
        }
      }
      if ((f & PICKUP) !== 0) {
        const ready = arrA[prev + s] as number;
        if (ready < INF && (trip < 0 || ready <= (dep[row + i] as number))) {
          // Earliest usable trip leaving at or after `ready`, among those before the current one.
          let lo = 0;
          let hi = trip < 0 ? count : trip;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if ((dep[timeBase + mid * len + i] as number) < ready) lo = mid + 1;
            else hi = mid;
          }
          const end = trip < 0 ? count : trip;
          while (lo < end && !usable[tripOf[tripBase + lo] as number]) lo++;
          if (lo < end) {
            trip = lo;
            row = timeBase + lo * len;
            boardPos = i;
          }
        }
      }
    }
  }

  /** Sets the on-foot-or-vehicle label of stop s in round k when it improves. */
  private setAny(k: number, s: number, t: number, via: number): void {
    const at = k * this.n + s;
    if (t < (this.arrA[at] as number)) {
      this.arrA[at] = t;
      this.walkFrom[at] = via;
      if (t < (this.bestA[s] as number)) this.bestA[s] = t;
      this.mark(s);
    }
  }

  private offerTarget(k: number, s: number, t: number, viaAny: boolean): void {
    if (t < (this.targetLabel[k] as number)) {
      this.targetLabel[k] = t;
      this.targetVia[k] = s;
      this.targetViaAny[k] = viaAny ? 1 : 0;
      this.targetImproved[k] = 1;
      if (t < this.targetBound) this.targetBound = t;
    }
  }

  /** Walks once from every stop reached by vehicle in round k (the first `count` marked stops). */
  private relaxFootpaths(k: number, count: number): void {
    const { n, arrT, arrA, bestA, range } = this;
    const { foot } = this.spec.net;
    const { maxWalkM, walkSpeedMps } = this.spec;
    const cur = k * n;
    for (let i = 0; i < count; i++) {
      const s = this.markedList[i] as number;
      const t0 = arrT[cur + s] as number;
      if (t0 >= INF) continue;
      for (let e = foot.offset[s] as number; e < (foot.offset[s + 1] as number); e++) {
        const d = foot.dist[e] as number;
        if (d > maxWalkM) break;
        const u = foot.to[e] as number;
        const t = t0 + Math.max(walkSeconds(d, walkSpeedMps), foot.minTime[e] as number);
        const prune = range ? (arrA[cur + u] as number) : (bestA[u] as number);
        if (t < prune && t < this.targetBound) {
          arrA[cur + u] = t;
          this.walkFrom[cur + u] = s;
          if (t < (bestA[u] as number)) bestA[u] = t;
          this.mark(u);
          const egress = this.egressSeconds[u] as number;
          if (egress >= 0 && this.egressAny[u]) this.offerTarget(k, u, t + egress, true);
        }
      }
    }
    // Walked access labels of round 0 may themselves be the destination stop.
    if (k === 0) {
      for (let i = 0; i < this.markedCount; i++) {
        const s = this.markedList[i] as number;
        const egress = this.egressSeconds[s] as number;
        if (egress >= 0 && this.egressAny[s] && (arrA[s] as number) < INF)
          this.offerTarget(0, s, (arrA[s] as number) + egress, true);
      }
    }
  }

  /** Journeys for the target labels this run improved that beat every label with fewer rides. */
  private collect(): Found[] {
    const found: Found[] = [];
    let fewer = INF;
    for (let k = 0; k <= this.spec.maxTrips; k++) {
      const t = this.targetLabel[k] as number;
      if (this.targetImproved[k] && t < fewer)
        found.push({ trips: k, arrival: t, segments: this.reconstruct(k) });
      if (t < fewer) fewer = t;
    }
    return found;
  }

  private reconstruct(round: number): Segment[] {
    const { n, spec } = this;
    const { net } = spec;
    let k = round;
    let s = this.targetVia[k] as number;
    let any = this.targetViaAny[k] === 1;
    const segments: Segment[] = [{ kind: 'egress', tag: this.egressTag[s] as number, stop: s }];
    for (let guard = 0; guard < 4 * MAX_TRIPS + 4; guard++) {
      if (any) {
        const via = this.walkFrom[k * n + s] as number;
        if (via === FROM_SOURCE) {
          segments.push({ kind: 'access', tag: this.sourceTag[s] as number, stop: s });
          return segments;
        }
        if (via >= 0) {
          segments.push(this.walkSegment(via, s));
          s = via;
        }
      }
      if (k === 0) {
        segments.push({ kind: 'access', tag: this.sourceTag[s] as number, stop: s });
        return segments;
      }
      const at = k * n + s;
      const trip = this.backTrip[at] as number;
      const pattern = this.tripPattern(trip);
      const boardPos = this.backBoard[at] as number;
      const board = net.patternStops[(net.patternStopOffset[pattern] as number) + boardPos] as number;
      segments.push({
        kind: 'transit',
        trip,
        pattern,
        boardPos,
        alightPos: this.backAlight[at] as number,
        board,
        alight: s,
      });
      s = board;
      k--;
      any = true;
    }
    throw new Error('journey reconstruction did not reach a source');
  }

  private tripPattern!: (trip: number) => number;
  /** @internal set once by the owner, to map a trip to its pattern without holding the timetable twice. */
  bindTripPattern(tripPattern: Int32Array): this {
    this.tripPattern = (trip) => tripPattern[trip] as number;
    return this;
  }

  private walkSegment(from: number, to: number): Segment {
    const { foot } = this.spec.net;
    for (let e = foot.offset[from] as number; e < (foot.offset[from + 1] as number); e++) {
      if (foot.to[e] === to) {
        const d = foot.dist[e] as number;
        return {
          kind: 'walk',
          from,
          to,
          distanceM: d,
          seconds: Math.max(walkSeconds(d, this.spec.walkSpeedMps), foot.minTime[e] as number),
        };
      }
    }
    throw new Error(`no footpath ${from} -> ${to}`);
  }
}

/** The static pattern as a Block (used where code wants one shape for both). */
export function staticBlock(net: RaptorNet, p: number): Block {
  const to = net.patternTripOffset[p] as number;
  return {
    count: (net.patternTripOffset[p + 1] as number) - to,
    arr: net.arr,
    dep: net.dep,
    timeBase: net.patternTimeOffset[p] as number,
    tripOf: net.slotTrip,
    tripBase: to,
    flags: net.patternFlags,
    flagsBase: net.patternStopOffset[p] as number,
  };
}
