import type { LatLon } from '@mobility/runtime/util';

export { distanceMetres, type LatLon } from '@mobility/runtime/util';

export function isValidLatLon(point: LatLon | undefined): point is LatLon {
  return (
    point !== undefined &&
    Number.isFinite(point.lat) &&
    Number.isFinite(point.lon) &&
    Math.abs(point.lat) <= 90 &&
    Math.abs(point.lon) <= 180
  );
}
