import { haversineMetres } from '@mobility/runtime/util';

/**
 * A shape as a polyline with cumulative distances. Projection uses a local equirectangular plane
 * per segment (metres), exact enough over a bus shape's segment lengths (tens to hundreds of
 * metres) and far cheaper than spherical maths in the per-ping path.
 */
export interface Polyline {
  readonly id: string;
  readonly lats: Float64Array;
  readonly lons: Float64Array;
  /** Metres from the first point to point i. */
  readonly cumulative: Float64Array;
  readonly lengthM: number;
}

/** Where a point falls on a polyline. */
export interface Projection {
  distM: number;
  offM: number;
  /** Index of the segment (points i..i+1) the projection falls on. */
  segment: number;
}

const METRES_PER_DEGREE = 111_320;
const RADIANS = Math.PI / 180;

export function buildPolyline(id: string, points: readonly { lat: number; lon: number }[]): Polyline {
  // Drop consecutive duplicates: zero-length segments carry no direction.
  const kept: { lat: number; lon: number }[] = [];
  for (const point of points) {
    const last = kept.at(-1);
    if (!last || last.lat !== point.lat || last.lon !== point.lon) kept.push(point);
  }
  const lats = new Float64Array(kept.length);
  const lons = new Float64Array(kept.length);
  const cumulative = new Float64Array(kept.length);
  for (let i = 0; i < kept.length; i++) {
    const point = kept[i] as { lat: number; lon: number };
    lats[i] = point.lat;
    lons[i] = point.lon;
    if (i > 0) {
      cumulative[i] =
        (cumulative[i - 1] as number) +
        haversineMetres(lats[i - 1] as number, lons[i - 1] as number, point.lat, point.lon);
    }
  }
  return {
    id,
    lats,
    lons,
    cumulative,
    lengthM: kept.length > 0 ? (cumulative[kept.length - 1] as number) : 0,
  };
}

/** Projects onto segment i; returns [distance along the line, distance off it] in metres. */
function projectOnSegment(line: Polyline, i: number, lat: number, lon: number): [number, number] {
  const lat0 = line.lats[i] as number;
  const lon0 = line.lons[i] as number;
  const scaleX = METRES_PER_DEGREE * Math.cos(lat0 * RADIANS);
  const bx = ((line.lons[i + 1] as number) - lon0) * scaleX;
  const by = ((line.lats[i + 1] as number) - lat0) * METRES_PER_DEGREE;
  const px = (lon - lon0) * scaleX;
  const py = (lat - lat0) * METRES_PER_DEGREE;
  const lengthSquared = bx * bx + by * by;
  const t = lengthSquared > 0 ? Math.min(1, Math.max(0, (px * bx + py * by) / lengthSquared)) : 0;
  const dx = px - t * bx;
  const dy = py - t * by;
  const segmentLength = (line.cumulative[i + 1] as number) - (line.cumulative[i] as number);
  return [(line.cumulative[i] as number) + t * segmentLength, Math.sqrt(dx * dx + dy * dy)];
}

/**
 * Nearest point of the line, optionally only among segments overlapping [fromM, toM] (used to keep
 * a vehicle's progress monotonic on shapes that loop or pass the same street twice).
 */
export function project(line: Polyline, lat: number, lon: number, fromM = 0, toM = Infinity): Projection {
  let best: Projection = { distM: 0, offM: Infinity, segment: 0 };
  const count = line.lats.length;
  if (count === 0) return best;
  if (count === 1) {
    return {
      distM: 0,
      offM: haversineMetres(lat, lon, line.lats[0] as number, line.lons[0] as number),
      segment: 0,
    };
  }
  const first = Math.max(0, segmentAt(line, fromM));
  for (let i = first; i < count - 1; i++) {
    if ((line.cumulative[i] as number) > toM) break;
    const [distM, offM] = projectOnSegment(line, i, lat, lon);
    if (offM < best.offM) best = { distM: Math.min(Math.max(distM, fromM), toM), offM, segment: i };
  }
  return best;
}

/**
 * Like project(), but each metre ahead of `anchorM` costs `perMetre` metres of offset: where a
 * shape doubles back (a loop, a terminal turn) a vehicle is taken to be at the nearer stretch
 * rather than jumping ahead to a far one that happens to be as close.
 */
export function projectAhead(
  line: Polyline,
  lat: number,
  lon: number,
  fromM: number,
  toM: number,
  anchorM: number,
  perMetre = 0.05,
): Projection {
  let best: Projection = { distM: fromM, offM: Infinity, segment: 0 };
  let bestScore = Infinity;
  const count = line.lats.length;
  if (count < 2) return project(line, lat, lon, fromM, toM);
  for (let i = Math.max(0, segmentAt(line, fromM)); i < count - 1; i++) {
    if ((line.cumulative[i] as number) > toM) break;
    const [rawDist, offM] = projectOnSegment(line, i, lat, lon);
    const distM = Math.min(Math.max(rawDist, fromM), toM);
    const score = offM + perMetre * Math.abs(distM - anchorM);
    if (score < bestScore) {
      bestScore = score;
      best = { distM, offM, segment: i };
    }
  }
  return best;
}

/**
 * Every local best projection closer than maxOffM, one per stretch of the line that comes near the
 * point (a loop passing a stop twice yields two). Ordered along the line.
 */
export function projectAll(line: Polyline, lat: number, lon: number, maxOffM: number): Projection[] {
  const found: Projection[] = [];
  let current: Projection | undefined;
  for (let i = 0; i < line.lats.length - 1; i++) {
    const [distM, offM] = projectOnSegment(line, i, lat, lon);
    if (offM <= maxOffM) {
      if (!current || offM < current.offM) current = { distM, offM, segment: i };
    } else if (current) {
      found.push(current);
      current = undefined;
    }
  }
  if (current) found.push(current);
  return found;
}

/** Index of the segment containing distance d (binary search on cumulative distances). */
export function segmentAt(line: Polyline, distM: number): number {
  let low = 0;
  let high = line.cumulative.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((line.cumulative[mid] as number) <= distM) low = mid;
    else high = mid - 1;
  }
  return Math.min(low, Math.max(0, line.cumulative.length - 2));
}

/** Compass bearing (degrees) of the line at distance d. */
export function bearingAt(line: Polyline, distM: number): number {
  if (line.lats.length < 2) return 0;
  const i = segmentAt(line, distM);
  return bearingDegrees(
    line.lats[i] as number,
    line.lons[i] as number,
    line.lats[i + 1] as number,
    line.lons[i + 1] as number,
  );
}

/** Point at distance d along the line. */
export function pointAt(line: Polyline, distM: number): { lat: number; lon: number } {
  if (line.lats.length === 0) return { lat: Number.NaN, lon: Number.NaN };
  const i = segmentAt(line, distM);
  if (line.lats.length === 1) return { lat: line.lats[0] as number, lon: line.lons[0] as number };
  const start = line.cumulative[i] as number;
  const span = (line.cumulative[i + 1] as number) - start;
  const t = span > 0 ? Math.min(1, Math.max(0, (distM - start) / span)) : 0;
  return {
    lat: (line.lats[i] as number) + t * ((line.lats[i + 1] as number) - (line.lats[i] as number)),
    lon: (line.lons[i] as number) + t * ((line.lons[i + 1] as number) - (line.lons[i] as number)),
  };
}

export function bearingDegrees(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dx = (lon2 - lon1) * Math.cos(((lat1 + lat2) / 2) * RADIANS);
  const dy = lat2 - lat1;
  const degrees = Math.atan2(dx, dy) / RADIANS;
  return (degrees + 360) % 360;
}

/** Smallest angle between two bearings, 0..180. */
export function angleBetween(a: number, b: number): number {
  const difference = Math.abs((((a - b) % 360) + 360) % 360);
  return difference > 180 ? 360 - difference : difference;
}

/**
 * Distance along the line of each stop, in trip order, never decreasing. Each stop may project to
 * several stretches of the line (loops, out-and-back streets); the chosen combination is the one
 * that keeps order and minimises total off-line distance (dynamic programming over candidates).
 */
export function placeStopsAlong(line: Polyline, stops: readonly { lat: number; lon: number }[]): number[] {
  if (line.lats.length < 2) return stops.map(() => 0);
  const candidates = stops.map((stop) => {
    const nearest = project(line, stop.lat, stop.lon);
    const reach = Math.max(60, nearest.offM * 2 + 30);
    const all = projectAll(line, stop.lat, stop.lon, reach);
    return all.length > 0 ? all : [nearest];
  });
  // cost[i][k]: best total offset placing stops 0..i with stop i at candidate k.
  const costs: number[][] = [];
  const from: number[][] = [];
  for (let i = 0; i < stops.length; i++) {
    const options = candidates[i] as Projection[];
    const cost: number[] = [];
    const back: number[] = [];
    for (const option of options) {
      if (i === 0) {
        cost.push(option.offM);
        back.push(-1);
        continue;
      }
      const previous = candidates[i - 1] as Projection[];
      const previousCost = costs[i - 1] as number[];
      let best = Infinity;
      let bestIndex = -1;
      for (let k = 0; k < previous.length; k++) {
        // Going backwards is allowed only at a heavy price, so a bad stop coordinate cannot
        // make every later stop unplaceable.
        const backwards = Math.max(0, (previous[k] as Projection).distM - option.distM);
        const total = (previousCost[k] as number) + (backwards > 1 ? 1000 + backwards : 0);
        if (total < best) {
          best = total;
          bestIndex = k;
        }
      }
      cost.push(best + option.offM);
      back.push(bestIndex);
    }
    costs.push(cost);
    from.push(back);
  }
  const placed = new Array<number>(stops.length).fill(0);
  const lastCosts = costs[stops.length - 1] ?? [];
  let k = lastCosts.indexOf(Math.min(...lastCosts));
  for (let i = stops.length - 1; i >= 0; i--) {
    placed[i] = (candidates[i] as Projection[])[k]?.distM ?? 0;
    k = (from[i] as number[])[k] ?? 0;
  }
  for (let i = 1; i < placed.length; i++) placed[i] = Math.max(placed[i] as number, placed[i - 1] as number);
  return placed;
}
