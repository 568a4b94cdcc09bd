import { Metadata } from '@grpc/grpc-js';
import {
  ArchiveServiceClient,
  type ControlReplayRequest,
  type ControlReplayResponse,
  type GetKpiRequest,
  type GetKpiResponse,
  type ListReplaysRequest,
  type ListReplaysResponse,
  type StartReplayRequest,
  type StartReplayResponse,
  type WatchReplayResponse,
} from '@mobility/contracts/archive/v1/service';
import {
  connectInfrastructure,
  createClient,
  type Infrastructure,
  issueToken,
  type Logger,
  loadConfig,
  type Role,
  type RunningService,
  startService,
  withInfrastructure,
} from '@mobility/runtime';
import { waitFor as waitForValue } from '@mobility/runtime/testing';
import type { Pool } from 'pg';
import { archiveService } from '../../src/service.js';

export { collectMessages as collect } from '@mobility/runtime/testing';

export const TEST_SECRET = 'a-test-secret-that-is-long-enough-0123456789';

export interface ArchiveHarness {
  infrastructure: Infrastructure;
  service: RunningService;
  db: Pool;
  client(role: Role, subject?: string): Promise<ArchiveServiceClient>;
  close(): Promise<void>;
}

export async function bootArchive(
  variables: Record<string, string>,
  logger: Logger,
): Promise<ArchiveHarness> {
  const infrastructure = await connectInfrastructure(loadConfig(withInfrastructure({}), variables), {
    clientId: 'archive-test',
    logger,
  });
  const service = await startService(
    archiveService,
    infrastructure,
    { host: '127.0.0.1', grpcPort: 0, httpPort: 0 },
    logger,
  );
  const db = await infrastructure.storageFor('archive');
  const clients: ArchiveServiceClient[] = [];
  return {
    infrastructure,
    service,
    db,
    async client(role, subject = `${role}@test`) {
      const token = await issueToken({ subject, role, ttlSeconds: 600 }, infrastructure.auth.secret);
      const client = createClient(ArchiveServiceClient, `127.0.0.1:${service.grpcPort}`, {
        defaultDeadlineMs: 30_000,
        token,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await service.stop();
      await infrastructure.close();
    },
  };
}

interface Unary {
  startReplay: [StartReplayRequest, StartReplayResponse];
  listReplays: [ListReplaysRequest, ListReplaysResponse];
  controlReplay: [ControlReplayRequest, ControlReplayResponse];
  getKpi: [GetKpiRequest, GetKpiResponse];
}

export function call<M extends keyof Unary>(
  client: ArchiveServiceClient,
  method: M,
  request: Unary[M][0],
): Promise<Unary[M][1]> {
  return new Promise((resolve, reject) => {
    const invoke = client[method] as unknown as (
      request: Unary[M][0],
      metadata: Metadata,
      callback: (error: Error | null, response: Unary[M][1]) => void,
    ) => unknown;
    invoke.call(client, request, new Metadata(), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** Every message of a WatchReplay stream until it ends. */
export function watch(client: ArchiveServiceClient, runId: string): Promise<WatchReplayResponse[]> {
  return new Promise((resolve, reject) => {
    const seen: WatchReplayResponse[] = [];
    const stream = client.watchReplay({ runId });
    stream.on('data', (message: WatchReplayResponse) => seen.push(message));
    stream.on('end', () => resolve(seen));
    stream.on('error', reject);
  });
}

export async function archivedCount(db: Pool, topics?: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM archived_events WHERE $1::text[] IS NULL OR topic = ANY($1::text[])',
    [topics ? [...topics] : null],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Polls until `probe` gives a value; archive runs wait longer by default. */
export const waitFor = <T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> => waitForValue(probe, what, timeoutMs);
