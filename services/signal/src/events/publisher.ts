/**
 * Where the controllers' output goes: the event log and the tables first, then Kafka. Writes run
 * one after another on a single chain, so events of one intersection reach the log and the bus in
 * the order the controller produced them; a failure is logged and the chain carries on (the live
 * signals never wait for storage).
 */
import type { PhaseChanged } from '@mobility/contracts/signal/v1/events';
import { topic } from '@mobility/contracts/topics';
import type { EventBus, Logger, OutgoingMessage } from '@mobility/runtime';
import type { TickResult } from '../control/intersection-controller.js';
import type { GrantRecord, PhaseChangeRecord, PlanChangeRecord } from '../control/records.js';
import type { AlarmChange } from '../domain/detector-health.js';
import type { IntersectionModel } from '../domain/model.js';
import { toDetectorAlarm, toPhaseChanged, toPlanChanged, toPriorityGranted } from '../mapping.js';
import {
  deleteOverride,
  type Queryable,
  recordAlarm,
  recordEvents,
  recordGrant,
  type SignalEventRow,
} from '../store/signal-store.js';

export const TOPICS = {
  detectorCount: 'signal.detector-count.v1',
  phaseChanged: 'signal.phase-changed.v1',
  planChanged: 'signal.plan-changed.v1',
  priorityGranted: 'signal.priority-granted.v1',
  detectorAlarm: 'signal.detector-alarm.v1',
  positionMatched: 'avl.position-matched.v1',
} as const;

const PHASE_EVENT: Record<PhaseChangeRecord['colour'], SignalEventRow['type']> = {
  green: 'phase-green',
  yellow: 'phase-yellow',
  'red-clearance': 'phase-red-clearance',
};

export interface Publisher {
  tick(model: IntersectionModel, result: TickResult): void;
  planChange(model: IntersectionModel, record: PlanChangeRecord): Promise<void>;
  alarms(model: IntersectionModel, changes: readonly AlarmChange[], replayRunId?: string): Promise<void>;
  /** Runs `work` on the output chain, after everything queued before it. */
  enqueue(work: () => Promise<void>): Promise<void>;
  /** Resolves when everything queued so far is written. */
  idle(): Promise<void>;
}

export function createPublisher(deps: {
  db: Queryable;
  bus: EventBus;
  logger: Logger;
  now: () => number;
  /** Local listeners of phase changes (the gRPC stream). */
  onPhaseChanged?: (message: PhaseChanged) => void;
}): Publisher {
  const { db, bus, logger, now } = deps;
  let chain: Promise<void> = Promise.resolve();

  const enqueue = (work: () => Promise<void>): Promise<void> => {
    const run = chain.then(work).catch((error: unknown) => {
      logger.error({ err: error }, 'signal output could not be written');
    });
    chain = run;
    return run;
  };

  const encode = <T>(
    spec: { codec: { encode(m: T): { finish(): Uint8Array } } },
    key: string,
    message: T,
    atMs: number,
  ): OutgoingMessage => ({
    key,
    value: spec.codec.encode(message).finish(),
    timestamp: atMs,
  });

  async function writePlanChange(model: IntersectionModel, record: PlanChangeRecord): Promise<void> {
    const message = toPlanChanged(model, record, now());
    if (record.cause !== 'adaptive') {
      await recordEvents(db, [
        {
          intersectionId: model.id,
          occurredAtMs: record.atMs,
          type: record.cause === 'override-set' ? 'override-set' : 'override-ended',
          parameter: record.override?.overrideId ?? record.planId,
          details: { planId: record.planId, previousPlanId: record.previousPlanId },
        },
      ]);
    }
    await bus.publish(TOPICS.planChanged, [
      encode(topic(TOPICS.planChanged), model.id, message, record.atMs),
    ]);
    // An override that ended (cleared or expired) must not come back after a restart.
    if (record.cause === 'override-ended' && record.override) {
      await deleteOverride(db, model.id, record.override.overrideId);
    }
  }

  async function writeGrant(model: IntersectionModel, grant: GrantRecord): Promise<void> {
    await recordGrant(db, grant);
    await recordEvents(db, [
      {
        intersectionId: model.id,
        occurredAtMs: grant.atMs,
        type: 'priority-granted',
        parameter: grant.requestId,
        details: { action: grant.action, adjustmentS: grant.adjustmentS, approachId: grant.approachId },
      },
    ]);
    const message = toPriorityGranted(model, grant, now());
    await bus.publish(TOPICS.priorityGranted, [
      encode(topic(TOPICS.priorityGranted), model.id, message, grant.atMs),
    ]);
  }

  return {
    enqueue,
    idle: () => chain,

    tick(model, result) {
      if (result.phaseChanges.length === 0 && result.planChanges.length === 0 && result.grants.length === 0)
        return;
      void enqueue(async () => {
        for (const grant of result.grants) await writeGrant(model, grant);
        for (const plan of result.planChanges) await writePlanChange(model, plan);
        if (result.phaseChanges.length === 0) return;
        await recordEvents(
          db,
          result.phaseChanges.map((change) => ({
            intersectionId: model.id,
            occurredAtMs: change.atMs,
            type: PHASE_EVENT[change.colour],
            parameter: change.stageId,
            details: {
              cause: change.cause,
              ...(change.nextStageId ? { nextStageId: change.nextStageId } : {}),
              groups: change.groupIds,
              ...(change.explanation ? { summary: change.explanation.summary } : {}),
            },
          })),
        );
        const producedAt = now();
        const messages = result.phaseChanges.map((change) => toPhaseChanged(model, change, producedAt));
        await bus.publish(
          TOPICS.phaseChanged,
          messages.map((message, i) =>
            encode(topic(TOPICS.phaseChanged), model.id, message, result.phaseChanges[i]?.atMs ?? producedAt),
          ),
        );
        for (const message of messages) deps.onPhaseChanged?.(message);
      });
    },

    planChange: (model, record) => enqueue(() => writePlanChange(model, record)),

    alarms(model, changes, replayRunId = '') {
      if (changes.length === 0) return Promise.resolve();
      return enqueue(async () => {
        for (const change of changes) {
          await recordAlarm(db, model.id, change);
          await recordEvents(db, [
            {
              intersectionId: model.id,
              occurredAtMs: change.atMs,
              type: change.state === 'raised' ? 'detector-alarm-raised' : 'detector-alarm-cleared',
              parameter: change.alarmId,
              details: {
                detectorId: change.detectorId,
                kind: change.kind,
                summary: change.explanation.summary,
              },
            },
          ]);
        }
        const producedAt = now();
        await bus.publish(
          TOPICS.detectorAlarm,
          changes.map((change) =>
            encode(
              topic(TOPICS.detectorAlarm),
              model.id,
              toDetectorAlarm(model.id, change, producedAt, replayRunId),
              change.atMs,
            ),
          ),
        );
      });
    },
  };
}
