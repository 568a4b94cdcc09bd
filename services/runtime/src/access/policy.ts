import type { Principal, Role } from './roles.js';

/**
 * Which roles may call which method. Keys are either a bare method name (`SetOverride`) or a full
 * gRPC path (`/mobility.signal.v1.SignalService/SetOverride`); the full path wins when both are
 * present, for servers that host two services with a same-named method. A method that is in no
 * key is denied: forgetting to list a new RPC must close it, not open it.
 */
export type AccessPolicy = Readonly<Record<string, readonly Role[]>>;

export type AccessDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly reason: 'not-in-policy' | 'role-not-allowed';
      readonly message: string;
    };

/** Identity function that type-checks a policy literal against the known roles. */
export function definePolicy<const P extends AccessPolicy>(policy: P): P {
  return policy;
}

/** `/pkg.Service/Method` -> `Method`; a bare name is returned unchanged. */
export function methodNameOf(pathOrName: string): string {
  const slash = pathOrName.lastIndexOf('/');
  return slash === -1 ? pathOrName : pathOrName.slice(slash + 1);
}

export function allowedRoles(policy: AccessPolicy, method: string): readonly Role[] | undefined {
  // Own-property lookups only: a method named `constructor` or `toString` must not find
  // Object.prototype members and be treated as listed.
  const own = (key: string) => (Object.hasOwn(policy, key) ? policy[key] : undefined);
  return own(method) ?? own(methodNameOf(method));
}

export function decide(policy: AccessPolicy, method: string, principal: Principal): AccessDecision {
  const name = methodNameOf(method);
  const roles = allowedRoles(policy, method);
  if (roles === undefined) {
    return {
      allowed: false,
      reason: 'not-in-policy',
      message: `${name} is not in the access policy (denied by default)`,
    };
  }
  if (!roles.includes(principal.role)) {
    const allowed = roles.length > 0 ? roles.join(', ') : 'nobody';
    return {
      allowed: false,
      reason: 'role-not-allowed',
      message: `role ${principal.role} may not call ${name} (allowed: ${allowed})`,
    };
  }
  return { allowed: true };
}
