import { describe, expect, it } from 'vitest';
import { murmur2, partitionFor } from '../../src/bus/partitioner.js';

describe('Kafka-compatible partitioner', () => {
  // Reference values of Kafka's own Utils.murmur2 (its unit tests publish them).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%s) = %i', (input, expected) => {
    expect(murmur2(new TextEncoder().encode(input))).toBe(expected);
  });

  it('spreads keys over every partition and always within range', () => {
    const counts = new Array(6).fill(0);
    for (let index = 0; index < 6000; index++) counts[partitionFor(`bus-${index}`, 6)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});
