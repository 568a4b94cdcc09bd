import { describe, expect, it } from 'vitest';
import { ALL_ROLES, decide, definePolicy, methodNameOf } from '../../src/access/index.js';

const policy = definePolicy({
  SetOverride: ['operator'],
  GetIntersection: ALL_ROLES,
  '/mobility.parking.v1.ParkingService/Get': ['operator', 'agency'],
  Get: ['operator'],
  Retired: [],
});

describe('access policy', () => {
  it('allows a listed role and names the method', () => {
    expect(decide(policy, 'SetOverride', { subject: 'alice', role: 'operator' })).toEqual({ allowed: true });
    expect(
      decide(policy, '/mobility.signal.v1.SignalService/SetOverride', { subject: 'a', role: 'operator' }),
    ).toEqual({
      allowed: true,
    });
  });

  it('denies an unlisted role with the allowed roles in the message', () => {
    const decision = decide(policy, '/mobility.signal.v1.SignalService/SetOverride', {
      subject: 'p',
      role: 'public',
    });
    expect(decision).toEqual({
      allowed: false,
      reason: 'role-not-allowed',
      message: 'role public may not call SetOverride (allowed: operator)',
    });
  });

  it('admits every role on an ALL_ROLES method', () => {
    for (const role of ALL_ROLES)
      expect(decide(policy, 'GetIntersection', { subject: 's', role }).allowed).toBe(true);
  });

  it('denies methods missing from the policy, including Object.prototype names', () => {
    for (const method of ['DeleteEverything', '/x.Y/constructor', 'toString', '__proto__']) {
      const decision = decide(policy, method, { subject: 'alice', role: 'operator' });
      expect(decision).toMatchObject({ allowed: false, reason: 'not-in-policy' });
    }
  });

  it('prefers the full path over the bare name', () => {
    const agency = { subject: 'agency', role: 'agency' } as const;
    expect(decide(policy, '/mobility.parking.v1.ParkingService/Get', agency).allowed).toBe(true);
    expect(decide(policy, '/mobility.avl.v1.AvlService/Get', agency).allowed).toBe(false);
  });

  it('treats an empty role list as nobody', () => {
    expect(decide(policy, 'Retired', { subject: 'alice', role: 'operator' })).toMatchObject({
      allowed: false,
      message: 'role operator may not call Retired (allowed: nobody)',
    });
  });

  it('extracts method names from paths', () => {
    expect(methodNameOf('/mobility.signal.v1.SignalService/SetOverride')).toBe('SetOverride');
    expect(methodNameOf('SetOverride')).toBe('SetOverride');
  });
});
