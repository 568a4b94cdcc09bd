/**
 * Kafka's default partitioner (murmur2 of the key bytes, positive, modulo the partition count), so
 * the embedded bus places every key in the same partition as a real broker would.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const encoder = new TextEncoder();

export function partitionFor(key: string, partitionCount: number): number {
  return (murmur2(encoder.encode(key)) & 0x7fffffff) % partitionCount;
}

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16);
    k |= (data[i + 3] as number) << 24;
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length % 4;
  if (tail === 3) h ^= (data[whole + 2] as number) << 16;
  if (tail >= 2) h ^= (data[whole + 1] as number) << 8;
  if (tail >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
