import { randomBytes } from 'node:crypto';
import { busTopicsFor, type Command, namespacedBus, silentLogger, UsageError } from '@mobility/runtime';
import { ARCHIVE_CONSUMPTION, createArchiver } from '../archiver.js';
import { BENCH_TOPICS, syntheticStream, toTopicBatches } from '../bench/synthetic.js';
import { replayNamespace } from '../domain/replay.js';
import { executeReplay, planReplay } from '../replay/engine.js';
import { connectArchive, parseArgs } from './support.js';

const PUBLISH_CHUNK = 5000;

/**
 * `pnpm mobility bench replay`: archive throughput (bus -> hypertables, the archive's own batch
 * consumer) and as-fast-as-possible replay throughput (hypertables -> bus) on the configured
 * components. Everything runs in a throw-away namespace (`bench.<id>.*` topics, `archive_bench_<id>`
 * schema, dropped afterwards), so live topics and the real archive are untouched.
 */
export const replayBenchCommand: Command = {
  summary: 'archive and replay throughput (events/s) on the configured Kafka and TimescaleDB',
  usage: '[--events 100000] [--seed 1]',
  async run(args, io) {
    const { flags, positional } = parseArgs(args, ['events', 'seed']);
    if (positional.length > 0) throw new UsageError(`unexpected ${positional.join(' ')}`);
    const count = Number(flags.get('events') ?? 100_000);
    const seed = Number(flags.get('seed') ?? 1);
    if (!Number.isInteger(count) || count < 1) throw new UsageError('--events must be a positive integer');
    if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');

    const id = randomBytes(3).toString('hex');
    const schema = `archive_bench_${id}`;
    const archive = await connectArchive(io, schema);
    const bus = namespacedBus(archive.infrastructure.bus, `bench.${id}`);
    try {
      io.say(
        `mode: bus=${archive.infrastructure.mode.bus} storage=${archive.infrastructure.mode.storage} timescale=${archive.timescale}`,
      );
      await bus.ensureTopics(busTopicsFor(BENCH_TOPICS));
      const windowStart = Date.UTC(2026, 10, 23, 7);
      const span = 3_600_000;
      const events = syntheticStream(count, windowStart, span, seed);
      const bytes = events.reduce((sum, event) => sum + event.value.byteLength, 0);

      // 1. Feed the topics (not what is measured, but reported: it bounds how fast a source can go).
      let started = performance.now();
      for (let i = 0; i < events.length; i += PUBLISH_CHUNK) {
        await bus.publishBatch(toTopicBatches(events.slice(i, i + PUBLISH_CHUNK)));
      }
      const publishS = (performance.now() - started) / 1000;
      io.say(`published ${count} events (${Math.round(bytes / count)} B avg) in ${publishS.toFixed(2)} s`);

      // 2. Archive them with the archive's own consumer settings, timed from the first batch in hand
      // (group join is reported apart: it is a one-off cost, not throughput).
      const archiver = createArchiver({ db: archive.db, logger: silentLogger() });
      let firstBatchAt: number | undefined;
      let lastBatchAt = 0;
      const subscribeStarted = performance.now();
      const subscription = await bus.subscribeBatch({
        group: 'archive.events',
        topics: [...BENCH_TOPICS],
        fromBeginning: true,
        ...ARCHIVE_CONSUMPTION,
        handler: async (messages) => {
          firstBatchAt ??= performance.now();
          await archiver.archiveBatch(messages);
          lastBatchAt = performance.now();
        },
      });
      const deadline = Date.now() + 600_000;
      while (archiver.stats.stored + archiver.stats.duplicates < count) {
        if (Date.now() > deadline)
          throw new Error(`archived only ${archiver.stats.stored} of ${count} events in 10 min`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await subscription.stop();
      const archiveS = (lastBatchAt - (firstBatchAt ?? lastBatchAt)) / 1000;
      const joinS = ((firstBatchAt ?? subscribeStarted) - subscribeStarted) / 1000;
      io.say(
        `archived ${archiver.stats.stored} events in ${archiveS.toFixed(2)} s (+${joinS.toFixed(2)} s joining the group)`,
      );

      // 3. Replay the window as fast as possible into a run namespace.
      const run = await planReplay(archive.db, {
        from: windowStart,
        to: windowStart + span,
        topics: [...BENCH_TOPICS],
        speed: 0,
        requestedBy: 'bench',
        reason: 'bench replay',
      });
      started = performance.now();
      const final = await executeReplay({ db: archive.db, bus, logger: silentLogger() }, run.runId);
      const replayS = (performance.now() - started) / 1000;
      const replayed = (
        await namespacedBus(bus, replayNamespace(run.runId)).describeTopics([...BENCH_TOPICS])
      )
        .flatMap((topic) => topic.partitions)
        .reduce((sum, partition) => sum + partition.high - partition.low, 0);
      io.say(
        `replayed ${final.publishedEvents} events in ${replayS.toFixed(2)} s; ${replayed} on the replay topics`,
      );

      const archiveRate = archiveS > 0 ? Math.round(archiver.stats.stored / archiveS) : null;
      const replayRate = replayS > 0 ? Math.round(final.publishedEvents / replayS) : null;
      const rates = [archiveRate, replayRate].filter((rate): rate is number => rate !== null);
      return {
        mode: archive.infrastructure.mode,
        timescale: archive.timescale,
        events: count,
        payload_bytes_avg: Math.round(bytes / count),
        // The slower of the two: what the archive can sustain end to end.
        events_per_s: rates.length > 0 ? Math.min(...rates) : null,
        archive_events_per_s: archiveRate,
        archive_s: Math.round(archiveS * 1000) / 1000,
        archive_group_join_s: Math.round(joinS * 1000) / 1000,
        archived_events: archiver.stats.stored,
        replay_events_per_s: replayRate,
        replay_s: Math.round(replayS * 1000) / 1000,
        replayed_events: final.publishedEvents,
        replayed_on_topics: replayed,
        replay_state: final.state,
        publish_events_per_s: publishS > 0 ? Math.round(count / publishS) : null,
      };
    } finally {
      await bus.close();
      if (archive.infrastructure.mode.storage === 'postgresql') {
        await archive.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      }
      await archive.close();
    }
  },
};
