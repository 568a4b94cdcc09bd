/** A WGS84 position in decimal degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const RADIANS = Math.PI / 180;

/**
 * Great-circle distance in metres on a spherical Earth. Walks, short drives and stop spacing are a
 * few kilometres at most, where the spherical error (well under 0.5%) is far below what matters.
 * Plain numbers, not objects, so the journey planner's inner loops can call it without allocating.
 */
export function haversineMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RADIANS;
  const dLon = (lon2 - lon1) * RADIANS;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function distanceMetres(a: LatLon, b: LatLon): number {
  return haversineMetres(a.lat, a.lon, b.lat, b.lon);
}
