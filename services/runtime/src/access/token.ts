import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { env, loadConfig } from '../config/config.js';
import { UnauthenticatedError } from '../grpc/errors.js';
import { isRole, type Principal, type Role } from './roles.js';

/** Every token of the mesh names the mesh as issuer, so a JWT minted for another system is refused. */
export const TOKEN_ISSUER = 'mobility-mesh';
const ALGORITHM = 'HS256';
const MIN_SECRET_LENGTH = 32;

/** Why a bearer token was refused; stable strings, safe to show to the caller and to log. */
export type TokenFailure =
  | 'missing'
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'wrong-issuer'
  | 'missing-subject'
  | 'unknown-role';

const MESSAGES: Record<TokenFailure, string> = {
  missing: "no bearer token: send 'authorization: Bearer <token>'",
  malformed: 'bearer token is not a well-formed HS256 JWT',
  'bad-signature': 'bearer token signature does not verify (forged, tampered or signed with another secret)',
  expired: 'bearer token has expired',
  'wrong-issuer': `bearer token was not issued by ${TOKEN_ISSUER}`,
  'missing-subject': 'bearer token has no subject (sub)',
  'unknown-role': 'bearer token carries no known role (operator, agency, planner, public)',
};

/** A refused token. Its message never contains the token or the secret. */
export class TokenError extends UnauthenticatedError {
  override readonly name: string = 'TokenError';
  constructor(readonly failure: TokenFailure) {
    super(MESSAGES[failure]);
  }
}

/** Checks a bearer token and returns who sent it; rejects with TokenError. */
export type TokenVerifier = (token: string | undefined) => Promise<Principal>;

/** Reads MOBILITY_AUTH_SECRET through the config module: fails at start, never echoes the value. */
export function loadAuthSecret(source: NodeJS.ProcessEnv = process.env): string {
  return loadConfig(z.object({ MOBILITY_AUTH_SECRET: env.secret() }), source).MOBILITY_AUTH_SECRET;
}

function keyOf(secret: string): Uint8Array {
  // A short secret is a deployment bug; refuse it here too so a caller bypassing loadAuthSecret cannot
  // sign with a guessable key. The message names the rule, not the value.
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`auth secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return new TextEncoder().encode(secret);
}

export interface TokenRequest {
  subject: string;
  role: Role;
  ttlSeconds: number;
}

/** Mints a token for the CLI, dev setups and tests. `now` lets tests mint already-expired tokens. */
export async function issueToken(
  request: TokenRequest,
  secret: string,
  options: { now?: Date } = {},
): Promise<string> {
  if (!request.subject.trim()) throw new Error('token subject must not be empty');
  if (!isRole(request.role)) throw new Error(`unknown role ${JSON.stringify(request.role)}`);
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds <= 0) {
    throw new Error('token ttlSeconds must be a positive integer');
  }
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ role: request.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setSubject(request.subject)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + request.ttlSeconds)
    .sign(keyOf(secret));
}

function failureOf(error: unknown): TokenFailure {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'wrong-issuer';
    if (error.claim === 'exp') return 'malformed'; // required, so a token without expiry is refused
    if (error.claim === 'sub') return 'missing-subject';
  }
  // JWSInvalid, JWTInvalid, JOSEAlgNotAllowed (e.g. alg "none" or RS256), bad base64, bad JSON.
  return 'malformed';
}

/** Verifies signature, algorithm, issuer and expiry, then the mesh's own claims (sub, role). */
export async function verifyToken(
  token: string | undefined,
  secret: string,
  options: { now?: Date } = {},
): Promise<Principal> {
  const key = keyOf(secret);
  if (token === undefined || token.trim() === '') throw new TokenError('missing');
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token.trim(), key, {
      algorithms: [ALGORITHM],
      issuer: TOKEN_ISSUER,
      requiredClaims: ['exp', 'sub'],
      ...(options.now ? { currentDate: options.now } : {}),
    }));
  } catch (error) {
    throw new TokenError(failureOf(error));
  }
  if (typeof payload.sub !== 'string' || payload.sub.trim() === '') throw new TokenError('missing-subject');
  if (!isRole(payload.role)) throw new TokenError('unknown-role');
  return { subject: payload.sub, role: payload.role };
}

/** Binds the secret once, so transports hold a verifier and never the secret itself. */
export function createTokenVerifier(secret: string): TokenVerifier {
  keyOf(secret); // fail at wiring time, not on the first request
  return (token) => verifyToken(token, secret);
}

/**
 * The token in an `authorization` header value: undefined when there is no header (so the verifier
 * says "missing"), TokenError('malformed') when there is one but not of the form `Bearer <token>`.
 */
export function bearerTokenOf(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new TokenError('malformed');
  return match[1];
}
