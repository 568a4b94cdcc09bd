/**
 * Plane geometry for a city a few tens of kilometres across: metres east/north of a centre, mapped
 * to WGS84 with an equirectangular projection (error far below a street width at that scale), and
 * polylines with cumulative distances so positions can be read off "metres along the route".
 */

export interface LatLon {
  lat: number;
  lon: number;
}

const METRES_PER_DEGREE_LAT = 111_320;
const RADIANS = Math.PI / 180;

export interface LocalProjection {
  toLatLon(eastM: number, northM: number): LatLon;
  toLocal(point: LatLon): { eastM: number; northM: number };
}

export function localProjection(centre: LatLon): LocalProjection {
  const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.cos(centre.lat * RADIANS);
  return {
    toLatLon: (eastM, northM) => ({
      lat: centre.lat + northM / METRES_PER_DEGREE_LAT,
      lon: centre.lon + eastM / metresPerDegreeLon,
    }),
    toLocal: (point) => ({
      eastM: (point.lon - centre.lon) * metresPerDegreeLon,
      northM: (point.lat - centre.lat) * METRES_PER_DEGREE_LAT,
    }),
  };
}

/** Initial bearing from a to b, degrees clockwise from north in [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const phi1 = a.lat * RADIANS;
  const phi2 = b.lat * RADIANS;
  const dLon = (b.lon - a.lon) * RADIANS;
  const y = Math.sin(dLon) * Math.cos(phi2);
  const x = Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(dLon);
  const degrees = Math.atan2(y, x) / RADIANS;
  return (degrees + 360) % 360;
}

/** A polyline with the distance from its start at every vertex (metres, non-decreasing). */
export interface Polyline {
  lats: Float64Array;
  lons: Float64Array;
  /** Cumulative distance at each vertex; `along[0] = 0`. */
  along: Float64Array;
  lengthM: number;
}

export function polyline(points: readonly LatLon[], distance: (a: LatLon, b: LatLon) => number): Polyline {
  const n = points.length;
  const lats = new Float64Array(n);
  const lons = new Float64Array(n);
  const along = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const point = points[i] as LatLon;
    lats[i] = point.lat;
    lons[i] = point.lon;
    if (i > 0) along[i] = (along[i - 1] as number) + distance(points[i - 1] as LatLon, point);
  }
  return { lats, lons, along, lengthM: n > 0 ? (along[n - 1] as number) : 0 };
}

/** The point `distanceM` along the line (clamped to its ends) and the bearing of that segment. */
export function pointAlong(line: Polyline, distanceM: number): LatLon & { bearingDeg: number } {
  const n = line.along.length;
  if (n === 0) throw new RangeError('empty polyline');
  if (n === 1) return { lat: line.lats[0] as number, lon: line.lons[0] as number, bearingDeg: 0 };
  const d = Math.min(Math.max(distanceM, 0), line.lengthM);
  // Binary search for the segment [i, i+1] containing d.
  let low = 0;
  let high = n - 1;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if ((line.along[mid] as number) <= d) low = mid;
    else high = mid;
  }
  const a0 = line.along[low] as number;
  const span = (line.along[high] as number) - a0;
  const share = span > 0 ? (d - a0) / span : 0;
  const from = { lat: line.lats[low] as number, lon: line.lons[low] as number };
  const to = { lat: line.lats[high] as number, lon: line.lons[high] as number };
  return {
    lat: from.lat + (to.lat - from.lat) * share,
    lon: from.lon + (to.lon - from.lon) * share,
    bearingDeg: bearingDeg(from, to),
  };
}

/** Distance along the line of the point nearest to `point`, among segments between `fromM` and `toM`. */
export function locateAlong(
  line: Polyline,
  point: LatLon,
  fromM = 0,
  toM = Number.POSITIVE_INFINITY,
): number {
  const projection = localProjection(point);
  let best = Number.POSITIVE_INFINITY;
  let bestAlong = fromM;
  for (let i = 0; i + 1 < line.along.length; i++) {
    if ((line.along[i + 1] as number) < fromM) continue;
    if ((line.along[i] as number) > toM) break;
    const a = projection.toLocal({ lat: line.lats[i] as number, lon: line.lons[i] as number });
    const b = projection.toLocal({ lat: line.lats[i + 1] as number, lon: line.lons[i + 1] as number });
    const dx = b.eastM - a.eastM;
    const dy = b.northM - a.northM;
    const lengthSquared = dx * dx + dy * dy;
    // The point itself is the projection's origin (0, 0).
    const t =
      lengthSquared > 0 ? Math.min(1, Math.max(0, (-a.eastM * dx - a.northM * dy) / lengthSquared)) : 0;
    const px = a.eastM + t * dx;
    const py = a.northM + t * dy;
    const distance = px * px + py * py;
    if (distance < best) {
      best = distance;
      const a0 = line.along[i] as number;
      bestAlong = Math.max(fromM, a0 + t * ((line.along[i + 1] as number) - a0));
    }
  }
  return bestAlong;
}
