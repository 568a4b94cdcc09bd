import { fileURLToPath } from 'node:url';
import {
  type CommandIO,
  connectInfrastructure,
  createLogger,
  type Infrastructure,
  loadConfig,
  migrate,
  storageCapabilities,
  UsageError,
  withInfrastructure,
} from '@mobility/runtime';
import type { Pool } from 'pg';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface ArchiveConnection {
  infrastructure: Infrastructure;
  db: Pool;
  timescale: boolean;
  close(): Promise<void>;
}

/**
 * The components the archive runs on, from the same variables as the services (KAFKA_BROKERS,
 * DATABASE_URL, ...; unset ones fall back to embedded stand-ins, which start empty). `schema`
 * defaults to the archive's own.
 */
export async function connectArchive(io: CommandIO, schema = 'archive'): Promise<ArchiveConnection> {
  const config = loadConfig(withInfrastructure({}), io.env);
  const logger = createLogger({ service: 'archive-cli', level: io.env.LOG_LEVEL ?? 'warn' });
  const infrastructure = await connectInfrastructure(config, { clientId: 'archive-cli', logger });
  try {
    const db = await infrastructure.storageFor(schema);
    await migrate(db, { service: 'archive', dir: MIGRATIONS_DIR, logger });
    const { timescale } = await storageCapabilities(db);
    return { infrastructure, db, timescale, close: () => infrastructure.close() };
  } catch (error) {
    await infrastructure.close();
    throw error;
  }
}

/** `--name value` flags into a map; positional words kept in order. Unknown flags are refused. */
export function parseArgs(
  args: readonly string[],
  known: readonly string[],
): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (!known.includes(name))
      throw new UsageError(`unknown flag ${arg} (known: ${known.map((k) => `--${k}`).join(', ')})`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    flags.set(name, value);
    i++;
  }
  return { flags, positional };
}

/** An ISO 8601 time with a zone (Z or ±hh:mm): a window must not depend on the machine's zone. */
export function parseInstant(flag: string, value: string | undefined): number {
  if (!value) throw new UsageError(`--${flag} is required (ISO 8601, e.g. 2026-11-23T06:00:00Z)`);
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value))
    throw new UsageError(`--${flag} needs a time zone (Z or +hh:mm): ${value}`);
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new UsageError(`--${flag} is not a valid ISO 8601 time: ${value}`);
  return ms;
}

/** `90s`, `15m`, `1h`, `1d`. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!match) throw new UsageError(`--${flag} must look like 30s, 15m, 1h or 1d, got ${value}`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
