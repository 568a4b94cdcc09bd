import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { HotState } from '../../src/hot-state/index.js';

/**
 * What every HotState adapter promises, run against each of them. makeHotState is called with a
 * namespace unique to the test; the suite closes what it opens, and cleanup() removes leftovers.
 */
export function describeHotStateContract(
  name: string,
  makeHotState: (namespace: string) => HotState,
  cleanup: (namespace: string) => Promise<void> = async () => {},
): void {
  describe(`HotState contract: ${name}`, () => {
    const opened: HotState[] = [];
    const open = (namespace = `test-${randomBytes(6).toString('hex')}`): HotState => {
      const state = makeHotState(namespace);
      opened.push(state);
      return state;
    };
    afterEach(async () => {
      for (const state of opened.splice(0)) {
        for (const key of await state.keys('')) await state.delete(key);
        await cleanup(state.namespace);
        await state.close();
      }
    });

    it('round-trips binary values byte for byte, including bytes that are not UTF-8', async () => {
      const state = open();
      const bytes = new Uint8Array([0, 255, 254, 0x80, 10, 0, 7]);
      await state.set('feed/vehicle-positions', bytes);
      const read = await state.get('feed/vehicle-positions');
      expect(read).toBeInstanceOf(Buffer);
      expect([...(read ?? [])]).toEqual([...bytes]);
    });

    it('stores a copy: mutating the caller buffer afterwards changes nothing', async () => {
      const state = open();
      const bytes = Buffer.from([1, 2, 3]);
      await state.set('k', bytes);
      bytes[0] = 9;
      expect([...((await state.get('k')) ?? [])]).toEqual([1, 2, 3]);
    });

    it('round-trips strings, overwrites, and reports missing keys as undefined', async () => {
      const state = open();
      expect(await state.get('occupancy/P1')).toBeUndefined();
      expect(await state.getString('occupancy/P1')).toBeUndefined();
      await state.set('occupancy/P1', '{"free":12,"label":"Bullring – Süd"}');
      await state.set('occupancy/P1', '{"free":11,"label":"Bullring – Süd"}');
      expect(await state.getString('occupancy/P1')).toBe('{"free":11,"label":"Bullring – Süd"}');
      expect((await state.get('occupancy/P1'))?.toString('utf8')).toBe(
        '{"free":11,"label":"Bullring – Süd"}',
      );
    });

    it('getMany answers in key order with undefined for the missing', async () => {
      const state = open();
      await state.set('v/1', 'one');
      await state.set('v/3', Buffer.from([3]));
      const values = await state.getMany(['v/3', 'v/2', 'v/1']);
      expect(values.map((v) => v?.toString('hex'))).toEqual([
        '03',
        undefined,
        Buffer.from('one').toString('hex'),
      ]);
      expect(await state.getMany([])).toEqual([]);
    });

    it('delete removes and says whether there was something', async () => {
      const state = open();
      await state.set('gone', 'x');
      expect(await state.delete('gone')).toBe(true);
      expect(await state.delete('gone')).toBe(false);
      expect(await state.get('gone')).toBeUndefined();
    });

    it('expires entries after their TTL, everywhere at once', async () => {
      const state = open();
      await state.set('pos/bus-1', 'stale soon', { ttlSeconds: 0.25 });
      await state.set('pos/bus-2', 'stays');
      expect(await state.getString('pos/bus-1')).toBe('stale soon');
      await sleep(400);
      expect(await state.getString('pos/bus-1')).toBeUndefined();
      expect(await state.getMany(['pos/bus-1', 'pos/bus-2'])).toEqual([undefined, Buffer.from('stays')]);
      expect(await state.keys('pos/')).toEqual(['pos/bus-2']);
      expect(await state.delete('pos/bus-1')).toBe(false);
    });

    it('a set without TTL clears an earlier TTL, as Redis SET does', async () => {
      const state = open();
      await state.set('k', 'short', { ttlSeconds: 0.25 });
      await state.set('k', 'forever');
      await sleep(400);
      expect(await state.getString('k')).toBe('forever');
    });

    it('rejects TTLs that would silently do something else', async () => {
      const state = open();
      for (const ttlSeconds of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(state.set('k', 'v', { ttlSeconds })).rejects.toThrow(
          /ttlSeconds must be a positive number/,
        );
      }
      expect(await state.get('k')).toBeUndefined();
    });

    it('lists keys by literal prefix, without the namespace', async () => {
      const state = open();
      await state.set('bus-1', 'a');
      await state.set('bus-2', 'b');
      await state.set('bus*', 'literal star');
      await state.set('tram-1', 'c');
      expect((await state.keys('bus-')).sort()).toEqual(['bus-1', 'bus-2']);
      expect(await state.keys('bus*')).toEqual(['bus*']);
      expect((await state.keys('')).sort()).toEqual(['bus*', 'bus-1', 'bus-2', 'tram-1']);
      expect(await state.keys('nothing')).toEqual([]);
    });

    it('keeps namespaces apart', async () => {
      const avl = open();
      const parking = open();
      await avl.set('shared-key', 'avl');
      await parking.set('shared-key', 'parking');
      expect(await avl.getString('shared-key')).toBe('avl');
      expect(await parking.getString('shared-key')).toBe('parking');
      expect(await avl.keys('')).toEqual(['shared-key']);
      await avl.delete('shared-key');
      expect(await parking.getString('shared-key')).toBe('parking');
    });
  });
}
