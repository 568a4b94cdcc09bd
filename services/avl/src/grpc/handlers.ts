/**
 * AvlService over gRPC. Vehicles and predictions are read from hot state (every replica sees the
 * whole fleet); the position stream is fed from the matched-position topic. Service alerts are
 * changed only through `audited` handlers: operator role (access policy), a reason, an audit row.
 */
import { randomUUID } from 'node:crypto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import {
  type AvlServiceServer,
  type CreateServiceAlertRequest,
  CreateServiceAlertResponse,
  type DeleteServiceAlertRequest,
  DeleteServiceAlertResponse,
  type GetTripPredictionsRequest,
  GetTripPredictionsResponse,
  type GetVehicleRequest,
  GetVehicleResponse,
  type ListServiceAlertsRequest,
  ListServiceAlertsResponse,
  type ListVehiclesRequest,
  ListVehiclesResponse,
  ServiceAlert,
  type StreamPositionsRequest,
  StreamPositionsResponse,
  type VehicleState,
} from '@mobility/contracts/avl/v1/service';
import { ActorKind } from '@mobility/contracts/common/v1/audit';
import type { BoundingBox } from '@mobility/contracts/common/v1/geo';
import {
  type AuditLog,
  audited,
  type Clock,
  InvalidArgumentError,
  type Logger,
  NotFoundError,
  toServiceError,
  unary,
} from '@mobility/runtime';
import {
  type AlertDraft,
  alertProblems,
  informsAbout,
  isPublishable,
  type KnownIds,
} from '../domain/alerts.js';
import { insertAlert, liveAlerts, withdrawAlert } from '../store/alerts.js';
import type { Queryable } from '../store/history.js';
import type { LatestStore } from '../store/latest.js';

/** A vehicle whose last ping is older is flagged stale (GTFS-rt best practice: 90 s). */
export const STALE_AFTER_MS = 90_000;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** Fans matched positions out to open streams. */
export interface PositionFanout {
  publish(position: VehiclePositionMatched): void;
  subscribe(listener: (position: VehiclePositionMatched) => void): () => void;
}

export function createPositionFanout(): PositionFanout {
  const listeners = new Set<(position: VehiclePositionMatched) => void>();
  return {
    publish(position) {
      for (const listener of listeners) listener(position);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export interface HandlerDeps {
  db: Queryable;
  latest: LatestStore;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  fanout: PositionFanout;
  /** Ids of the loaded static feed, to refuse alerts about unknown routes or stops. */
  knownIds: () => KnownIds | undefined;
  /** Called after alerts changed, so the Alerts feed is rebuilt. */
  alertsChanged: () => Promise<void>;
}

function pageOffset(token: string): number {
  if (token === '') return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0)
    throw new InvalidArgumentError('page_token is not a token this server issued');
  return offset;
}

function page<T>(items: readonly T[], request: { pageSize: number; pageToken: string } | undefined) {
  const size = request?.pageSize || DEFAULT_PAGE_SIZE;
  if (size > MAX_PAGE_SIZE) throw new InvalidArgumentError(`page_size is at most ${MAX_PAGE_SIZE}`);
  const offset = pageOffset(request?.pageToken ?? '');
  const slice = items.slice(offset, offset + size);
  const next =
    offset + size < items.length ? Buffer.from(String(offset + size), 'utf8').toString('base64url') : '';
  return { slice, page: { nextPageToken: next, totalSize: items.length } };
}

function inside(box: BoundingBox | undefined, point: { lat: number; lon: number } | undefined): boolean {
  if (!box?.southWest || !box.northEast) return true;
  if (!point) return false;
  return (
    point.lat >= box.southWest.lat &&
    point.lat <= box.northEast.lat &&
    point.lon >= box.southWest.lon &&
    point.lon <= box.northEast.lon
  );
}

export function draftOf(alert: ServiceAlert): AlertDraft {
  return {
    informedEntities: alert.informedEntities.map((entity) => ({
      ...(entity.agencyId ? { agencyId: entity.agencyId } : {}),
      ...(entity.routeId ? { routeId: entity.routeId } : {}),
      ...(entity.directionId !== undefined ? { directionId: entity.directionId } : {}),
      ...(entity.tripId ? { tripId: entity.tripId } : {}),
      ...(entity.stopId ? { stopId: entity.stopId } : {}),
    })),
    activePeriods: alert.activePeriods.map((period) => ({
      ...(period.start ? { startMs: period.start.getTime() } : {}),
      ...(period.end ? { endMs: period.end.getTime() } : {}),
    })),
    headerTexts: alert.headerText,
    descriptionTexts: alert.descriptionText,
    url: alert.url,
  };
}

export function createAvlHandlers(deps: HandlerDeps): AvlServiceServer {
  const { db, latest, audit, clock, logger, fanout } = deps;

  const withStaleness = (state: VehicleState): VehicleState => ({
    ...state,
    stale: clock.now() - (state.lastSeenAt?.getTime() ?? 0) > STALE_AFTER_MS,
  });

  const streamPositions = (
    call: ServerWritableStream<StreamPositionsRequest, StreamPositionsResponse>,
  ): void => {
    const request = call.request;
    const routes = new Set(request.routeIds);
    const vehicles = new Set(request.vehicleIds);
    const wanted = (position: VehiclePositionMatched) =>
      (routes.size === 0 || routes.has(position.trip?.routeId ?? '')) &&
      (vehicles.size === 0 || vehicles.has(position.vehicleId)) &&
      inside(request.within, position.position);
    // Positions arriving while the snapshot is read are held back, so a client never sees a newer
    // position replaced by an older snapshot one.
    let held: VehiclePositionMatched[] | undefined = request.skipSnapshot ? undefined : [];
    const send = (position: VehiclePositionMatched) => {
      if (!call.cancelled && !call.destroyed) call.write(StreamPositionsResponse.fromPartial({ position }));
    };
    const unsubscribe = fanout.subscribe((position) => {
      if (!wanted(position)) return;
      if (held) held.push(position);
      else send(position);
    });
    const end = () => unsubscribe();
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
    if (!held) return;
    (async () => {
      const sent = new Map<string, number>();
      for (const state of await latest.listVehicles()) {
        if (state.position && wanted(state.position)) {
          send(state.position);
          sent.set(state.vehicleId, state.position.observedAt?.getTime() ?? 0);
        }
      }
      const backlog = held ?? [];
      held = undefined;
      for (const position of backlog) {
        if ((position.observedAt?.getTime() ?? 0) > (sent.get(position.vehicleId) ?? -1)) send(position);
      }
    })().catch((error: unknown) => {
      unsubscribe();
      call.emit('error', toServiceError(error, logger));
    });
  };

  return {
    getVehicle: unary(async (request: GetVehicleRequest) => {
      if (request.vehicleId.trim() === '') throw new InvalidArgumentError('vehicle_id is required');
      const state = await latest.getVehicle(request.vehicleId);
      if (!state) throw new NotFoundError(`vehicle ${request.vehicleId} has not been seen`);
      return GetVehicleResponse.fromPartial({ vehicle: withStaleness(state) });
    }, logger),

    listVehicles: unary(async (request: ListVehiclesRequest) => {
      if (request.directionId !== undefined && !request.routeId)
        throw new InvalidArgumentError('direction_id needs route_id');
      const states = (await latest.listVehicles()).map(withStaleness).filter((state) => {
        const trip = state.position?.trip;
        if (request.routeId && trip?.routeId !== request.routeId) return false;
        if (request.directionId !== undefined && trip?.directionId !== request.directionId) return false;
        if (!request.includeStale && state.stale) return false;
        return inside(request.within, state.position?.position);
      });
      const { slice, page: pageResponse } = page(states, request.page);
      return ListVehiclesResponse.fromPartial({ vehicles: slice, page: pageResponse });
    }, logger),

    getTripPredictions: unary(async (request: GetTripPredictionsRequest) => {
      if (request.tripId.trim() === '') throw new InvalidArgumentError('trip_id is required');
      if (request.startDate !== '' && !/^\d{8}$/.test(request.startDate))
        throw new InvalidArgumentError('start_date must be YYYYMMDD');
      const prediction = await latest.getPrediction(request.tripId, request.startDate);
      if (!prediction) throw new NotFoundError(`no predictions for trip ${request.tripId}`);
      return GetTripPredictionsResponse.fromPartial({ prediction });
    }, logger),

    streamPositions,

    createServiceAlert: audited(
      'CreateServiceAlert',
      async (request: CreateServiceAlertRequest, { principal, reason }) => {
        if (!request.alert) throw new InvalidArgumentError('alert is required');
        const problems = alertProblems(draftOf(request.alert), deps.knownIds());
        if (problems.length > 0) throw new InvalidArgumentError(problems.join('; '));
        const nowMs = clock.now();
        const alert = ServiceAlert.fromPartial({
          ...request.alert,
          alertId: randomUUID(),
          created: {
            actorKind: ActorKind.OPERATOR,
            actorId: principal.subject,
            reason,
            ticketRef: request.change?.ticketRef ?? '',
            changedAt: new Date(nowMs),
          },
        });
        await insertAlert(db, alert, principal.subject, new Date(nowMs));
        await deps.alertsChanged();
        return CreateServiceAlertResponse.fromPartial({ alert });
      },
      {
        audit,
        logger,
        reasonOf: (request) => request.change?.reason,
        targetOf: (request) =>
          `service-alert:${request.alert?.informedEntities
            .map((entity) => entity.routeId || entity.stopId || entity.tripId || entity.agencyId)
            .join(',')}`,
        detailsOf: (request) => ({
          header: request.alert?.headerText.map((text) => text.text).join(' / ') ?? '',
        }),
      },
    ),

    listServiceAlerts: unary(async (request: ListServiceAlertsRequest) => {
      const nowMs = clock.now();
      const alerts = (await liveAlerts(db)).filter((alert) => {
        const draft = draftOf(alert);
        if (!informsAbout(draft.informedEntities, { routeId: request.routeId, stopId: request.stopId }))
          return false;
        return request.includeInactive || isPublishable(draft.activePeriods, nowMs);
      });
      const { slice, page: pageResponse } = page(alerts, request.page);
      return ListServiceAlertsResponse.fromPartial({ alerts: slice, page: pageResponse });
    }, logger),

    deleteServiceAlert: audited(
      'DeleteServiceAlert',
      async (request: DeleteServiceAlertRequest, { principal, reason }) => {
        if (request.alertId.trim() === '') throw new InvalidArgumentError('alert_id is required');
        const nowMs = clock.now();
        const withdrawn = await withdrawAlert(db, request.alertId, principal.subject, new Date(nowMs));
        if (!withdrawn) throw new NotFoundError(`no live service alert ${request.alertId}`);
        await deps.alertsChanged();
        return DeleteServiceAlertResponse.fromPartial({
          deleted: {
            actorKind: ActorKind.OPERATOR,
            actorId: principal.subject,
            reason,
            ticketRef: request.change?.ticketRef ?? '',
            changedAt: new Date(nowMs),
          },
        });
      },
      {
        audit,
        logger,
        reasonOf: (request) => request.change?.reason,
        targetOf: (request) => `service-alert:${request.alertId}`,
      },
    ),
  };
}
