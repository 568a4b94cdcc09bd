import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, issueToken, requireRole } from '../../src/access/index.js';

const SECRET = 'test-secret-0123456789abcdef0123456789';

describe('requireRole (fastify)', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    const verifier = createTokenVerifier(SECRET);
    app.post('/v1/overrides', { onRequest: requireRole(['operator'], verifier) }, async (request) => ({
      by: request.principal?.subject,
    }));
    await app.ready();
  });
  afterAll(() => app.close());

  const post = (authorization?: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/overrides',
      ...(authorization ? { headers: { authorization } } : {}),
    });

  it('answers 401 with a bare Bearer challenge when there is no token', async () => {
    const response = await post();
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer realm="mobility-mesh", error_description="/,
    );
    expect(response.headers['www-authenticate']).not.toContain('error="');
    expect(response.json()).toMatchObject({ error: 'unauthenticated', reason: 'missing' });
  });

  it('answers 401 invalid_token for a forged token', async () => {
    const forged = await issueToken(
      { subject: 'mallory', role: 'operator', ttlSeconds: 60 },
      'another-secret-0123456789abcdef012345',
    );
    const response = await post(`Bearer ${forged}`);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(response.json()).toMatchObject({ error: 'unauthenticated', reason: 'bad-signature' });
    expect(response.body).not.toContain(forged);
  });

  it('answers 401 invalid_token for an expired token and for another scheme', async () => {
    const expired = await issueToken({ subject: 'alice', role: 'operator', ttlSeconds: 1 }, SECRET, {
      now: new Date(Date.now() - 60_000),
    });
    expect((await post(`Bearer ${expired}`)).json()).toMatchObject({ reason: 'expired' });
    const basic = await post('Basic YWxpY2U6cGFzcw==');
    expect(basic.statusCode).toBe(401);
    expect(basic.json()).toMatchObject({ reason: 'malformed' });
  });

  it('answers 403 insufficient_scope for a role not admitted', async () => {
    const token = await issueToken({ subject: 'planner-1', role: 'planner', ttlSeconds: 60 }, SECRET);
    const response = await post(`Bearer ${token}`);
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(response.json()).toEqual({
      error: 'permission_denied',
      reason: 'role-not-allowed',
      message: 'role planner may not POST /v1/overrides (allowed: operator)',
    });
  });

  it('lets an admitted role through with request.principal set', async () => {
    const token = await issueToken({ subject: 'alice@tcc', role: 'operator', ttlSeconds: 60 }, SECRET);
    const response = await post(`Bearer ${token}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ by: 'alice@tcc' });
  });
});
