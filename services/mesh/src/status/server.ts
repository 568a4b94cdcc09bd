import type { Infrastructure, Logger } from '@mobility/runtime';
import Fastify from 'fastify';
import { renderStatusPage } from './page.js';
import { type ServiceEndpoint, takeSnapshot } from './snapshot.js';

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The mesh's status page: which services run and whether their gRPC health answers, and every topic
 * with its message counts. It shows topology and counts only, never event contents, so it needs no
 * token.
 */
export async function startStatusServer(options: {
  host: string;
  port: number;
  infrastructure: Infrastructure;
  services: readonly ServiceEndpoint[];
  logger: Logger;
}): Promise<StatusServer> {
  const app = Fastify({ logger: false });
  const snapshot = () => takeSnapshot(options.infrastructure, options.services);
  app.get('/', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderStatusPage(await snapshot())),
  );
  app.get('/status.json', async () => snapshot());
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info({ port }, 'status page listening');
  return { url: `http://${options.host}:${port}/`, close: () => app.close() };
}
