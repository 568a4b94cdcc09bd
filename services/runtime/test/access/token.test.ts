import { describe, expect, it } from 'vitest';
import {
  bearerTokenOf,
  createTokenVerifier,
  issueToken,
  loadAuthSecret,
  TokenError,
  verifyToken,
} from '../../src/access/index.js';
import { ConfigError } from '../../src/config/config.js';

const SECRET = 'test-secret-0123456789abcdef0123456789';
const OTHER_SECRET = 'another-secret-0123456789abcdef012345';

async function failureOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TokenError);
  return (error as TokenError).failure;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('issueToken / verifyToken', () => {
  it('round-trips subject and role', async () => {
    const token = await issueToken({ subject: 'alice@tcc', role: 'operator', ttlSeconds: 60 }, SECRET);
    await expect(verifyToken(token, SECRET)).resolves.toEqual({ subject: 'alice@tcc', role: 'operator' });
  });

  it('puts iss, sub, role, iat and exp in the claims', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const token = await issueToken({ subject: 'svc:routing', role: 'planner', ttlSeconds: 300 }, SECRET, {
      now,
    });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(payload).toEqual({
      iss: 'mobility-mesh',
      sub: 'svc:routing',
      role: 'planner',
      iat: 1767225600,
      exp: 1767225900,
    });
  });

  it('refuses a missing or blank token', async () => {
    expect(await failureOf(verifyToken(undefined, SECRET))).toBe('missing');
    expect(await failureOf(verifyToken('  ', SECRET))).toBe('missing');
  });

  it('refuses a token signed with another secret (forged)', async () => {
    const forged = await issueToken({ subject: 'mallory', role: 'operator', ttlSeconds: 60 }, OTHER_SECRET);
    expect(await failureOf(verifyToken(forged, SECRET))).toBe('bad-signature');
  });

  it('refuses a tampered payload (role raised, signature kept)', async () => {
    const token = await issueToken({ subject: 'bob', role: 'public', ttlSeconds: 60 }, SECRET);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const tampered = `${header}.${base64url({ ...claims, role: 'operator' })}.${signature}`;
    expect(await failureOf(verifyToken(tampered, SECRET))).toBe('bad-signature');
  });

  it('refuses an expired token', async () => {
    const token = await issueToken({ subject: 'alice', role: 'operator', ttlSeconds: 60 }, SECRET, {
      now: new Date(Date.now() - 120_000),
    });
    expect(await failureOf(verifyToken(token, SECRET))).toBe('expired');
  });

  it('refuses an unknown role even when correctly signed', async () => {
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('mobility-mesh')
      .setSubject('eve')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(SECRET));
    expect(await failureOf(verifyToken(token, SECRET))).toBe('unknown-role');
  });

  it('refuses a token from another issuer, without expiry, or with alg none', async () => {
    const { SignJWT, UnsecuredJWT } = await import('jose');
    const key = new TextEncoder().encode(SECRET);
    const otherIssuer = await new SignJWT({ role: 'operator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('someone-else')
      .setSubject('eve')
      .setExpirationTime('1m')
      .sign(key);
    expect(await failureOf(verifyToken(otherIssuer, SECRET))).toBe('wrong-issuer');
    const noExpiry = await new SignJWT({ role: 'operator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('mobility-mesh')
      .setSubject('eve')
      .sign(key);
    expect(await failureOf(verifyToken(noExpiry, SECRET))).toBe('malformed');
    const unsigned = new UnsecuredJWT({ role: 'operator' })
      .setIssuer('mobility-mesh')
      .setSubject('eve')
      .setExpirationTime('1m')
      .encode();
    expect(await failureOf(verifyToken(unsigned, SECRET))).toBe('malformed');
  });

  it('refuses garbage', async () => {
    expect(await failureOf(verifyToken('not-a-jwt', SECRET))).toBe('malformed');
    expect(await failureOf(verifyToken('a.b.c', SECRET))).toBe('malformed');
  });

  it('never puts the token or the secret in the error message', async () => {
    const forged = await issueToken({ subject: 'mallory', role: 'operator', ttlSeconds: 60 }, OTHER_SECRET);
    const error = (await verifyToken(forged, SECRET).catch((caught: unknown) => caught)) as Error;
    expect(error.message).not.toContain(forged);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(OTHER_SECRET);
  });

  it('refuses short secrets and bad requests at issue time', async () => {
    await expect(issueToken({ subject: 'a', role: 'operator', ttlSeconds: 60 }, 'short')).rejects.toThrow(
      /32 characters/,
    );
    await expect(issueToken({ subject: ' ', role: 'operator', ttlSeconds: 60 }, SECRET)).rejects.toThrow(
      /subject/,
    );
    await expect(issueToken({ subject: 'a', role: 'operator', ttlSeconds: 0 }, SECRET)).rejects.toThrow(
      /ttlSeconds/,
    );
    expect(() => createTokenVerifier('short')).toThrow(/32 characters/);
  });
});

describe('loadAuthSecret', () => {
  it('reads MOBILITY_AUTH_SECRET', () => {
    expect(loadAuthSecret({ MOBILITY_AUTH_SECRET: SECRET })).toBe(SECRET);
  });

  it('fails on a missing or short secret without echoing it', () => {
    expect(() => loadAuthSecret({})).toThrow(ConfigError);
    const short = 'tooshort-secret';
    const error = (() => {
      try {
        loadAuthSecret({ MOBILITY_AUTH_SECRET: short });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toContain('MOBILITY_AUTH_SECRET');
    expect(error.message).not.toContain(short);
  });
});

describe('bearerTokenOf', () => {
  it('extracts the token of a Bearer header', () => {
    expect(bearerTokenOf('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerTokenOf('bearer abc')).toBe('abc');
    expect(bearerTokenOf(undefined)).toBeUndefined();
  });

  it('calls another scheme malformed rather than missing', () => {
    expect(() => bearerTokenOf('Basic dXNlcjpwYXNz')).toThrow(TokenError);
  });
});
