import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the real infrastructure started by `pnpm infra:up` listens. Integration tests (*.int.test.ts)
 * read these and fail with a clear message when nothing answers: they never skip.
 */
export const realInfra = {
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  /** Superuser URL of the TimescaleDB cluster; tests create and drop their own databases in it. */
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5433/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
};

/** Resolves when a TCP connection to host:port opens; rejects with a hint to run `pnpm infra:up`. */
export async function requireListening(what: string, hostPort: string, timeoutMs = 3000): Promise<void> {
  const [host, port] = splitHostPort(hostPort);
  await new Promise<void>((resolve, reject) => {
    const socket = new Socket();
    const fail = (reason: string) => {
      socket.destroy();
      reject(new Error(`${what} is not reachable at ${hostPort} (${reason}); run \`pnpm infra:up\` first`));
    };
    socket.setTimeout(timeoutMs, () => fail('timed out'));
    socket.once('error', (error) => fail(error.message));
    socket.connect(port, host, () => {
      socket.end();
      resolve();
    });
  });
}

function splitHostPort(hostPort: string): [string, number] {
  const url = hostPort.includes('://') ? new URL(hostPort) : new URL(`tcp://${hostPort}`);
  return [url.hostname, Number(url.port)];
}

/** The real data sets in ../shared/data beside the checkout. Tests may read them; the product never does. */
export const SHARED_DATA = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

/**
 * Whether the named files exist under ../shared/data. Away from CI a missing data set skips the
 * test that needs it; CI always has the data beside its clone, so there a missing file is an error
 * rather than a silent skip.
 */
export function sharedDataAvailable(...relativePaths: string[]): boolean {
  const missing = relativePaths.filter((path) => !existsSync(join(SHARED_DATA, path)));
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`CI expects ../shared/data beside the checkout; missing: ${missing.join(', ')}`);
  }
  return missing.length === 0;
}
