import { describe, expect, it } from 'vitest';
import { createMemoryHotState } from '../../src/hot-state/index.js';
import { describeHotStateContract } from './contract.js';

describeHotStateContract('memory', (namespace) => createMemoryHotState({ namespace }));

describe('memory hot state specifics', () => {
  it('expires at exactly the TTL on its clock', async () => {
    let now = 1_000_000;
    const state = createMemoryHotState({ namespace: 'clock', now: () => now });
    await state.set('k', 'v', { ttlSeconds: 30 });
    now += 29_999;
    expect(await state.getString('k')).toBe('v');
    now += 1;
    expect(await state.getString('k')).toBeUndefined();
  });

  it('reclaims expired entries nobody reads again', async () => {
    let now = 0;
    const state = createMemoryHotState({ namespace: 'sweep', now: () => now });
    for (let i = 0; i < 5000; i++) await state.set(`pos/${i}`, 'x', { ttlSeconds: 1 });
    now += 2000;
    await state.set('alive', 'y');
    expect(await state.keys('')).toEqual(['alive']);
  });

  it('refuses namespaces that could collide or glob', () => {
    expect(() => createMemoryHotState({ namespace: '' })).toThrow(RangeError);
    expect(() => createMemoryHotState({ namespace: 'avl:*' })).toThrow(RangeError);
  });

  it('fails loudly after close', async () => {
    const state = createMemoryHotState({ namespace: 'closed' });
    await state.close();
    await expect(state.get('k')).rejects.toThrow(/closed/);
  });
});
