/**
 * The GTFS-realtime feeds over HTTP:
 *   /gtfs-rt/vehicle-positions.pb  /gtfs-rt/trip-updates.pb  /gtfs-rt/alerts.pb
 * Each answer is a FULL_DATASET FeedMessage (gtfs_realtime_version 2.0); `?format=json` gives the
 * same content as JSON for people. The encoded bytes (plain and gzipped) are cached and rebuilt only
 * when the content changed, or every `refreshMs` so the header timestamp shows the feed is alive
 * (best practice: feed age under 90 s). The header timestamp never decreases, and is never older
 * than an entity's own timestamp. ETag / If-None-Match answer 304 for an unchanged feed.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Clock } from '@mobility/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { encodeFeed, type FeedMessage, feedToJson, toNumber } from './gtfs-rt.js';
import type { FeedKind, FeedState } from './state.js';

export const FEED_PATHS: Record<FeedKind, string> = {
  'vehicle-positions': '/gtfs-rt/vehicle-positions.pb',
  'trip-updates': '/gtfs-rt/trip-updates.pb',
  alerts: '/gtfs-rt/alerts.pb',
};

interface EncodedFeed {
  version: number;
  builtAtMs: number;
  timestampS: number;
  bytes: Buffer;
  gzipped: Buffer;
  etag: string;
  json?: { body: string; gzipped: Buffer; etag: string };
  entities: number;
}

export interface FeedServer {
  /** The current encoded feed, rebuilt if its content changed: also used by tests and the bench. */
  current(kind: FeedKind): EncodedFeed;
}

/** Largest per-entity timestamp, in seconds: the header must not claim to be older than its content. */
function newestEntityTimestamp(feed: FeedMessage): number {
  let newest = 0;
  for (const entity of feed.entity ?? []) {
    newest = Math.max(
      newest,
      toNumber(entity.vehicle?.timestamp) ?? 0,
      toNumber(entity.tripUpdate?.timestamp) ?? 0,
    );
  }
  return newest;
}

/** RFC 9110 If-None-Match: `*` or a list of (possibly weak) entity tags. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Whether the client accepts gzip (and did not refuse it with q=0). */
function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function registerFeeds(
  http: FastifyInstance,
  { state, clock, refreshMs = 10_000 }: { state: FeedState; clock: Clock; refreshMs?: number },
): FeedServer {
  const cache = new Map<FeedKind, EncodedFeed>();
  const lastTimestamp = new Map<FeedKind, number>();

  function current(kind: FeedKind): EncodedFeed {
    const nowMs = clock.now();
    const held = cache.get(kind);
    const version = state.version(kind);
    if (held && held.version === version && nowMs - held.builtAtMs < refreshMs && nowMs >= held.builtAtMs)
      return held;
    const previousS = lastTimestamp.get(kind) ?? 0;
    const message = state.build(kind, 0, nowMs);
    const timestampS = Math.max(previousS, Math.floor(nowMs / 1000), newestEntityTimestamp(message));
    message.header = { ...message.header, gtfsRealtimeVersion: '2.0', timestamp: timestampS };
    lastTimestamp.set(kind, timestampS);
    const bytes = Buffer.from(encodeFeed(message));
    const encoded: EncodedFeed = {
      version,
      builtAtMs: nowMs,
      timestampS,
      bytes,
      gzipped: gzipSync(bytes),
      etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`,
      entities: message.entity?.length ?? 0,
    };
    cache.set(kind, encoded);
    return encoded;
  }

  function jsonOf(feed: EncodedFeed) {
    if (!feed.json) {
      const body = JSON.stringify(feedToJson(feed.bytes), null, 2);
      feed.json = { body, gzipped: gzipSync(body), etag: `"j${feed.etag.slice(1)}` };
    }
    return feed.json;
  }

  const serve = (kind: FeedKind) => async (request: FastifyRequest, reply: FastifyReply) => {
    const feed = current(kind);
    const asJson = (request.query as { format?: string }).format === 'json';
    const variant = asJson
      ? { ...jsonOf(feed), type: 'application/json; charset=utf-8', plain: Buffer.from(jsonOf(feed).body) }
      : { etag: feed.etag, gzipped: feed.gzipped, type: 'application/x-protobuf', plain: feed.bytes };
    const gzip = acceptsGzip(request.headers['accept-encoding']);
    // Each encoding is its own representation with its own strong ETag (RFC 9110 8.8.3).
    const etag = gzip ? `${variant.etag.slice(0, -1)}-gz"` : variant.etag;
    reply
      .header('etag', etag)
      .header('last-modified', new Date(feed.timestampS * 1000).toUTCString())
      .header('cache-control', 'no-cache')
      .header('vary', 'Accept-Encoding')
      .header('x-feed-timestamp', String(feed.timestampS));
    if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
    reply.type(variant.type);
    if (gzip) {
      return reply.header('content-encoding', 'gzip').send(variant.gzipped);
    }
    return reply.send(variant.plain);
  };

  for (const [kind, path] of Object.entries(FEED_PATHS) as [FeedKind, string][]) {
    http.get(path, serve(kind));
  }
  return { current };
}
