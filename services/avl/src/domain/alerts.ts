/**
 * Rider-facing service alerts: what makes an authored alert publishable, and when it is shown.
 * Pure; works on plain shapes so the gRPC edge and the feed builder share one set of rules.
 */

export interface AlertSelector {
  agencyId?: string;
  routeId?: string;
  directionId?: number;
  tripId?: string;
  stopId?: string;
}

export interface AlertPeriod {
  /** Epoch ms; absent = already started. */
  startMs?: number;
  /** Epoch ms; absent = until withdrawn. */
  endMs?: number;
}

export interface AlertDraft {
  informedEntities: readonly AlertSelector[];
  activePeriods: readonly AlertPeriod[];
  headerTexts: readonly { language: string; text: string }[];
  descriptionTexts: readonly { language: string; text: string }[];
  url: string;
}

export const MAX_HEADER_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 4000;

/**
 * Problems that keep an alert from being published, as sentences for the operator; empty when it
 * is fine. Follows the GTFS-realtime rules a consumer would enforce: at least one informed entity,
 * each selecting something (a direction only together with a route), a header text, periods whose
 * start comes before their end.
 */
export function alertProblems(draft: AlertDraft, knownIds?: KnownIds): string[] {
  const problems: string[] = [];
  if (draft.informedEntities.length === 0) problems.push('an alert needs at least one informed entity');
  draft.informedEntities.forEach((entity, index) => {
    const selects = [entity.agencyId, entity.routeId, entity.tripId, entity.stopId].some(
      (id) => id !== undefined && id.trim() !== '',
    );
    if (!selects)
      problems.push(`informed entity ${index + 1} selects nothing (give a route, stop, trip or agency)`);
    if (entity.directionId !== undefined && !entity.routeId)
      problems.push(`informed entity ${index + 1} has a direction without a route`);
    if (entity.directionId !== undefined && entity.directionId !== 0 && entity.directionId !== 1)
      problems.push(`informed entity ${index + 1} direction must be 0 or 1`);
    if (knownIds) {
      if (entity.routeId && !knownIds.routes.has(entity.routeId))
        problems.push(`route ${entity.routeId} is not in the static feed`);
      if (entity.stopId && !knownIds.stops.has(entity.stopId))
        problems.push(`stop ${entity.stopId} is not in the static feed`);
      if (entity.tripId && !knownIds.trips.has(entity.tripId))
        problems.push(`trip ${entity.tripId} is not in the static feed`);
    }
  });
  const headers = draft.headerTexts.filter((text) => text.text.trim() !== '');
  if (headers.length === 0) problems.push('an alert needs a header text');
  for (const text of draft.headerTexts)
    if (text.text.length > MAX_HEADER_LENGTH)
      problems.push(`header text is longer than ${MAX_HEADER_LENGTH} characters`);
  for (const text of draft.descriptionTexts)
    if (text.text.length > MAX_DESCRIPTION_LENGTH)
      problems.push(`description text is longer than ${MAX_DESCRIPTION_LENGTH} characters`);
  const languages = draft.headerTexts.map((text) => text.language);
  if (new Set(languages).size !== languages.length)
    problems.push('header text has two translations in one language');
  draft.activePeriods.forEach((period, index) => {
    if (period.startMs !== undefined && period.endMs !== undefined && period.endMs <= period.startMs)
      problems.push(`active period ${index + 1} ends before it starts`);
  });
  if (draft.url !== '' && !/^https?:\/\/\S+$/i.test(draft.url))
    problems.push('url must be an http(s) address');
  return problems;
}

/** Ids of the static feed, to refuse alerts about routes or stops riders cannot find. */
export interface KnownIds {
  routes: ReadonlySet<string>;
  stops: ReadonlySet<string>;
  trips: ReadonlySet<string>;
}

/** Whether the alert applies at `atMs`: no periods means always. */
export function isActiveAt(periods: readonly AlertPeriod[], atMs: number): boolean {
  if (periods.length === 0) return true;
  return periods.some(
    (period) =>
      (period.startMs === undefined || period.startMs <= atMs) &&
      (period.endMs === undefined || atMs < period.endMs),
  );
}

/**
 * Whether the alert belongs in the published feed: active now or announced for later. Alerts whose
 * periods have all ended are left out (riders should not see finished disruptions).
 */
export function isPublishable(periods: readonly AlertPeriod[], atMs: number): boolean {
  if (periods.length === 0) return true;
  return periods.some((period) => period.endMs === undefined || atMs < period.endMs);
}

/** Whether the alert informs about the route and/or stop asked for (empty filter = any). */
export function informsAbout(
  entities: readonly AlertSelector[],
  filter: { routeId?: string; stopId?: string },
): boolean {
  return entities.some(
    (entity) =>
      (!filter.routeId || entity.routeId === filter.routeId) &&
      (!filter.stopId || entity.stopId === filter.stopId),
  );
}
