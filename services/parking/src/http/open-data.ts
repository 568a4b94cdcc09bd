/**
 * Open data over HTTP, no token needed: current availability as FIWARE Smart Data Models entities
 * in NGSI-LD normalized JSON-LD (application/ld+json).
 *
 *   GET /ngsi-ld/v1/entities?type=OffStreetParking,OnStreetParking,ParkingSpot   entity array
 *   GET /ngsi-ld/v1/entities/:id                                                 one entity
 *   GET /open-data/parking.jsonld                                                the dataset, with licence
 *
 * Every answer names the licence (a `Link: <...>; rel="license"` header, and `license` in the
 * dataset document) and its update time (`Last-Modified`, entity `dateModified`).
 */
import type { Facility } from '@mobility/contracts/parking/v1/facility';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type BayStatus, toOpenDataDocument, toParkingSite, toParkingSpot } from '../domain/ngsi-ld.js';
import type { LiveOccupancy } from '../domain/occupancy.js';
import { listBays } from '../store/bays.js';
import type { Queryable } from '../store/db.js';
import { listFacilities } from '../store/facilities.js';
import type { LiveStore } from '../store/live.js';

export const LD_JSON = 'application/ld+json';
const ENTITY_TYPES = ['OffStreetParking', 'OnStreetParking', 'ParkingSpot'] as const;
type EntityType = (typeof ENTITY_TYPES)[number];

export interface OpenDataOptions {
  db: Queryable;
  live: LiveStore;
  /** URL of the licence the data is published under. */
  license: string;
  now?: () => number;
}

interface Snapshot {
  facilities: Facility[];
  states: Map<string, LiveOccupancy>;
  bays: Map<string, BayStatus[]>;
}

export function registerOpenData(http: FastifyInstance, options: OpenDataOptions): void {
  const now = options.now ?? Date.now;

  const load = async (): Promise<Snapshot> => {
    const facilities = await listFacilities(options.db);
    const states = new Map(
      (await options.live.list(facilities.map((f) => f.facilityId))).map((state) => [
        state.facilityId,
        state,
      ]),
    );
    return { facilities, states, bays: await listBays(options.db) };
  };

  const entitiesOf = (snapshot: Snapshot, types: ReadonlySet<EntityType>) => {
    const entities: Record<string, unknown>[] = [];
    for (const facility of snapshot.facilities) {
      const bays = snapshot.bays.get(facility.facilityId) ?? [];
      const site = toParkingSite(facility, snapshot.states.get(facility.facilityId), {
        bays,
        withContext: true,
      });
      if (types.has(site.type as EntityType)) entities.push(site);
      if (types.has('ParkingSpot')) {
        for (const bay of bays) entities.push(toParkingSpot(facility, bay, { withContext: true }));
      }
    }
    return entities;
  };

  const lastModified = (snapshot: Snapshot): number => {
    let latest = 0;
    for (const state of snapshot.states.values()) latest = Math.max(latest, state.observedAt);
    for (const facility of snapshot.facilities)
      latest = Math.max(latest, facility.lastChanged?.changedAt?.getTime() ?? 0);
    return latest || now();
  };

  const withHeaders = (reply: FastifyReply, modified: number) =>
    reply
      .type(LD_JSON)
      .header('link', `<${options.license}>; rel="license"`)
      .header('last-modified', new Date(modified).toUTCString())
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=30');

  const problem = (reply: FastifyReply, status: number, type: string, title: string, detail: string) =>
    reply
      .code(status)
      .type('application/json')
      .send({ type: `https://uri.etsi.org/ngsi-ld/errors/${type}`, title, detail });

  http.get<{ Querystring: { type?: string } }>('/ngsi-ld/v1/entities', async (request, reply) => {
    const asked = (request.query.type ?? 'OffStreetParking,OnStreetParking')
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type !== '');
    const unknown = asked.filter((type) => !(ENTITY_TYPES as readonly string[]).includes(type));
    if (unknown.length > 0) {
      return problem(
        reply,
        400,
        'BadRequestData',
        'Unsupported entity type',
        `type must be among ${ENTITY_TYPES.join(', ')}; got ${unknown.join(', ')}`,
      );
    }
    const snapshot = await load();
    return withHeaders(reply, lastModified(snapshot)).send(
      entitiesOf(snapshot, new Set(asked as EntityType[])),
    );
  });

  http.get<{ Params: { id: string } }>('/ngsi-ld/v1/entities/:id', async (request, reply) => {
    const snapshot = await load();
    const entity = entitiesOf(snapshot, new Set(ENTITY_TYPES)).find((e) => e.id === request.params.id);
    if (!entity)
      return problem(reply, 404, 'ResourceNotFound', 'Entity not found', `no entity ${request.params.id}`);
    return withHeaders(reply, lastModified(snapshot)).send(entity);
  });

  http.get('/open-data/parking.jsonld', async (_request, reply) => {
    const snapshot = await load();
    const entities = entitiesOf(snapshot, new Set(ENTITY_TYPES)).map(
      ({ '@context': _context, ...entity }) => entity,
    );
    return withHeaders(reply, lastModified(snapshot)).send(
      toOpenDataDocument(entities as Parameters<typeof toOpenDataDocument>[0], {
        license: options.license,
        generatedAt: now(),
      }),
    );
  });
}
