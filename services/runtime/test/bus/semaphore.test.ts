import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/bus/semaphore.js';

describe('Semaphore (publish back-pressure, consumer concurrency)', () => {
  it('never runs more than its size at once and lets every caller through in turn', async () => {
    const slots = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const finished: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        slots.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 2 + (index % 3)));
          running--;
          finished.push(index);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(finished.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });

  it('frees the slot when the work fails', async () => {
    const slots = new Semaphore(1);
    await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(async () => 'next')).resolves.toBe('next');
  });
});
