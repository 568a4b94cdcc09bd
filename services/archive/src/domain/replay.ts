/**
 * Replay rules (pure): run ids and namespaces, speed, state changes, the merge order of archived
 * streams and the pacing of their publication.
 */
import { randomBytes } from 'node:crypto';

export type ReplayState = 'pending' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';
export type ReplayAction = 'pause' | 'resume' | 'cancel';

export const TERMINAL_STATES: ReadonlySet<ReplayState> = new Set(['completed', 'cancelled', 'failed']);

/** A fresh run id: time-ordered, lower-case, usable in topic, group and schema names. */
export function newRunId(now: number, random: () => Buffer = () => randomBytes(3)): string {
  return `r${now.toString(36)}-${random().toString('hex')}`;
}

export const RUN_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The topic namespace a run publishes into (`replay.<run-id>`). */
export function replayNamespace(runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw new RangeError(`invalid run id ${runId}`);
  return `replay.${runId}`;
}

/** `1`, `10`, `60`, ... or `max` (0: as fast as possible). */
export function parseSpeed(text: string): number {
  if (text === 'max') return 0;
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed <= 0)
    throw new RangeError(`speed must be a positive number or "max", got ${text}`);
  return speed;
}

export function describeSpeed(speed: number): string {
  return speed === 0 ? 'max' : `${speed}x`;
}

/** The state an action leads to, or an error saying why the run cannot take it. */
export function nextState(current: ReplayState, action: ReplayAction): ReplayState {
  if (TERMINAL_STATES.has(current)) throw new StateError(`run is already ${current}`);
  switch (action) {
    case 'pause':
      if (current === 'paused') throw new StateError('run is already paused');
      return 'paused';
    case 'resume':
      if (current !== 'paused') throw new StateError(`only a paused run can resume (run is ${current})`);
      return 'running';
    case 'cancel':
      return 'cancelled';
  }
}

export class StateError extends Error {
  override name = 'StateError';
}

/** The position of an archived event in the replay: merge key of the streams. */
export interface ReplayPosition {
  /**
   * Event time, raised to the latest earlier event time of the same topic-partition: an event that
   * arrived late on the bus is replayed right after its predecessor, never before it, so each key's
   * order (one key = one partition) is kept while the streams interleave by event time.
   */
  replayTime: number;
  offset: number;
  topic: string;
  partition: number;
}

/** Global replay order: replay time, then offset, then topic and partition (a total order). */
export function comparePositions(a: ReplayPosition, b: ReplayPosition): number {
  return (
    a.replayTime - b.replayTime ||
    a.offset - b.offset ||
    (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) ||
    a.partition - b.partition
  );
}

/**
 * When an event is due on the wall clock: its distance in event time from the first replayed event,
 * divided by the speed, after the wall time the run started, plus the time spent paused. Speed 0
 * (max) is due at once.
 */
export function dueAt(
  pacing: { wallStart: number; firstEventTime: number; speed: number; pausedMs: number },
  replayTime: number,
): number {
  if (pacing.speed === 0) return Number.NEGATIVE_INFINITY;
  return pacing.wallStart + pacing.pausedMs + (replayTime - pacing.firstEventTime) / pacing.speed;
}

/** A min-heap, for merging the streams' heads. */
export class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.less(items[left] as T, items[smallest] as T)) smallest = left;
        if (right < items.length && this.less(items[right] as T, items[smallest] as T)) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest] as T, items[i] as T];
        i = smallest;
      }
    }
    return top;
  }
}
