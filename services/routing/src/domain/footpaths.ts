import type { Transfer } from '@mobility/gtfs';
import type { StopGrid } from './geo.js';

/** Walking links between stops, as compressed rows: stop s links to to[offset[s]..offset[s+1]). */
export interface Footpaths {
  readonly offset: Int32Array;
  readonly to: Int32Array;
  /** Straight-line metres (walking time is derived per request, from the request's speed). */
  readonly dist: Float64Array;
  /** transfers.txt min_transfer_time, or -1. */
  readonly minTime: Int32Array;
}

/**
 * Links every pair of distinct stops within `radius` (straight line), then applies transfers.txt
 * between distinct stops: type 3 removes the link, type 2 sets a minimum time, and any listed
 * transfer creates the link when it is longer than the radius. Same-stop and route- or
 * trip-specific transfers are not modelled. Links are not chained: a plan walks at most one link
 * between two rides (RAPTOR relaxes footpaths once per round).
 */
export function buildFootpaths(
  n: number,
  grid: StopGrid,
  lat: Float64Array,
  lon: Float64Array,
  radius: number,
  transfers: readonly Transfer[],
  stopIndex: ReadonlyMap<string, number>,
): { forwardFoot: Footpaths; backwardFoot: Footpaths } {
  const links = new Map<number, { dist: number; minTime: number }>();
  const key = (a: number, b: number) => a * n + b;
  if (radius > 0) {
    for (let s = 0; s < n; s++) {
      grid.forEachWithin(lat[s] as number, lon[s] as number, radius, (u, dist) => {
        if (u !== s) links.set(key(s, u), { dist, minTime: -1 });
      });
    }
  }
  for (const transfer of transfers) {
    if (transfer.fromRouteId || transfer.toRouteId || transfer.fromTripId || transfer.toTripId) continue;
    const a = stopIndex.get(transfer.fromStopId);
    const b = stopIndex.get(transfer.toStopId);
    if (a === undefined || b === undefined || a === b) continue;
    if (transfer.transferType === 3) {
      links.delete(key(a, b));
      continue;
    }
    const existing = links.get(key(a, b));
    const dist = existing?.dist ?? straightLine(lat, lon, a, b);
    const minTime = transfer.transferType === 2 ? (transfer.minTransferTime ?? -1) : -1;
    links.set(key(a, b), { dist, minTime });
  }
  const forward: Array<[number, number, number, number]> = [];
  for (const [k, link] of links) forward.push([Math.floor(k / n), k % n, link.dist, link.minTime]);
  const backward = forward.map(([a, b, d, m]) => [b, a, d, m] as [number, number, number, number]);
  return { forwardFoot: compress(n, forward), backwardFoot: compress(n, backward) };
}

function straightLine(lat: Float64Array, lon: Float64Array, a: number, b: number): number {
  const toRad = Math.PI / 180;
  const dLat = ((lat[b] as number) - (lat[a] as number)) * toRad;
  const dLon = ((lon[b] as number) - (lon[a] as number)) * toRad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos((lat[a] as number) * toRad) * Math.cos((lat[b] as number) * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function compress(n: number, edges: Array<[number, number, number, number]>): Footpaths {
  // Nearest first, so a walking-distance cap can stop reading a row early.
  edges.sort((x, y) => x[0] - y[0] || x[2] - y[2] || x[1] - y[1]);
  const offset = new Int32Array(n + 1);
  const to = new Int32Array(edges.length);
  const dist = new Float64Array(edges.length);
  const minTime = new Int32Array(edges.length);
  for (const [i, [a, b, d, m]] of edges.entries()) {
    (offset[a + 1] as number)++;
    to[i] = b;
    dist[i] = d;
    minTime[i] = m;
  }
  for (let s = 0; s < n; s++) offset[s + 1] = (offset[s + 1] as number) + (offset[s] as number);
  return { offset, to, dist, minTime };
}
