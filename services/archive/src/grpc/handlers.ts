import type { ServerWritableStream } from '@grpc/grpc-js';
import {
  type ArchiveServiceServer,
  type ControlReplayRequest,
  ControlReplayResponse,
  type GetKpiRequest,
  GetKpiResponse,
  type ListReplaysRequest,
  ListReplaysResponse,
  ReplayAction,
  type ReplayRun,
  ReplayState,
  type StartReplayRequest,
  StartReplayResponse,
  type WatchReplayRequest,
  WatchReplayResponse,
} from '@mobility/contracts/archive/v1/service';
import { durationToMs } from '@mobility/contracts/wkt';
import {
  type AuditLog,
  audited,
  FailedPreconditionError,
  InvalidArgumentError,
  type Logger,
  NotFoundError,
  unary,
} from '@mobility/runtime';
import type { Pool } from 'pg';
import { DEFAULT_BUCKET_MS, isKpiName, KPIS, type KpiQuery, validateKpiQuery } from '../domain/kpi.js';
import {
  type ReplayAction as Action,
  nextState,
  replayNamespace,
  StateError,
  TERMINAL_STATES,
} from '../domain/replay.js';
import { planReplay } from '../replay/engine.js';
import type { ReplayWorkers } from '../replay/workers.js';
import { queryKpi } from '../store/kpi-queries.js';
import { getRun, listRuns, type ReplayRunRecord, transition } from '../store/runs.js';

const STATES: Record<ReplayRunRecord['state'], ReplayState> = {
  pending: ReplayState.PENDING,
  running: ReplayState.RUNNING,
  paused: ReplayState.PAUSED,
  completed: ReplayState.COMPLETED,
  cancelled: ReplayState.CANCELLED,
  failed: ReplayState.FAILED,
};

export function toReplayRun(run: ReplayRunRecord): ReplayRun {
  return {
    runId: run.runId,
    namespace: replayNamespace(run.runId),
    from: new Date(run.from),
    to: new Date(run.to),
    topics: run.topics,
    speed: run.speed,
    state: STATES[run.state],
    totalEvents: run.totalEvents,
    publishedEvents: run.publishedEvents,
    ...(run.replayedUntil !== undefined ? { replayedUntil: new Date(run.replayedUntil) } : {}),
    requestedBy: run.requestedBy,
    createdAt: new Date(run.createdAt),
    updatedAt: new Date(run.updatedAt),
    error: run.error,
  };
}

const ACTIONS: Partial<Record<ReplayAction, Action>> = {
  [ReplayAction.PAUSE]: 'pause',
  [ReplayAction.RESUME]: 'resume',
  [ReplayAction.CANCEL]: 'cancel',
};

export interface ArchiveHandlerDeps {
  db: Pool;
  audit: AuditLog;
  logger: Logger;
  workers: ReplayWorkers;
  timescale: () => Promise<boolean>;
  /** How often WatchReplay looks at the run (default 500 ms). */
  watchIntervalMs?: number;
}

/** Changes a run's state as the action says; shared by gRPC and the CLI. */
export async function controlRun(db: Pool, runId: string, action: Action): Promise<ReplayRunRecord> {
  const run = await getRun(db, runId);
  if (!run) throw new NotFoundError(`no replay run ${runId}`);
  let next: ReplayRunRecord['state'];
  try {
    next = nextState(run.state, action);
  } catch (error) {
    if (error instanceof StateError) throw new FailedPreconditionError(error.message);
    throw error;
  }
  const moved = await transition(db, runId, [run.state], next);
  if (!moved) throw new FailedPreconditionError(`run ${runId} changed state meanwhile; try again`);
  return moved;
}

export function createArchiveHandlers(deps: ArchiveHandlerDeps): ArchiveServiceServer {
  const { db, audit, logger, workers } = deps;

  const startReplay = audited<StartReplayRequest, StartReplayResponse>(
    'StartReplay',
    async (request, { principal, reason }) => {
      let run: ReplayRunRecord;
      try {
        run = await planReplay(db, {
          from: request.from?.getTime() ?? Number.NaN,
          to: request.to?.getTime() ?? Number.NaN,
          topics: request.topics,
          speed: request.speed,
          requestedBy: principal.subject,
          reason,
        });
      } catch (error) {
        if (error instanceof RangeError) throw new InvalidArgumentError(error.message);
        throw error;
      }
      workers.start(run.runId);
      return StartReplayResponse.fromPartial({ run: toReplayRun(run) });
    },
    {
      audit,
      logger,
      reasonOf: (request) => request.change?.reason,
      targetOf: () => 'replay',
      detailsOf: (request) => ({
        from: request.from?.toISOString(),
        to: request.to?.toISOString(),
        topics: request.topics,
        speed: request.speed,
      }),
    },
  );

  const controlReplay = audited<ControlReplayRequest, ControlReplayResponse>(
    'ControlReplay',
    async (request) => {
      const action = ACTIONS[request.action];
      if (!action) throw new InvalidArgumentError('action must be PAUSE, RESUME or CANCEL');
      const run = await controlRun(db, request.runId, action);
      // A resumed run whose worker is gone (process restarted while paused) is taken up here.
      if (action === 'resume' && !workers.isRunning(run.runId)) workers.start(run.runId);
      return ControlReplayResponse.fromPartial({ run: toReplayRun(run) });
    },
    {
      audit,
      logger,
      reasonOf: (request) => request.change?.reason,
      targetOf: (request) => request.runId,
      detailsOf: (request) => ({ action: ReplayAction[request.action] }),
    },
  );

  const listReplays = async (request: ListReplaysRequest): Promise<ListReplaysResponse> => {
    const limit = request.limit === 0 ? 50 : Math.min(request.limit, 1000);
    return ListReplaysResponse.fromPartial({ runs: (await listRuns(db, limit)).map(toReplayRun) });
  };

  const getKpi = async (request: GetKpiRequest): Promise<GetKpiResponse> => {
    if (!isKpiName(request.kpi)) {
      throw new InvalidArgumentError(`unknown KPI ${request.kpi}; known: ${Object.keys(KPIS).join(', ')}`);
    }
    const query: KpiQuery = {
      kpi: request.kpi,
      from: request.from?.getTime() ?? Number.NaN,
      to: request.to?.getTime() ?? Number.NaN,
      bucketMs: request.bucket ? durationToMs(request.bucket) : DEFAULT_BUCKET_MS,
      entityIds: request.entityIds,
    };
    try {
      validateKpiQuery(query);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
    const definition = KPIS[query.kpi];
    const rows = await queryKpi(db, await deps.timescale(), query);
    return GetKpiResponse.fromPartial({
      kpi: definition.name,
      entityKind: definition.entityKind,
      measures: [...definition.measures],
      rows: rows.map((row) => ({
        bucketStart: new Date(row.bucketStart),
        entityId: row.entityId,
        values: row.values,
      })),
    });
  };

  const watchReplay = (call: ServerWritableStream<WatchReplayRequest, WatchReplayResponse>): void => {
    let ended = false;
    const end = () => {
      ended = true;
    };
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
    (async () => {
      let lastSeen = -1;
      for (;;) {
        if (ended || call.cancelled || call.destroyed) return;
        const run = await getRun(db, call.request.runId);
        if (!run) {
          call.destroy(Object.assign(new Error(`no replay run ${call.request.runId}`), { code: 5 }));
          return;
        }
        if (run.updatedAt !== lastSeen) {
          lastSeen = run.updatedAt;
          call.write(WatchReplayResponse.fromPartial({ run: toReplayRun(run) }));
        }
        if (TERMINAL_STATES.has(run.state)) {
          call.end();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, deps.watchIntervalMs ?? 500));
      }
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'WatchReplay failed');
      if (!call.destroyed) call.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  };

  return {
    startReplay,
    listReplays: unary(listReplays, logger),
    controlReplay,
    watchReplay,
    getKpi: unary(getKpi, logger),
  };
}
