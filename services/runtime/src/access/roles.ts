/**
 * Who may call the mesh. Roles are flat, not a hierarchy: each RPC lists the roles it admits in the
 * access policy, so granting a new power is always a visible one-line change.
 *
 * - `operator`: traffic control-centre staff. Reads all live state (vehicles, signals, car parks,
 *   alarms) and is the only role that changes it: signal timing overrides, alarm acknowledgements,
 *   facility status. Every such change needs a reason and lands in the audit log.
 * - `agency`: a transit agency's systems and staff. Reads GTFS-realtime feeds, its vehicles, trips,
 *   predictions and headway alerts; may publish service alerts for its own routes.
 * - `planner`: reads history and KPIs over any window and starts replays into an isolated namespace;
 *   never touches live state.
 * - `public`: apps and trip planners acting for the public. Read-only public information: feeds,
 *   journey plans, car-park occupancy. Still a token (issued to the app), so use can be traced and
 *   revoked by rotating the secret.
 */
export const ROLES = ['operator', 'agency', 'planner', 'public'] as const;

export type Role = (typeof ROLES)[number];

/** Everyone with a valid token: for read-only public methods. */
export const ALL_ROLES: readonly Role[] = ROLES;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** A verified caller: who (`subject`, e.g. `alice@tcc` or `svc:routing`) and in which role. */
export interface Principal {
  readonly subject: string;
  readonly role: Role;
}
