import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  dueAt,
  MinHeap,
  newRunId,
  nextState,
  parseSpeed,
  type ReplayPosition,
  RUN_ID_PATTERN,
  replayNamespace,
  StateError,
} from '../../src/domain/replay.js';

describe('replay rules', () => {
  it('makes run ids that fit topic, group and schema names', () => {
    const id = newRunId(Date.UTC(2026, 10, 23), () => Buffer.from([0xab, 0xcd, 0xef]));
    expect(id).toMatch(RUN_ID_PATTERN);
    expect(id.endsWith('-abcdef')).toBe(true);
    expect(replayNamespace(id)).toBe(`replay.${id}`);
    expect(() => replayNamespace('Bad Id')).toThrow();
  });

  it('reads speeds 1, 10, 60 and max', () => {
    expect([parseSpeed('1'), parseSpeed('10'), parseSpeed('60'), parseSpeed('max')]).toEqual([1, 10, 60, 0]);
    expect(() => parseSpeed('0')).toThrow(/speed/);
    expect(() => parseSpeed('fast')).toThrow(/speed/);
  });

  it('paces event time divided by the speed after the start, shifted by pauses', () => {
    const pacing = { wallStart: 1_000, firstEventTime: 60_000, speed: 60, pausedMs: 0 };
    expect(dueAt(pacing, 60_000)).toBe(1_000);
    expect(dueAt(pacing, 120_000)).toBe(2_000);
    expect(dueAt({ ...pacing, pausedMs: 500 }, 120_000)).toBe(2_500);
    expect(dueAt({ ...pacing, speed: 0 }, 9e12)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('allows pause, resume and cancel only where they make sense', () => {
    expect(nextState('running', 'pause')).toBe('paused');
    expect(nextState('pending', 'pause')).toBe('paused');
    expect(nextState('paused', 'resume')).toBe('running');
    expect(nextState('paused', 'cancel')).toBe('cancelled');
    expect(() => nextState('running', 'resume')).toThrow(StateError);
    expect(() => nextState('completed', 'cancel')).toThrow(/already completed/);
    expect(() => nextState('paused', 'pause')).toThrow(StateError);
  });

  it('orders by replay time, then offset, then topic and partition', () => {
    const at = (replayTime: number, offset: number, topic = 'a', partition = 0): ReplayPosition => ({
      replayTime,
      offset,
      topic,
      partition,
    });
    const sorted = [at(2, 0), at(1, 9), at(1, 3, 'b'), at(1, 3, 'a', 1), at(1, 3, 'a', 0)].sort(
      comparePositions,
    );
    expect(sorted).toEqual([at(1, 3, 'a', 0), at(1, 3, 'a', 1), at(1, 3, 'b'), at(1, 9), at(2, 0)]);
  });

  it('pops a heap in order whatever was pushed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 })), (values) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        for (const value of values) heap.push(value);
        const popped: number[] = [];
        while (heap.size > 0) popped.push(heap.pop() as number);
        expect(popped).toEqual([...values].sort((a, b) => a - b));
      }),
    );
  });
});
