import { userInfo } from 'node:os';
import { type Command, type CommandIO, createAuditLog, silentLogger, UsageError } from '@mobility/runtime';
import cliProgress from 'cli-progress';
import { describeSpeed, parseSpeed, type ReplayAction, replayNamespace } from '../domain/replay.js';
import { controlRun } from '../grpc/handlers.js';
import { executeReplay, planReplay } from '../replay/engine.js';
import { listRuns, type ReplayRunRecord } from '../store/runs.js';
import { connectArchive, parseArgs, parseInstant } from './support.js';

const USAGE = [
  '--from <iso> --to <iso> [--topics a,b] [--speed 1|10|60|max] [--reason text]',
  '   | list [--limit 20]',
  '   | pause|resume|cancel <run-id> --reason <text>',
].join('\n');

function runJson(run: ReplayRunRecord) {
  return {
    run_id: run.runId,
    namespace: replayNamespace(run.runId),
    state: run.state,
    from: new Date(run.from).toISOString(),
    to: new Date(run.to).toISOString(),
    topics: run.topics,
    speed: describeSpeed(run.speed),
    events: run.totalEvents,
    published: run.publishedEvents,
    replayed_until: run.replayedUntil === undefined ? null : new Date(run.replayedUntil).toISOString(),
    requested_by: run.requestedBy,
    error: run.error || null,
  };
}

/** Who acts, for the audit log: the CLI has no token, so the operating-system user stands in. */
function cliActor(io: CommandIO): string {
  return io.env.MOBILITY_ACTOR?.trim() || `cli:${userInfo().username}`;
}

async function control(action: ReplayAction, args: readonly string[], io: CommandIO) {
  const { flags, positional } = parseArgs(args, ['reason']);
  const runId = positional[0];
  if (!runId) throw new UsageError(`${action} needs a run id`);
  const reason = flags.get('reason')?.trim();
  if (!reason) throw new UsageError(`${action} needs --reason (it is written to the audit log)`);
  const archive = await connectArchive(io);
  try {
    const audit = createAuditLog({ db: archive.db, logger: silentLogger() });
    const principal = { subject: cliActor(io), role: 'planner' as const };
    try {
      const run = await controlRun(archive.db, runId, action);
      await audit.record({
        principal,
        action: `Replay.${action}`,
        target: runId,
        reason,
        outcome: 'succeeded',
      });
      io.say(`run ${runId} is now ${run.state}`);
      return runJson(run);
    } catch (error) {
      await audit.record({ principal, action: `Replay.${action}`, target: runId, reason, outcome: 'failed' });
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  } finally {
    await archive.close();
  }
}

/**
 * `pnpm mobility replay`: replays a window of the archive into `replay.<run-id>.<topic>` in this
 * process, with a progress bar; `list`, `pause`, `resume`, `cancel` act on runs (any process's).
 */
export const replayCommand: Command = {
  summary: 'replay archived events into an isolated namespace; list, pause, resume or cancel runs',
  usage: USAGE,
  async run(args, io) {
    const [first, ...rest] = args;
    if (first === 'pause' || first === 'resume' || first === 'cancel') return control(first, rest, io);
    if (first === 'list') {
      const { flags } = parseArgs(rest, ['limit']);
      const limit = Number(flags.get('limit') ?? 20);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
      const archive = await connectArchive(io);
      try {
        const runs = await listRuns(archive.db, limit);
        for (const run of runs) {
          io.say(
            `${run.runId.padEnd(20)} ${run.state.padEnd(10)} ${describeSpeed(run.speed).padEnd(5)} ${run.publishedEvents}/${run.totalEvents}  ${new Date(run.from).toISOString()} .. ${new Date(run.to).toISOString()}`,
          );
        }
        return { runs: runs.map(runJson) };
      } finally {
        await archive.close();
      }
    }

    const { flags, positional } = parseArgs(args, ['from', 'to', 'topics', 'speed', 'reason']);
    if (positional.length > 0) throw new UsageError(`unexpected ${positional.join(' ')}`);
    const from = parseInstant('from', flags.get('from'));
    const to = parseInstant('to', flags.get('to'));
    let speed: number;
    try {
      speed = parseSpeed(flags.get('speed') ?? '60');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const topics = (flags.get('topics') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const archive = await connectArchive(io);
    try {
      let run: ReplayRunRecord;
      try {
        run = await planReplay(archive.db, {
          from,
          to,
          topics,
          speed,
          requestedBy: cliActor(io),
          reason: flags.get('reason') ?? 'replay from the CLI',
        });
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(error.message);
        throw error;
      }
      io.say(
        `run ${run.runId}: ${run.totalEvents} events into ${replayNamespace(run.runId)}.* at ${describeSpeed(speed)}`,
      );
      io.say(`start services on it with MESH_TOPIC_NAMESPACE=${replayNamespace(run.runId)}`);
      const bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: ' replay {bar} {percentage}% | {value}/{total} events | {state} | at {at}',
          hideCursor: true,
          noTTYOutput: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(run.totalEvents, 0, { state: 'pending', at: '-' });
      const started = performance.now();
      // Ctrl+C pauses nothing: the run stays running in the table, and `replay resume` is for paused runs.
      const final = await executeReplay(
        { db: archive.db, bus: archive.infrastructure.bus, logger: silentLogger() },
        run.runId,
        {
          onProgress: (progress) =>
            bar.update(progress.publishedEvents, {
              state: progress.state,
              at: progress.replayedUntil === undefined ? '-' : new Date(progress.replayedUntil).toISOString(),
            }),
        },
      );
      bar.stop();
      const elapsedS = (performance.now() - started) / 1000;
      return {
        ...runJson(final),
        elapsed_s: Math.round(elapsedS * 1000) / 1000,
        events_per_s: elapsedS > 0 ? Math.round(final.publishedEvents / elapsedS) : null,
      };
    } finally {
      await archive.close();
    }
  },
};
