import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisHotState } from '../../src/hot-state/index.js';
import { realInfra, requireListening } from '../support/infra.js';
import { describeHotStateContract } from './contract.js';

// One namespace root per run, so parallel runs and leftovers of a crashed run never meet.
const run = `hot-state-test-${randomBytes(4).toString('hex')}`;
let admin: Redis;

beforeAll(async () => {
  await requireListening('Redis', realInfra.redisUrl);
  admin = new Redis(realInfra.redisUrl);
});
afterAll(async () => {
  const leftovers = await admin.keys(`${run}*`);
  if (leftovers.length > 0) await admin.del(...leftovers);
  await admin.quit();
});

describeHotStateContract('redis (own connection from a URL)', (namespace) =>
  createRedisHotState(realInfra.redisUrl, { namespace: `${run}.${namespace}` }),
);

describe('redis hot state specifics', () => {
  it('stores under <namespace>:<key> with a real TTL', async () => {
    const state = createRedisHotState(realInfra.redisUrl, { namespace: `${run}.layout` });
    try {
      await state.set('pos/bus-9', 'x', { ttlSeconds: 60 });
      const ttl = await admin.pttl(`${run}.layout:pos/bus-9`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await state.delete('pos/bus-9');
      await state.close();
    }
  });

  it('borrows a given connection and leaves it open on close', async () => {
    const connection = new Redis(realInfra.redisUrl);
    try {
      const state = createRedisHotState(connection, { namespace: `${run}.borrowed` });
      await state.set('k', 'v');
      await state.close();
      expect(connection.status).toBe('ready');
      expect(await connection.get(`${run}.borrowed:k`)).toBe('v');
      await connection.del(`${run}.borrowed:k`);
    } finally {
      await connection.quit();
    }
  });

  it('refuses namespaces that could collide or glob, before connecting', () => {
    expect(() => createRedisHotState(realInfra.redisUrl, { namespace: 'avl:*' })).toThrow(RangeError);
  });

  it('lists keys across many SCAN pages', async () => {
    const state = createRedisHotState(realInfra.redisUrl, { namespace: `${run}.many` });
    try {
      const keys = Array.from({ length: 1200 }, (_, i) => `vehicle/${i}`);
      await Promise.all(keys.map((key) => state.set(key, '1')));
      expect((await state.keys('vehicle/')).length).toBe(1200);
      expect(await state.getMany(keys.slice(0, 3))).toEqual([
        Buffer.from('1'),
        Buffer.from('1'),
        Buffer.from('1'),
      ]);
    } finally {
      await admin.del(...Array.from({ length: 1200 }, (_, i) => `${run}.many:vehicle/${i}`));
      await state.close();
    }
  });
});
