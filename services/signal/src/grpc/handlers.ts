/**
 * SignalService over gRPC: live state, the phase-change stream, audited operator overrides and
 * ATSPM-style performance measures. Request validation here; decisions in the controllers and the
 * pure domain. Errors are DomainErrors, mapped to status codes by the runtime.
 *
 * An override never sets a colour itself: it becomes the controller's decision and goes through the
 * same safety guard, so minimum greens, pedestrian times, yellow and all-red still hold.
 */
import { randomUUID } from 'node:crypto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { DataQualityFlag } from '@mobility/contracts/common/v1/event';
import type { PhaseChanged } from '@mobility/contracts/signal/v1/events';
import { ControlMode, type HoldPhases } from '@mobility/contracts/signal/v1/intersection';
import {
  type ClearOverrideRequest,
  ClearOverrideResponse,
  type GetIntersectionRequest,
  GetIntersectionResponse,
  type GetPerformanceMeasuresRequest,
  GetPerformanceMeasuresResponse,
  type ListIntersectionsRequest,
  ListIntersectionsResponse,
  type SetOverrideRequest,
  SetOverrideResponse,
  type SignalServiceServer,
  type StreamPhaseChangesRequest,
  StreamPhaseChangesResponse,
} from '@mobility/contracts/signal/v1/service';
import { durationToMs } from '@mobility/contracts/wkt';
import {
  type AuditLog,
  audited,
  type Clock,
  FailedPreconditionError,
  InvalidArgumentError,
  type Logger,
  NotFoundError,
  toServiceError,
  unary,
} from '@mobility/runtime';
import type { IntersectionController } from '../control/intersection-controller.js';
import type { OverrideAction, OverrideState } from '../control/records.js';
import { computeMeasures } from '../domain/measures.js';
import type { IntersectionModel } from '../domain/model.js';
import { isStrategyName } from '../domain/strategy.js';
import type { Publisher } from '../events/publisher.js';
import {
  controlModeOf,
  groupIdsOfPhases,
  toAuditStamp,
  toIntersection,
  toOverride,
  toStatus,
  travelDirection,
} from '../mapping.js';
import {
  deleteOverride,
  loadCounts,
  loadGreens,
  type Queryable,
  saveOverride,
} from '../store/signal-store.js';

/** Every override ends by itself; operators renew if they need longer. */
export const MAX_OVERRIDE_S = 4 * 3600;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** Widest measures window per call, and the most bins it may hold. */
const MAX_MEASURE_WINDOW_MS = 31 * 24 * 3_600_000;
const MAX_MEASURE_BINS = 5000;

export interface PhaseFeed {
  publish(message: PhaseChanged): void;
  subscribe(listener: (message: PhaseChanged) => void): () => void;
}

export function createPhaseFeed(): PhaseFeed {
  const listeners = new Set<(message: PhaseChanged) => void>();
  return {
    publish(message) {
      for (const listener of listeners) listener(message);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export interface HandlerDeps {
  controllers: ReadonlyMap<string, IntersectionController>;
  db: Queryable;
  audit: AuditLog;
  publisher: Publisher;
  feed: PhaseFeed;
  clock: Clock;
  logger: Logger;
}

function pageOffset(token: string): number {
  if (token === '') return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0)
    throw new InvalidArgumentError('page_token is not a token this server issued');
  return offset;
}

/** The stage an operator asked to hold: by id, or the smallest stage showing all the given phases. */
export function stageToHold(model: IntersectionModel, hold: HoldPhases): string {
  if (hold.stageId !== '') {
    if (!model.stages.some((s) => s.id === hold.stageId)) {
      throw new InvalidArgumentError(`stage ${hold.stageId} does not exist at ${model.id}`);
    }
    return hold.stageId;
  }
  if (hold.phaseNumbers.length === 0)
    throw new InvalidArgumentError('hold_phases needs a stage_id or phase_numbers');
  const groups = groupIdsOfPhases(model, hold.phaseNumbers);
  if (groups.length !== hold.phaseNumbers.length) {
    throw new InvalidArgumentError(
      `phase numbers ${hold.phaseNumbers.join(', ')} are not all phases of ${model.id}`,
    );
  }
  const candidates = model.stages
    .filter((stage) => groups.every((g) => stage.signalGroupIds.includes(g)))
    .sort((a, b) => a.signalGroupIds.length - b.signalGroupIds.length);
  const stage = candidates[0];
  if (!stage) {
    throw new InvalidArgumentError(
      `no stage shows phases ${hold.phaseNumbers.join(', ')} green together: they conflict`,
    );
  }
  return stage.id;
}

function overrideActionOf(model: IntersectionModel, request: SetOverrideRequest): OverrideAction {
  const action = request.action?.action;
  if (!action) throw new InvalidArgumentError('action is required');
  switch (action.$case) {
    case 'holdPhases':
      return { kind: 'hold-stage', stageId: stageToHold(model, action.value) };
    case 'forcePlanId':
      if (!isStrategyName(action.value)) {
        throw new InvalidArgumentError(
          `force_plan_id must be one of fixed, webster, max-pressure, adaptive (got "${action.value}")`,
        );
      }
      return { kind: 'strategy', strategy: action.value };
    case 'mode':
      if (action.value === ControlMode.FIXED_TIME) return { kind: 'strategy', strategy: 'fixed' };
      if (action.value === ControlMode.ADAPTIVE) return { kind: 'strategy', strategy: 'adaptive' };
      throw new FailedPreconditionError(
        `mode ${ControlMode[action.value]} cannot be set by override here (fixed-time or adaptive only)`,
      );
    case 'flash':
      // The safety guard has no flash sequence (entry/exit through all-red with timings); refusing
      // is safer than improvising one here.
      throw new FailedPreconditionError('flash is not supported by this controller; hold a stage instead');
  }
}

export function createSignalHandlers(deps: HandlerDeps): SignalServiceServer {
  const { controllers, db, audit, publisher, feed, clock, logger } = deps;

  const requireController = (intersectionId: string): IntersectionController => {
    if (intersectionId.trim() === '') throw new InvalidArgumentError('intersection_id is required');
    const controller = controllers.get(intersectionId);
    if (!controller) throw new NotFoundError(`intersection ${intersectionId} is not configured`);
    return controller;
  };

  const describe = (controller: IntersectionController) => {
    const status = controller.status();
    return {
      intersection: toIntersection(controller.model, [
        { planId: status.planId, plan: controller.plan(), mode: controlModeOf(status.mode) },
      ]),
      status: toStatus(controller.model, status),
    };
  };

  const getIntersection = async (request: GetIntersectionRequest) =>
    GetIntersectionResponse.fromPartial(describe(requireController(request.intersectionId)));

  const listIntersections = async (request: ListIntersectionsRequest) => {
    const size = request.page?.pageSize || DEFAULT_PAGE_SIZE;
    if (size > MAX_PAGE_SIZE) throw new InvalidArgumentError(`page_size is at most ${MAX_PAGE_SIZE}`);
    const offset = pageOffset(request.page?.pageToken ?? '');
    const box = request.within;
    if (box && (!box.southWest || !box.northEast)) {
      throw new InvalidArgumentError('within needs both south_west and north_east');
    }
    // Corridors are not modelled yet: no intersection belongs to one.
    const all = request.corridorId !== '' ? [] : [...controllers.values()];
    const matching = all
      .filter((controller) => {
        const location = controller.model.location;
        if (box?.southWest && box.northEast) {
          if (!location) return false;
          if (location.lat < box.southWest.lat || location.lat > box.northEast.lat) return false;
          if (location.lon < box.southWest.lon || location.lon > box.northEast.lon) return false;
        }
        if (
          request.mode !== ControlMode.UNSPECIFIED &&
          controlModeOf(controller.status().mode) !== request.mode
        ) {
          return false;
        }
        return true;
      })
      .sort((a, b) => a.model.id.localeCompare(b.model.id));
    const page = matching.slice(offset, offset + size);
    const next =
      offset + size < matching.length ? Buffer.from(String(offset + size)).toString('base64url') : '';
    return ListIntersectionsResponse.fromPartial({
      intersections: page.map(describe),
      page: { nextPageToken: next, totalSize: matching.length },
    });
  };

  const streamPhaseChanges = (
    call: ServerWritableStream<StreamPhaseChangesRequest, StreamPhaseChangesResponse>,
  ) => {
    const wanted = new Set(call.request.intersectionIds);
    const unknown = [...wanted].filter((id) => !controllers.has(id));
    if (unknown.length > 0) {
      call.emit(
        'error',
        toServiceError(new NotFoundError(`intersection not configured: ${unknown.join(', ')}`), logger),
      );
      return;
    }
    const unsubscribe = feed.subscribe((message) => {
      if (wanted.size > 0 && !wanted.has(message.intersectionId)) return;
      if (!call.cancelled && !call.destroyed)
        call.write(StreamPhaseChangesResponse.fromPartial({ phaseChanged: message }));
    });
    call.on('cancelled', unsubscribe);
    call.on('close', unsubscribe);
    call.on('error', unsubscribe);
  };

  const setOverride = audited<SetOverrideRequest, SetOverrideResponse>(
    'SetOverride',
    async (request, { principal, reason }) => {
      const controller = requireController(request.intersectionId);
      const durationS = durationToMs(request.duration) / 1000;
      if (!(durationS > 0)) throw new InvalidArgumentError('duration is required and must be positive');
      if (durationS > MAX_OVERRIDE_S) {
        throw new InvalidArgumentError(
          `duration is at most ${MAX_OVERRIDE_S / 3600} h; renew the override if needed`,
        );
      }
      const action = overrideActionOf(controller.model, request);
      const nowMs = clock.now();
      const override: OverrideState = {
        overrideId: randomUUID(),
        action,
        startedAtMs: nowMs,
        expiresAtMs: nowMs + durationS * 1000,
        audit: {
          actorKind: 'operator',
          actorId: principal.subject,
          reason,
          ...(request.change?.ticketRef ? { ticketRef: request.change.ticketRef } : {}),
          changedAtMs: nowMs,
        },
      };
      const record = controller.setOverride(override, nowMs);
      await saveOverride(db, controller.model.id, override);
      await publisher.planChange(controller.model, record);
      return SetOverrideResponse.fromPartial({ override: toOverride(controller.model, override) });
    },
    {
      audit,
      logger,
      reasonOf: (request) => request.change?.reason,
      targetOf: (request) => request.intersectionId,
      detailsOf: (request) => ({
        action: request.action?.action?.$case,
        durationS: durationToMs(request.duration) / 1000,
        ticketRef: request.change?.ticketRef,
      }),
    },
  );

  const clearOverride = audited<ClearOverrideRequest, ClearOverrideResponse>(
    'ClearOverride',
    async (request, { principal, reason }) => {
      const controller = requireController(request.intersectionId);
      const active = controller.status().override;
      if (!active) throw new FailedPreconditionError(`no override is active at ${request.intersectionId}`);
      if (request.overrideId !== active.overrideId) {
        throw new FailedPreconditionError(
          `override ${request.overrideId} is not the active one (${active.overrideId})`,
        );
      }
      const nowMs = clock.now();
      const stamp = {
        actorKind: 'operator' as const,
        actorId: principal.subject,
        reason,
        ...(request.change?.ticketRef ? { ticketRef: request.change.ticketRef } : {}),
        changedAtMs: nowMs,
      };
      const record = controller.clearOverride(nowMs, 'cleared', stamp);
      await deleteOverride(db, controller.model.id, active.overrideId);
      if (record) await publisher.planChange(controller.model, record);
      return ClearOverrideResponse.fromPartial({
        status: toStatus(controller.model, controller.status()),
        cleared: toAuditStamp(stamp),
      });
    },
    {
      audit,
      logger,
      reasonOf: (request) => request.change?.reason,
      targetOf: (request) => request.intersectionId,
      detailsOf: (request) => ({ overrideId: request.overrideId, ticketRef: request.change?.ticketRef }),
    },
  );

  const getPerformanceMeasures = async (request: GetPerformanceMeasuresRequest) => {
    const controller = requireController(request.intersectionId);
    const model = controller.model;
    if (!request.from) throw new InvalidArgumentError('from is required');
    const fromMs = request.from.getTime();
    const toMs = request.to?.getTime() ?? clock.now();
    if (!(fromMs < toMs)) throw new InvalidArgumentError('from must be before to');
    if (toMs - fromMs > MAX_MEASURE_WINDOW_MS)
      throw new InvalidArgumentError('the window is at most 31 days');
    const binMs = request.bin ? durationToMs(request.bin) : 0;
    if (binMs < 0 || (binMs > 0 && binMs < 60_000))
      throw new InvalidArgumentError('bin must be at least 1 minute');
    if (binMs > 0 && (toMs - fromMs) / binMs > MAX_MEASURE_BINS) {
      throw new InvalidArgumentError(`the window holds more than ${MAX_MEASURE_BINS} bins: use a wider bin`);
    }
    const phaseFilter = new Set(request.phaseNumbers);
    const [counts, greens] = await Promise.all([
      loadCounts(db, model.id, fromMs, toMs),
      loadGreens(db, model.id, fromMs, toMs, Math.min(toMs, clock.now())),
    ]);
    const result = computeMeasures(model, { fromMs, toMs, binMs: binMs || toMs - fromMs, greens, counts });
    const approachPhases = new Map(
      model.approaches.map((a) => [
        a.id,
        a.signalGroupIds
          .map((id) => model.signalGroups.findIndex((g) => g.id === id) + 1)
          .filter((n) => n > 0 && model.signalGroups[n - 1]?.kind !== 'pedestrian'),
      ]),
    );
    const bin = (b: (typeof result.approaches)[number]['bins'][number], share = 1) => ({
      binStart: new Date(b.binStartMs),
      volume: Math.round(b.volume * share),
      arrivalsOnGreen: Math.round(b.arrivalsOnGreen * share),
      splitFailures: b.splitFailures,
      cycles: b.cycles,
      meanDelayS: b.volume > 0 ? b.totalDelayVehS / b.volume : 0,
    });
    // A phase's measures: the approaches it serves, an approach's vehicles shared among its phases.
    const phases = model.signalGroups
      .map((group, i) => ({ group, phaseNumber: i + 1 }))
      .filter(
        ({ group, phaseNumber }) =>
          group.kind !== 'pedestrian' && (phaseFilter.size === 0 || phaseFilter.has(phaseNumber)),
      )
      .map(({ phaseNumber }) => {
        const served = result.approaches.filter((a) =>
          approachPhases.get(a.approachId)?.includes(phaseNumber),
        );
        const share = (approachId: string) => 1 / Math.max(1, approachPhases.get(approachId)?.length ?? 1);
        const arrivals = served.reduce((s, a) => s + a.volume * share(a.approachId), 0);
        const onGreen = served.reduce((s, a) => s + a.arrivalsOnGreen * share(a.approachId), 0);
        const cycles = Math.max(0, ...served.map((a) => a.cycles));
        const splitFailures = Math.max(0, ...served.map((a) => a.splitFailures));
        const greenS = Math.max(0, ...served.map((a) => a.greenS));
        const windowS = (toMs - fromMs) / 1000;
        const aog = arrivals > 0 ? onGreen / arrivals : 0;
        return {
          phaseNumber,
          cycles,
          arrivals: Math.round(arrivals),
          arrivalsOnGreen: Math.round(onGreen),
          arrivalsOnGreenRatio: aog,
          platoonRatio: greenS > 0 ? aog / (greenS / windowS) : 0,
          splitFailures,
          splitFailureRatio: cycles > 0 ? splitFailures / cycles : 0,
          meanGreenS: cycles > 0 ? greenS / cycles : 0,
          gapOuts: 0,
          maxOuts: 0,
          forceOffs: 0,
          bins:
            binMs > 0 && served[0]
              ? served[0].bins.map((b, i) => {
                  const merged = { ...b, volume: 0, arrivalsOnGreen: 0, totalDelayVehS: 0 };
                  for (const a of served) {
                    const other = a.bins[i];
                    if (!other) continue;
                    merged.volume += other.volume * share(a.approachId);
                    merged.arrivalsOnGreen += other.arrivalsOnGreen * share(a.approachId);
                    merged.totalDelayVehS += other.totalDelayVehS * share(a.approachId);
                  }
                  return bin(merged);
                })
              : [],
        };
      });
    const flags: DataQualityFlag[] = [];
    if (result.dataCompleteness < 0.9) flags.push(DataQualityFlag.INCOMPLETE);
    if (controller.health.alarmedDetectorIds().length > 0) flags.push(DataQualityFlag.SENSOR_FAULT);
    return GetPerformanceMeasuresResponse.fromPartial({
      intersectionId: model.id,
      from: new Date(fromMs),
      to: new Date(toMs),
      phases,
      approaches: result.approaches.map((a) => ({
        approachId: a.approachId,
        direction: travelDirection(model.approaches.find((x) => x.id === a.approachId)?.bearingDeg),
        volume: a.volume,
        volumePerHour: a.volumePerHour,
        meanDelayS: a.meanDelayS,
        totalDelayVehH: a.totalDelayVehS / 3600,
        bins: binMs > 0 ? a.bins.map((b) => bin(b)) : [],
      })),
      dataCompletenessRatio: result.dataCompleteness,
      qualityFlags: flags,
    });
  };

  return {
    getIntersection: unary(getIntersection, logger),
    listIntersections: unary(listIntersections, logger),
    streamPhaseChanges,
    setOverride,
    clearOverride,
    getPerformanceMeasures: unary(getPerformanceMeasures, logger),
  };
}
