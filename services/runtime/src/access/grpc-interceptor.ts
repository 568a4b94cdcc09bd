import {
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';
import { UnauthenticatedError } from '../grpc/errors.js';
import type { Logger } from '../log/logger.js';
import { type AccessPolicy, decide } from './policy.js';
import type { Principal } from './roles.js';
import { bearerTokenOf, TokenError, type TokenVerifier } from './token.js';

/** Probes (kubelet, load balancers) call health without credentials; it reveals nothing but status. */
const OPEN_PATH_PREFIXES = ['/grpc.health.v1.Health/'];

export function isOpenPath(path: string): boolean {
  return OPEN_PATH_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/**
 * The verified principal of each call, keyed by the request Metadata object that grpc-js hands to
 * the handler as `call.metadata`. Only this module writes here, so nothing a client sends can forge
 * an entry (a metadata header could be forged if some server forgot the interceptor), and entries go
 * away with the call.
 */
const principals = new WeakMap<Metadata, Principal>();

/** The caller of a call that passed the access interceptor. */
export function principalOf(call: { readonly metadata: Metadata }): Principal {
  const principal = principals.get(call.metadata);
  // Fail closed: reaching a handler without a principal means the server was built without access
  // control, and the handler must not act as if someone were authorised.
  if (!principal)
    throw new UnauthenticatedError('no verified caller for this call (server has no access control)');
  return principal;
}

export interface AccessControl {
  readonly policy: AccessPolicy;
  readonly verifier: TokenVerifier;
}

/**
 * A grpc-js server interceptor enforcing `policy` on every call: UNAUTHENTICATED when the bearer
 * token is missing or does not verify, PERMISSION_DENIED when the role is not listed for the method.
 * The credential is removed from the metadata the handler sees: handlers get the principal, never
 * the token, so it cannot leak into their logs or audit records.
 */
export function createAccessInterceptor(access: AccessControl, logger: Logger): ServerInterceptor {
  return (method, call: ServerInterceptingCallInterface) => {
    if (isOpenPath(method.path)) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, proceed) {
            authorise(access, method.path, metadata).then(
              (principal) => {
                metadata.remove('authorization');
                principals.set(metadata, principal);
                proceed(metadata);
              },
              (error: unknown) => {
                const rejection = rejectionOf(error, logger);
                logger.warn(
                  {
                    method: method.path,
                    peer: call.getPeer(),
                    code: status[rejection.code],
                    reason: rejection.details,
                  },
                  'gRPC call rejected by access control',
                );
                call.sendStatus({ ...rejection, metadata: null });
              },
            );
          },
        });
      },
    });
  };
}

class Denied extends Error {}

async function authorise(access: AccessControl, path: string, metadata: Metadata): Promise<Principal> {
  const values = metadata.get('authorization');
  // Two authorization headers are ambiguous; refusing beats guessing which one a proxy added.
  if (values.length > 1) throw new TokenError('malformed');
  const header = values[0];
  const principal = await access.verifier(bearerTokenOf(typeof header === 'string' ? header : undefined));
  const decision = decide(access.policy, path, principal);
  if (!decision.allowed) throw new Denied(decision.message);
  return principal;
}

function rejectionOf(error: unknown, logger: Logger): { code: status; details: string } {
  if (error instanceof Denied)
    return { code: status.PERMISSION_DENIED, details: `permission denied: ${error.message}` };
  if (error instanceof UnauthenticatedError) {
    return { code: status.UNAUTHENTICATED, details: `unauthenticated: ${error.message}` };
  }
  // A verifier that throws something else is broken; do not let the call through, do not say why.
  logger.error({ err: error }, 'access control failed unexpectedly');
  return { code: status.INTERNAL, details: 'internal error' };
}
