/**
 * `POST /avl/pings`: authenticated batch ingest for AVL systems that push over HTTP. The body is a
 * JSON array of pings (see `httpPingSchema`); the answer lists, per item, whether it was accepted
 * (queued on `avl.raw-ping.v1`, where the vehicle's history is checked too) or rejected and why.
 * Rejected items are also dead-lettered on `avl.ping-rejected.v1` and counted in metrics.
 */
import {
  type RawVehiclePing,
  RawVehiclePing as RawVehiclePingCodec,
} from '@mobility/contracts/avl/v1/events';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import { type Clock, type EventBus, requireRole, type TokenVerifier } from '@mobility/runtime';
import type { FastifyInstance } from 'fastify';
import { checkPing, type ValidationLimits } from '../domain/validation.js';
import { candidateOf, httpPingSchema, rawPingFromHttp } from './raw-ping.js';
import type { RejectionSink } from './rejections.js';

export const RAW_PING_TOPIC = 'avl.raw-ping.v1';
/** Larger batches are refused whole: split them (keeps one request's latency and memory bounded). */
export const MAX_BATCH = 5000;

export type ItemResult =
  | { index: number; status: 'accepted'; vehicle_id: string }
  | { index: number; status: 'rejected'; reason: string; message: string; vehicle_id?: string };

export interface PingEndpointDeps {
  bus: EventBus;
  clock: Clock;
  verifier: TokenVerifier;
  rejections: RejectionSink;
  limits: () => ValidationLimits;
}

/** Publishes accepted raw pings, keyed by vehicle so each vehicle's pings stay in order. */
export async function publishRawPings(bus: EventBus, pings: readonly RawVehiclePing[]): Promise<void> {
  if (pings.length === 0) return;
  await bus.publish(
    RAW_PING_TOPIC,
    pings.map((ping) => ({
      key: ping.vehicleId,
      value: RawVehiclePingCodec.encode(ping).finish(),
      ...(ping.observedAt ? { timestamp: ping.observedAt.getTime() } : {}),
    })),
  );
}

export function registerPingEndpoint(http: FastifyInstance, deps: PingEndpointDeps): void {
  const { bus, clock, rejections } = deps;
  http.post(
    '/avl/pings',
    { onRequest: requireRole(['agency', 'operator'], deps.verifier), bodyLimit: 8 * 1024 * 1024 },
    async (request, reply) => {
      const body = request.body;
      if (!Array.isArray(body)) {
        return reply
          .code(400)
          .send({ error: 'invalid_argument', message: 'the body must be a JSON array of pings' });
      }
      if (body.length > MAX_BATCH) {
        return reply.code(413).send({
          error: 'invalid_argument',
          message: `at most ${MAX_BATCH} pings per request, got ${body.length}`,
        });
      }
      const nowMs = clock.now();
      const limits = deps.limits();
      const results: ItemResult[] = [];
      const accepted: RawVehiclePing[] = [];
      const rejectedWork: Promise<void>[] = [];
      body.forEach((item: unknown, index) => {
        const parsed = httpPingSchema.safeParse(item);
        if (!parsed.success) {
          const message = parsed.error.issues
            .map((issue) => `${issue.path.join('.') || 'ping'}: ${issue.message}`)
            .join('; ');
          const vehicleId =
            typeof item === 'object' &&
            item !== null &&
            typeof (item as { vehicle_id?: unknown }).vehicle_id === 'string'
              ? String((item as { vehicle_id: string }).vehicle_id).slice(0, 100)
              : undefined;
          const reason =
            vehicleId === undefined || vehicleId.trim() === '' ? 'missing_vehicle_id' : 'malformed';
          results.push({
            index,
            status: 'rejected',
            reason,
            message,
            ...(vehicleId ? { vehicle_id: vehicleId } : {}),
          });
          rejectedWork.push(
            rejections.reject({
              reason,
              message,
              source: PingSource.HTTP,
              ...(vehicleId ? { vehicleId } : {}),
            }),
          );
          return;
        }
        const ping = rawPingFromHttp(parsed.data, nowMs);
        const verdict = checkPing(candidateOf(ping), nowMs, limits);
        if (!verdict.ok) {
          results.push({
            index,
            status: 'rejected',
            reason: verdict.reason,
            message: verdict.message,
            vehicle_id: ping.vehicleId,
          });
          rejectedWork.push(
            rejections.reject({
              reason: verdict.reason,
              message: verdict.message,
              source: PingSource.HTTP,
              ping,
            }),
          );
          return;
        }
        accepted.push(ping);
        results.push({ index, status: 'accepted', vehicle_id: ping.vehicleId });
      });
      await Promise.all([publishRawPings(bus, accepted), ...rejectedWork]);
      return reply.code(200).send({
        accepted: accepted.length,
        rejected: results.length - accepted.length,
        results,
      });
    },
  );
}
