import {
  busTopicsFor,
  type EventBus,
  type Logger,
  namespacedBus,
  type OutgoingMessage,
  type TopicMessages,
} from '@mobility/runtime';
import type { Pool } from 'pg';
import { ARCHIVED_TOPICS, archivedTopic, archiveTableFor } from '../domain/catalogue.js';
import { stampReplay } from '../domain/envelope.js';
import {
  comparePositions,
  dueAt,
  MinHeap,
  newRunId,
  type ReplayPosition,
  replayNamespace,
} from '../domain/replay.js';
import { readStream, type StoredEvent, streamsInWindow } from '../store/events.js';
import {
  claimRun,
  createRun,
  getRun,
  type ReplayRunRecord,
  saveProgress,
  transition,
} from '../store/runs.js';

/** Headers every replayed event carries besides its archived ones. */
export const REPLAY_HEADERS = {
  runId: 'replay-run-id',
} as const;

export interface ReplayRequest {
  from: number;
  to: number;
  /** Catalogue topic names; empty = every archived topic. */
  topics: readonly string[];
  /** 0 = as fast as possible. */
  speed: number;
  requestedBy: string;
  reason: string;
}

/** Validates a request, counts its events and records the run (pending). */
export async function planReplay(
  db: Pool,
  request: ReplayRequest,
  now = Date.now(),
): Promise<ReplayRunRecord> {
  if (!Number.isFinite(request.from) || !Number.isFinite(request.to) || request.to <= request.from) {
    throw new RangeError('a replay needs a window with from before to');
  }
  if (!(request.speed >= 0) || !Number.isFinite(request.speed))
    throw new RangeError('speed must be >= 0 (0 = max)');
  const chosen =
    request.topics.length > 0
      ? [...new Set(request.topics.map((name) => archivedTopic(name).name))]
      : ARCHIVED_TOPICS.map((spec) => spec.name);
  const streams = await streamsInWindow(db, { from: request.from, to: request.to, topics: chosen });
  return createRun(db, {
    runId: newRunId(now),
    from: request.from,
    to: request.to,
    topics: chosen,
    speed: request.speed,
    requestedBy: request.requestedBy,
    reason: request.reason,
    totalEvents: streams.reduce((sum, stream) => sum + stream.events, 0),
  });
}

export interface ReplayDeps {
  db: Pool;
  bus: EventBus;
  logger: Logger;
  /** Rows read per topic-partition per query (default 5000). */
  pageSize?: number;
  /** Most events per publish (default 5000). */
  batchSize?: number;
  /** How often progress is saved and pause/cancel looked for (default 250 ms). */
  progressIntervalMs?: number;
}

export interface ReplayHooks {
  onProgress?(run: ReplayRunRecord): void;
  /** True when the process is stopping: the run is left as it is, for another worker to take over. */
  stopping?(): boolean;
}

/** One topic-partition of the window, read page by page in offset order, the next page prefetched. */
class Stream {
  private page: StoredEvent[] = [];
  private index = 0;
  private nextPage: Promise<StoredEvent[]> | undefined;
  private fetchedUntil: number;
  private exhausted = false;
  /** The replay time of the head (see ReplayPosition). */
  replayTime = Number.NEGATIVE_INFINITY;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly read: (afterOffset: number) => Promise<StoredEvent[]>,
    private readonly pageSize: number,
    afterOffset: number,
  ) {
    this.fetchedUntil = afterOffset;
  }

  get head(): StoredEvent | undefined {
    return this.page[this.index];
  }

  position(): ReplayPosition {
    const head = this.head as StoredEvent;
    return { replayTime: this.replayTime, offset: head.offset, topic: this.topic, partition: this.partition };
  }

  /** Loads the first page; false when the stream has nothing (left) in the window. */
  async open(): Promise<boolean> {
    await this.turnPage();
    return this.head !== undefined;
  }

  /** Moves past the head; false when the stream is done. */
  async advance(): Promise<boolean> {
    this.index++;
    if (this.index >= this.page.length) await this.turnPage();
    else this.raiseReplayTime();
    return this.head !== undefined;
  }

  private async turnPage(): Promise<void> {
    const pending = this.nextPage;
    this.nextPage = undefined;
    this.page = pending ? await pending : this.exhausted ? [] : await this.fetch();
    this.index = 0;
    this.raiseReplayTime();
    // Read the next page while this one is being published.
    if (!this.exhausted && this.page.length > 0) {
      this.nextPage = this.fetch();
      // Its failure surfaces when the page is turned to; until then it must not count as unhandled.
      this.nextPage.catch(() => undefined);
    }
  }

  private async fetch(): Promise<StoredEvent[]> {
    const rows = await this.read(this.fetchedUntil);
    if (rows.length < this.pageSize) this.exhausted = true;
    const last = rows.at(-1);
    if (last) this.fetchedUntil = last.offset;
    return rows;
  }

  /** Replay time never goes back within a stream. */
  private raiseReplayTime(): void {
    const head = this.head;
    if (head) this.replayTime = Math.max(this.replayTime, head.eventTime);
  }
}

/**
 * Publishes a run's events into its namespace: streams (one per topic-partition, offset order)
 * merged by replay time, paced by the speed, in batches of one multi-topic publish each. Progress,
 * the per-stream cursor and the state are saved every progressIntervalMs; a pause or cancel made by
 * anyone (CLI, gRPC, another process) is seen there. A run resumed after its worker died continues
 * from its cursor.
 */
export async function executeReplay(
  deps: ReplayDeps,
  runId: string,
  hooks: ReplayHooks = {},
): Promise<ReplayRunRecord> {
  const { db, logger } = deps;
  const pageSize = deps.pageSize ?? 5000;
  const batchSize = deps.batchSize ?? 5000;
  const progressIntervalMs = deps.progressIntervalMs ?? 250;
  const claimed = await claimRun(db, runId);
  if (!claimed) {
    const existing = await getRun(db, runId);
    if (!existing) throw new RangeError(`no replay run ${runId}`);
    return existing;
  }
  const run = claimed;
  const bus = namespacedBus(deps.bus, replayNamespace(runId));
  try {
    const found = await streamsInWindow(db, run);
    // Only topics with events in the window: services started on the namespace create the rest.
    await bus.ensureTopics(busTopicsFor(found.map((stream) => stream.topic)));
    const streams: Stream[] = [];
    for (const stream of found) {
      const spec = archivedTopic(stream.topic);
      const table = archiveTableFor(spec.retention);
      const key = `${stream.topic}/${stream.partition}`;
      streams.push(
        new Stream(
          stream.topic,
          stream.partition,
          (after) =>
            readStream(db, { topic: stream.topic, partition: stream.partition, table }, run, after, pageSize),
          pageSize,
          run.cursor[key] ?? -1,
        ),
      );
    }
    const heap = new MinHeap<Stream>((a, b) => comparePositions(a.position(), b.position()) < 0);
    // First pages in parallel: one query per topic-partition.
    const opened = await Promise.all(streams.map((stream) => stream.open()));
    streams.forEach((stream, index) => {
      if (opened[index]) heap.push(stream);
    });

    const cursor: Record<string, number> = { ...run.cursor };
    let published = run.publishedEvents;
    let replayedUntil = run.replayedUntil;
    const first = heap.peek();
    const pacing = {
      wallStart: Date.now(),
      firstEventTime: first ? first.replayTime : 0,
      speed: run.speed,
      pausedMs: 0,
    };
    let batch: Array<{ topic: string; message: OutgoingMessage; source: StoredEvent }> = [];
    // One publish in flight while the next batch is read and built; the next is sent only once the
    // previous one is acknowledged, so the order on each partition is the order given.
    let inFlight: Promise<void> = Promise.resolve();

    const send = async () => {
      if (batch.length === 0) return;
      const sending = batch;
      batch = [];
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const { topic, message } of sending) {
        let messages = byTopic.get(topic);
        if (!messages) {
          messages = [];
          byTopic.set(topic, messages);
        }
        messages.push(message);
      }
      const batches: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      await inFlight;
      inFlight = bus.publishBatch(batches).then(() => {
        for (const { source } of sending) {
          cursor[`${source.topic}/${source.partition}`] = source.offset;
          replayedUntil =
            replayedUntil === undefined ? source.eventTime : Math.max(replayedUntil, source.eventTime);
        }
        published += sending.length;
      });
      // A failed publish surfaces at the next await of inFlight; keep it from being unhandled meanwhile.
      inFlight.catch(() => undefined);
    };
    /** Everything built so far is published and acknowledged. */
    const drain = async () => {
      await send();
      await inFlight;
    };

    const report = async (): Promise<ReplayRunRecord['state']> => {
      const state = await saveProgress(db, runId, { publishedEvents: published, replayedUntil, cursor });
      hooks.onProgress?.({
        ...run,
        state,
        publishedEvents: published,
        replayedUntil,
        cursor,
        updatedAt: Date.now(),
      });
      return state;
    };

    let lastReport = Date.now();
    // Progress is saved in the background while publishing goes on (one save at a time); the state
    // each save returns is how a pause or cancel made elsewhere reaches this loop.
    let observed: ReplayRunRecord['state'] = run.state;
    let saving: Promise<void> | undefined;
    let saveFailure: unknown;
    const reportInBackground = () => {
      if (saving) return;
      lastReport = Date.now();
      saving = report()
        .then((state) => {
          observed = state;
        })
        .catch((error: unknown) => {
          saveFailure = error;
        })
        .finally(() => {
          saving = undefined;
        });
    };

    /**
     * Acts on what the last save saw: keeps going while running; on pause, drains and waits for a
     * resume (reporting as it waits, which is also its heartbeat); returns false when the run must
     * end here (cancelled, or this process is stopping).
     */
    const checkpoint = async (): Promise<boolean> => {
      if (saveFailure) throw saveFailure;
      if (observed === 'running' && !hooks.stopping?.()) return true;
      await saving;
      await drain();
      let state = await report();
      if (state === 'paused') {
        const pausedAt = Date.now();
        while (state === 'paused' && !hooks.stopping?.()) {
          await sleep(progressIntervalMs);
          state = await report();
        }
        pacing.pausedMs += Date.now() - pausedAt;
      }
      observed = state;
      lastReport = Date.now();
      if (state === 'running' && !hooks.stopping?.()) return true;
      return false;
    };
    const keepGoing = () => {
      if (Date.now() - lastReport >= progressIntervalMs) reportInBackground();
      return checkpoint();
    };

    // A run taken over while paused waits for its resume before publishing anything.
    if (run.state === 'paused' && !(await checkpoint())) return finish('stopped');
    while (heap.size > 0) {
      const stream = heap.peek() as Stream;
      const due = dueAt(pacing, stream.replayTime);
      const now = Date.now();
      if (due > now) {
        await send();
        await sleep(Math.min(due - now, progressIntervalMs));
        if (!(await keepGoing())) return finish('stopped');
        continue;
      }
      heap.pop();
      const event = stream.head as StoredEvent;
      batch.push({
        topic: event.topic,
        source: event,
        message: {
          key: event.key,
          value: stampReplay(event.payload, runId),
          headers: {
            ...event.headers,
            [REPLAY_HEADERS.runId]: runId,
          },
          timestamp: event.eventTime,
        },
      });
      if (await stream.advance()) heap.push(stream);
      if (batch.length >= batchSize) await send();
      if (!(await keepGoing())) return finish('stopped');
    }
    await drain();
    await saving;
    if (saveFailure) throw saveFailure;
    await report();
    return finish('completed');
  } catch (error) {
    logger.error({ err: error, runId }, 'replay failed');
    const message = error instanceof Error ? error.message : String(error);
    await transition(db, runId, ['running', 'paused'], 'failed', message.slice(0, 1000));
    throw error;
  } finally {
    await bus.close();
  }

  async function finish(how: 'completed' | 'stopped'): Promise<ReplayRunRecord> {
    if (how === 'completed') await transition(db, runId, ['running', 'paused'], 'completed');
    const final = (await getRun(db, runId)) as ReplayRunRecord;
    hooks.onProgress?.(final);
    return final;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
