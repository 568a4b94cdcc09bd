/**
 * ParkingService over gRPC: request validation and wiring of stores, forecasts and the pure
 * guidance module. Errors are DomainErrors (NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION),
 * mapped to status codes by the runtime's `unary`; UpsertFacility is `audited`.
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import { ActorKind } from '@mobility/contracts/common/v1/audit';
import type { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import { type Facility, FacilityKind } from '@mobility/contracts/parking/v1/facility';
import {
  type FindAvailableRequest,
  FindAvailableResponse,
  ForecastPoint,
  type GetForecastRequest,
  GetForecastResponse,
  type GetOccupancyHistoryRequest,
  GetOccupancyHistoryResponse,
  type GetOccupancyRequest,
  GetOccupancyResponse,
  type ListFacilitiesRequest,
  ListFacilitiesResponse,
  type ParkingServiceServer,
  type StreamOccupancyChangesRequest,
  StreamOccupancyChangesResponse,
  type UpsertFacilityRequest,
  UpsertFacilityResponse,
} from '@mobility/contracts/parking/v1/service';
import { durationFromMs, durationToMs } from '@mobility/contracts/wkt';
import {
  type AuditLog,
  audited,
  FailedPreconditionError,
  InvalidArgumentError,
  type Logger,
  NotFoundError,
  toServiceError,
  unary,
} from '@mobility/runtime';
import { bandOf, categoryCapacity, facilityProblems, tariffOf } from '../domain/facility.js';
import { distanceMetres, isValidLatLon } from '../domain/geo.js';
import {
  DEFAULT_MAX_RESULTS,
  DEFAULT_MAX_WALK_M,
  DEFAULT_STAY_MINUTES,
  type EvaluatedOption,
  estimateArrival,
  expectOnArrival,
  type GuidanceFacility,
  NOWCAST_MINUTES,
  nearby,
  priceForStay,
  rankOptions,
} from '../domain/guidance.js';
import { isStale, type LiveOccupancy, levelOf } from '../domain/occupancy.js';
import { probabilityFull, sigmaFromInterval } from '../domain/probability.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { DEFAULT_HORIZONS_MINUTES, type FacilityForecaster } from '../forecasting.js';
import { toOccupancy } from '../mapping.js';
import type { Queryable } from '../store/db.js';
import { getFacility, listFacilities, upsertFacility } from '../store/facilities.js';
import { MAX_BUCKETS, occupancyBuckets } from '../store/history.js';
import type { LiveStore } from '../store/live.js';
import { toOccupancyChangedSnapshot } from './stream.js';

export interface HandlerDeps {
  db: Queryable;
  live: LiveStore;
  audit: AuditLog;
  feed: ChangeFeed;
  forecaster: FacilityForecaster;
  logger: Logger;
  now?: () => number;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const MAX_HORIZON_MINUTES = 7 * 24 * 60;
/** Facilities forecast per FindAvailable call at most: the nearest ones (a forecast costs a history read). */
const MAX_GUIDANCE_CANDIDATES = 20;
const DEFAULT_BUCKET_MS = 3_600_000;
/** FindAvailable forecasts at multiples of this many minutes (the forecast input resolution). */
const GUIDANCE_HORIZON_STEP_MINUTES = 15;
const roundToStep = (minutes: number) =>
  Math.round(minutes / GUIDANCE_HORIZON_STEP_MINUTES) * GUIDANCE_HORIZON_STEP_MINUTES;

function pageOffset(token: string): number {
  if (token === '') return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0)
    throw new InvalidArgumentError('page_token is not a token this server issued');
  return offset;
}

const pageToken = (offset: number) => Buffer.from(String(offset), 'utf8').toString('base64url');

async function requireFacility(db: Queryable, facilityId: string): Promise<Facility> {
  if (facilityId.trim() === '') throw new InvalidArgumentError('facility_id is required');
  const facility = await getFacility(db, facilityId);
  if (!facility) throw new NotFoundError(`facility ${facilityId} is not registered`);
  return facility;
}

export function createParkingHandlers(deps: HandlerDeps): ParkingServiceServer {
  const { db, live, audit, feed, forecaster, logger } = deps;
  const now = deps.now ?? Date.now;

  const listFacilitiesHandler = async (request: ListFacilitiesRequest): Promise<ListFacilitiesResponse> => {
    const near = request.near;
    if (near && (!isValidLatLon(near.center) || !(near.radiusM > 0))) {
      throw new InvalidArgumentError('near needs a valid center and a positive radius_m');
    }
    const size = request.page?.pageSize || DEFAULT_PAGE_SIZE;
    if (size > MAX_PAGE_SIZE) throw new InvalidArgumentError(`page_size is at most ${MAX_PAGE_SIZE}`);
    const offset = pageOffset(request.page?.pageToken ?? '');
    let facilities = await listFacilities(db);
    if (request.kinds.length > 0) facilities = facilities.filter((f) => request.kinds.includes(f.kind));
    if (near?.center) {
      const center = near.center;
      facilities = nearby(
        facilities.map((facility) => ({ facility, location: facility.location ?? { lat: 0, lon: 0 } })),
        center,
        near.radiusM,
      ).map((entry) => entry.facility.facility);
    }
    const page = facilities.slice(offset, offset + size);
    const next = offset + size < facilities.length ? pageToken(offset + size) : '';
    return ListFacilitiesResponse.fromPartial({
      facilities: page,
      page: { nextPageToken: next, totalSize: facilities.length },
    });
  };

  const upsertFacilityHandler = audited<UpsertFacilityRequest, UpsertFacilityResponse>(
    'UpsertFacility',
    async (request, { principal, reason }) => {
      const problems = facilityProblems(request.facility);
      if (problems.length > 0 || !request.facility)
        throw new InvalidArgumentError(`invalid facility: ${problems.join('; ')}`);
      const facility: Facility = {
        ...request.facility,
        lastChanged: {
          actorKind: ActorKind.OPERATOR,
          actorId: principal.subject,
          reason,
          ticketRef: request.change?.ticketRef ?? '',
          changedAt: new Date(now()),
        },
      };
      const { created } = await upsertFacility(db, facility);
      return UpsertFacilityResponse.fromPartial({ facility, created });
    },
    {
      audit,
      logger,
      reasonOf: (request) => request.change?.reason,
      targetOf: (request) => request.facility?.facilityId ?? '',
      detailsOf: (request) => ({
        name: request.facility?.name,
        kind: request.facility ? FacilityKind[request.facility.kind] : undefined,
        capacity: request.facility?.capacity,
        ticketRef: request.change?.ticketRef,
      }),
    },
  );

  const getOccupancyHandler = async (request: GetOccupancyRequest): Promise<GetOccupancyResponse> => {
    const requested = [...new Set(request.facilityIds)];
    const facilities = await listFacilities(db, requested.length > 0 ? requested : undefined);
    if (requested.length > 0 && facilities.length < requested.length) {
      const known = new Set(facilities.map((f) => f.facilityId));
      throw new NotFoundError(
        `facility not registered: ${requested.filter((id) => !known.has(id)).join(', ')}`,
      );
    }
    const states = new Map(
      (await live.list(facilities.map((f) => f.facilityId))).map((s) => [s.facilityId, s]),
    );
    const at = now();
    return GetOccupancyResponse.fromPartial({
      occupancies: facilities.map((facility) => {
        const state = states.get(facility.facilityId);
        return {
          facilityId: facility.facilityId,
          ...(state
            ? { occupancy: toOccupancy(state, facility), stale: isStale(state, at) }
            : { stale: true }),
        };
      }),
    });
  };

  const streamOccupancyChanges = (
    call: ServerWritableStream<StreamOccupancyChangesRequest, StreamOccupancyChangesResponse>,
  ): void => {
    const wanted = new Set(call.request.facilityIds);
    const matches = (facilityId: string) => wanted.size === 0 || wanted.has(facilityId);
    // Changes arriving while the initial state is read are held back, so the client never sees a
    // change before the state it changed.
    let pending: OccupancyChanged[] | undefined = [];
    const send = (change: OccupancyChanged) => {
      if (!call.cancelled && !call.destroyed)
        call.write(StreamOccupancyChangesResponse.fromPartial({ change }));
    };
    const unsubscribe = feed.subscribe((change) => {
      if (!matches(change.facilityId)) return;
      if (pending) pending.push(change);
      else send(change);
    });
    const end = () => unsubscribe();
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
    (async () => {
      const requested = [...wanted];
      const facilities = await listFacilities(db, requested.length > 0 ? requested : undefined);
      if (requested.length > 0 && facilities.length < requested.length) {
        const known = new Set(facilities.map((f) => f.facilityId));
        throw new NotFoundError(
          `facility not registered: ${requested.filter((id) => !known.has(id)).join(', ')}`,
        );
      }
      const byId = new Map(facilities.map((f) => [f.facilityId, f]));
      for (const state of await live.list(facilities.map((f) => f.facilityId))) {
        send(toOccupancyChangedSnapshot(state, byId.get(state.facilityId), now()));
      }
      const held = pending ?? [];
      pending = undefined;
      for (const change of held) send(change);
    })().catch((error: unknown) => {
      unsubscribe();
      call.emit('error', toServiceError(error, logger));
    });
  };

  const getForecastHandler = async (request: GetForecastRequest): Promise<GetForecastResponse> => {
    const facility = await requireFacility(db, request.facilityId);
    const horizons =
      request.horizons.length > 0
        ? request.horizons.map((horizon) => durationToMs(horizon) / 60_000)
        : [...DEFAULT_HORIZONS_MINUTES];
    for (const minutes of horizons) {
      if (!(minutes >= 1 && minutes <= MAX_HORIZON_MINUTES)) {
        throw new InvalidArgumentError(
          `horizons must be between 1 minute and ${MAX_HORIZON_MINUTES / 1440} days`,
        );
      }
    }
    const sorted = [...new Set(horizons)].sort((a, b) => a - b);
    const reference = request.referenceTime?.getTime() ?? now();
    const forecasts = await forecaster.forecast(facility, reference, sorted);
    if (forecasts.length === 0 || forecasts.some((f) => !Number.isFinite(f.expectedOccupied))) {
      throw new FailedPreconditionError(
        `facility ${facility.facilityId} has no occupancy history to forecast from yet`,
      );
    }
    const capacity = facility.capacity;
    const band = bandOf(facility);
    return GetForecastResponse.fromPartial({
      facilityId: facility.facilityId,
      referenceTime: new Date(reference),
      capacity,
      model: [...new Set(forecasts.map((f) => f.method))].join('+'),
      points: forecasts.map((f) =>
        ForecastPoint.fromPartial({
          horizon: durationFromMs(f.horizonMinutes * 60_000),
          targetTime: new Date(reference + f.horizonMinutes * 60_000),
          expectedOccupied: f.expectedOccupied,
          expectedFree: Math.max(0, capacity - f.expectedOccupied),
          occupiedLower: f.lower,
          occupiedUpper: f.upper,
          intervalCoverage: f.level,
          probabilityFull:
            probabilityFull(capacity - f.expectedOccupied, sigmaFromInterval(f.lower, f.upper, f.level)) || 0,
          level: levelOf(Math.round(f.expectedOccupied), capacity, band),
        }),
      ),
    });
  };

  const findAvailableHandler = async (request: FindAvailableRequest): Promise<FindAvailableResponse> => {
    if (!isValidLatLon(request.destination))
      throw new InvalidArgumentError('destination must be a valid WGS84 point');
    if (request.origin && !isValidLatLon(request.origin))
      throw new InvalidArgumentError('origin must be a valid WGS84 point');
    const p = request.minAvailabilityProbability;
    if (!(p >= 0 && p <= 1))
      throw new InvalidArgumentError('min_availability_probability must be within 0..1');
    if (request.driveSpeedMps < 0) throw new InvalidArgumentError('drive_speed_mps must not be negative');
    const stayMinutes = request.stay ? durationToMs(request.stay) / 60_000 : DEFAULT_STAY_MINUTES;
    if (!(stayMinutes > 0)) throw new InvalidArgumentError('stay must be positive');
    const maxWalkM = request.maxWalkDistanceM || DEFAULT_MAX_WALK_M;
    const at = now();
    const destination = request.destination;

    let facilities = await listFacilities(db);
    if (request.kinds.length > 0) facilities = facilities.filter((f) => request.kinds.includes(f.kind));
    const candidates = nearby(
      facilities
        .filter((facility) => categoryCapacity(facility, request.category) > 0)
        .map((facility) => ({ facility, location: facility.location ?? { lat: 0, lon: 0 } })),
      destination,
      maxWalkM,
    ).slice(0, MAX_GUIDANCE_CANDIDATES);
    const states = new Map(
      (await live.list(candidates.map((c) => c.facility.facility.facilityId))).map((s) => [s.facilityId, s]),
    );

    const evaluated: EvaluatedOption[] = [];
    for (const { facility: entry, walkM } of candidates) {
      const facility = entry.facility;
      const guidance: GuidanceFacility = {
        facilityId: facility.facilityId,
        location: entry.location,
        capacity: facility.capacity,
        categoryCapacity: categoryCapacity(facility, request.category),
        tariff: tariffOf(facility),
        band: bandOf(facility),
      };
      const priceMinor = priceForStay(guidance, stayMinutes);
      // A stay longer than the tariff allows cannot be served there.
      if (priceMinor === undefined && guidance.tariff.steps.length > 0) continue;
      const arrivalAt = estimateArrival(at, entry.location, {
        ...(request.arrivalTime ? { arrivalTime: request.arrivalTime.getTime() } : {}),
        ...(request.origin ? { origin: request.origin } : {}),
        speedMps: request.driveSpeedMps,
      });
      if (!Number.isFinite(arrivalAt)) throw new InvalidArgumentError('drive_speed_mps is too small');
      const leadMinutes = (arrivalAt - at) / 60_000;
      // Past GetForecast's cap nothing is known about the arrival: neither the live state nor a model.
      const withinHorizon = leadMinutes <= MAX_HORIZON_MINUTES;
      const state: LiveOccupancy | undefined = withinHorizon ? states.get(facility.facilityId) : undefined;
      const stale = state !== undefined && isStale(state, at);
      // Rounded to the forecast grid, so the forecaster's per-horizon caches stay bounded.
      const horizonMinutes = Math.max(GUIDANCE_HORIZON_STEP_MINUTES, roundToStep(leadMinutes));
      const forecast =
        withinHorizon && (leadMinutes >= NOWCAST_MINUTES || stale)
          ? (await forecaster.forecast(facility, at, [horizonMinutes]))[0]
          : undefined;
      const categoryOccupied = state?.byCategory.find((c) => c.category === request.category)?.occupied;
      const expectation = expectOnArrival(
        guidance,
        state
          ? {
              occupied: state.occupied,
              capacity: state.capacity,
              ...(categoryOccupied === undefined ? {} : { categoryOccupied }),
              ageMinutes: Math.max(0, (arrivalAt - state.observedAt) / 60_000),
              stale,
            }
          : undefined,
        forecast,
        leadMinutes,
      );
      evaluated.push({ facility: guidance, walkM, arrivalAt, expectation, priceMinor });
    }
    const ranked = rankOptions(evaluated, {
      maxWalkM,
      stayMinutes,
      minProbability: p,
      maxResults: request.maxResults || DEFAULT_MAX_RESULTS,
    });
    const byId = new Map(facilities.map((f) => [f.facilityId, f]));
    return FindAvailableResponse.fromPartial({
      options: ranked.map((option) => {
        const facility = byId.get(option.facility.facilityId) as Facility;
        const state = states.get(option.facility.facilityId);
        return {
          facility,
          walkDistanceM: distanceMetres(option.facility.location, destination),
          ...(state ? { current: toOccupancy(state, facility) } : {}),
          expectedFreeOnArrival: Number.isFinite(option.expectation.expectedFree)
            ? option.expectation.expectedFree
            : 0,
          availabilityProbability: Number.isFinite(option.expectation.probabilityFree)
            ? option.expectation.probabilityFree
            : 0,
          ...(option.priceMinor === undefined
            ? {}
            : {
                estimatedPrice: {
                  currencyCode: option.facility.tariff.currency,
                  amountMinor: option.priceMinor,
                },
              }),
          score: option.score,
          advice: option.explanation,
          arrivalTime: new Date(option.arrivalAt),
        };
      }),
    });
  };

  const getOccupancyHistoryHandler = async (
    request: GetOccupancyHistoryRequest,
  ): Promise<GetOccupancyHistoryResponse> => {
    const facility = await requireFacility(db, request.facilityId);
    if (!request.from) throw new InvalidArgumentError('from is required');
    const from = request.from.getTime();
    const to = request.to?.getTime() ?? now();
    if (!(from < to)) throw new InvalidArgumentError('from must be before to');
    const bucketMs = request.bucket ? durationToMs(request.bucket) : DEFAULT_BUCKET_MS;
    if (!(bucketMs >= 60_000)) throw new InvalidArgumentError('bucket must be at least 1 minute');
    if ((to - from) / bucketMs > MAX_BUCKETS) {
      throw new InvalidArgumentError(`window holds more than ${MAX_BUCKETS} buckets: use a wider bucket`);
    }
    const buckets = await occupancyBuckets(db, {
      facilityId: facility.facilityId,
      from: new Date(from),
      to: new Date(to),
      bucketMs,
    });
    return GetOccupancyHistoryResponse.fromPartial({
      facilityId: facility.facilityId,
      bucket: durationFromMs(bucketMs),
      buckets: buckets.map((b) => ({
        bucketStart: b.bucketStart,
        meanOccupied: b.meanOccupied,
        minOccupied: b.minOccupied,
        maxOccupied: b.maxOccupied,
        meanOccupancyRatio: b.meanRatio,
        capacity: b.capacity,
        samples: b.samples,
      })),
    });
  };

  return {
    listFacilities: unary(listFacilitiesHandler, logger),
    upsertFacility: upsertFacilityHandler,
    getOccupancy: unary(getOccupancyHandler, logger),
    streamOccupancyChanges,
    getForecast: unary(getForecastHandler, logger),
    findAvailable: unary(findAvailableHandler, logger),
    getOccupancyHistory: unary(getOccupancyHistoryHandler, logger),
  };
}
