import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAgainstPrevious,
  checkPing,
  createPingValidator,
  DEFAULT_LIMITS,
  type PingCandidate,
  serviceAreaAround,
} from '../../src/domain/validation.js';

const NOW = Date.UTC(2026, 1, 16, 17, 0, 0);
const ping = (overrides: Partial<PingCandidate> = {}): PingCandidate => ({
  vehicleId: '5461',
  observedAtMs: NOW - 5_000,
  lat: 38.9235,
  lon: -77.052,
  ...overrides,
});
const reasonOf = (verdict: ReturnType<typeof checkPing>) => (verdict.ok ? 'ok' : verdict.reason);

describe('checkPing (one ping against the clock)', () => {
  it('accepts a fresh fix with a vehicle id and real coordinates', () => {
    expect(checkPing(ping(), NOW)).toEqual({ ok: true });
  });

  it('refuses a missing vehicle id, even if only blanks', () => {
    expect(reasonOf(checkPing(ping({ vehicleId: '  ' }), NOW))).toBe('missing_vehicle_id');
  });

  it.each([
    ['latitude beyond the pole', { lat: 91 }],
    ['longitude beyond the antimeridian', { lon: -181 }],
    ['null island (no fix)', { lat: 0, lon: 0 }],
    ['NaN', { lat: Number.NaN }],
  ])('refuses %s', (_name, overrides) => {
    expect(reasonOf(checkPing(ping(overrides), NOW))).toBe('invalid_coordinates');
  });

  it('refuses a timestamp ahead of the clock beyond the tolerance, with the skew in the message', () => {
    const verdict = checkPing(ping({ observedAtMs: NOW + 5 * 60_000 }), NOW);
    expect(verdict).toEqual({
      ok: false,
      reason: 'timestamp_in_future',
      message: expect.stringContaining('300 s'),
    });
    expect(checkPing(ping({ observedAtMs: NOW + DEFAULT_LIMITS.maxAheadMs }), NOW).ok).toBe(true);
  });

  it('refuses a fix older than the freshness limit as stale', () => {
    expect(reasonOf(checkPing(ping({ observedAtMs: NOW - DEFAULT_LIMITS.maxAgeMs - 1 }), NOW))).toBe('stale');
    expect(checkPing(ping({ observedAtMs: NOW - DEFAULT_LIMITS.maxAgeMs }), NOW).ok).toBe(true);
  });

  it('refuses an unreadable timestamp as malformed', () => {
    expect(reasonOf(checkPing(ping({ observedAtMs: Number.NaN }), NOW))).toBe('malformed');
  });

  it('refuses fixes outside the service area when one is set', () => {
    const area = serviceAreaAround(
      [
        { lat: 38.9, lon: -77.05 },
        { lat: 38.95, lon: -77.0 },
      ],
      1000,
    );
    expect(area).toBeDefined();
    const limits = { ...DEFAULT_LIMITS, ...(area ? { serviceArea: area } : {}) };
    expect(checkPing(ping(), NOW, limits).ok).toBe(true);
    expect(reasonOf(checkPing(ping({ lat: 40.7, lon: -74 }), NOW, limits))).toBe('outside_service_area');
  });

  it('never throws and always answers with a known reason, whatever the numbers', () => {
    fc.assert(
      fc.property(fc.string(), fc.double(), fc.double(), fc.double(), (vehicleId, lat, lon, observedAtMs) => {
        const verdict = checkPing({ vehicleId, lat, lon, observedAtMs }, NOW);
        if (verdict.ok) {
          expect(Math.abs(lat)).toBeLessThanOrEqual(90);
          expect(Math.abs(observedAtMs - NOW)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxAgeMs);
        } else expect(verdict.message.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('checkAgainstPrevious (the vehicle history)', () => {
  const previous = { observedAtMs: NOW - 30_000, lat: 38.9235, lon: -77.052 };

  it('refuses the same fix time again as a duplicate', () => {
    expect(reasonOf(checkAgainstPrevious(ping({ observedAtMs: previous.observedAtMs }), previous))).toBe(
      'duplicate',
    );
  });

  it('refuses an older fix as out of order', () => {
    expect(
      reasonOf(checkAgainstPrevious(ping({ observedAtMs: previous.observedAtMs - 1000 }), previous)),
    ).toBe('out_of_order');
  });

  it('accepts a bus covering 300 m in 30 s and refuses a jump of 5 km in 30 s', () => {
    // 0.0027 degrees of latitude ~ 300 m
    expect(checkAgainstPrevious(ping({ lat: previous.lat + 0.0027 }), previous).ok).toBe(true);
    const verdict = checkAgainstPrevious(ping({ lat: previous.lat + 0.045 }), previous);
    expect(reasonOf(verdict)).toBe('implausible_jump');
    expect(verdict.ok ? '' : verdict.message).toMatch(/m\/s/);
  });

  it('tolerates GPS noise of a few dozen metres between fixes one second apart', () => {
    const noisy = ping({ observedAtMs: previous.observedAtMs + 1000, lat: previous.lat + 0.0004 });
    expect(checkAgainstPrevious(noisy, previous).ok).toBe(true);
  });
});

describe('createPingValidator', () => {
  it('remembers only accepted fixes, so a ping whose processing failed is not its own duplicate', () => {
    const validator = createPingValidator();
    const first = ping();
    expect(validator.check(first, NOW).ok).toBe(true);
    // Not accepted yet (storage failed): the retry passes again.
    expect(validator.check(first, NOW).ok).toBe(true);
    validator.accept(first);
    expect(reasonOf(validator.check(first, NOW))).toBe('duplicate');
    expect(reasonOf(validator.check(ping({ observedAtMs: first.observedAtMs - 1 }), NOW))).toBe(
      'out_of_order',
    );
    expect(validator.check(ping({ observedAtMs: first.observedAtMs + 30_000 }), NOW + 30_000).ok).toBe(true);
  });

  it('keeps vehicles apart and forgets silent ones', () => {
    const validator = createPingValidator();
    validator.accept(ping({ vehicleId: 'a' }));
    expect(validator.check(ping({ vehicleId: 'b' }), NOW).ok).toBe(true);
    validator.forgetBefore(NOW);
    expect(validator.last('a')).toBeUndefined();
    expect(validator.check(ping({ vehicleId: 'a' }), NOW).ok).toBe(true);
  });

  it('reads limits through a function, so a service area set later applies', () => {
    let limits = DEFAULT_LIMITS;
    const validator = createPingValidator(() => limits);
    const far = ping({ lat: 51.5, lon: -0.12 });
    expect(validator.check(far, NOW).ok).toBe(true);
    limits = { ...DEFAULT_LIMITS, serviceArea: { minLat: 38, maxLat: 40, minLon: -78, maxLon: -76 } };
    expect(reasonOf(validator.check(far, NOW))).toBe('outside_service_area');
  });
});
