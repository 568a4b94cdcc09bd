import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Principal, Role } from './roles.js';
import { bearerTokenOf, TokenError, type TokenVerifier } from './token.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireRole once the bearer token verified and the role is admitted. */
    principal?: Principal;
  }
}

const REALM = 'mobility-mesh';

/** RFC 7230 quoted-string: drop what would end or escape the quotes. */
function quoted(text: string): string {
  return `"${text.replace(/["\\\r\n]/g, '')}"`;
}

/**
 * RFC 6750 challenge. A request with no credential at all gets a bare challenge (the RFC asks not to
 * attach an error code then); a bad token gets `invalid_token`, a weak role `insufficient_scope`.
 */
function challenge(error: 'invalid_token' | 'insufficient_scope' | undefined, description: string): string {
  const parts = [`realm=${quoted(REALM)}`];
  if (error) parts.push(`error=${quoted(error)}`);
  parts.push(`error_description=${quoted(description)}`);
  return `Bearer ${parts.join(', ')}`;
}

/**
 * A fastify onRequest hook admitting only `roles`: 401 with a Bearer challenge for a missing, forged,
 * expired or otherwise bad token; 403 when the role is not admitted; both with a JSON body giving the
 * reason. On success `request.principal` is the verified caller.
 *
 *   app.get('/v1/overrides', { onRequest: requireRole(['operator'], verifier) }, handler)
 */
export function requireRole(roles: readonly Role[], verifier: TokenVerifier): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    let principal: Principal;
    try {
      principal = await verifier(bearerTokenOf(request.headers.authorization));
    } catch (error) {
      if (!(error instanceof TokenError)) throw error; // a broken verifier is a 500, not a 401
      request.log.warn({ reason: error.failure, url: request.url }, 'HTTP request rejected: unauthenticated');
      return reply
        .code(401)
        .header(
          'www-authenticate',
          challenge(error.failure === 'missing' ? undefined : 'invalid_token', error.message),
        )
        .send({ error: 'unauthenticated', reason: error.failure, message: error.message });
    }
    if (!roles.includes(principal.role)) {
      const message = `role ${principal.role} may not ${request.method} ${request.routeOptions.url ?? request.url} (allowed: ${roles.join(', ') || 'nobody'})`;
      request.log.warn(
        { subject: principal.subject, role: principal.role, url: request.url },
        'HTTP request rejected: forbidden',
      );
      return reply
        .code(403)
        .header('www-authenticate', challenge('insufficient_scope', message))
        .send({ error: 'permission_denied', reason: 'role-not-allowed', message });
    }
    request.principal = principal;
  };
}
