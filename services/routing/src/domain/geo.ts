import { haversineMetres } from '@mobility/runtime/util';

export { haversineMetres };

/** Seconds to walk a distance, rounded up so a plan never promises a walk faster than it is. */
export function walkSeconds(distanceM: number, speedMps: number): number {
  return Math.ceil(distanceM / speedMps);
}

const METRES_PER_DEGREE_LAT = 111_320;

/**
 * Stops bucketed in square cells of a local equirectangular projection, so "stops within r" looks
 * at a handful of cells instead of every stop. Distances returned are great-circle metres.
 */
export class StopGrid {
  private readonly cells = new Map<number, number[]>();
  private readonly cosLat: number;

  constructor(
    private readonly lat: Float64Array,
    private readonly lon: Float64Array,
    private readonly cellM: number,
  ) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < lat.length; i++) {
      if (Number.isFinite(lat[i] as number)) {
        sum += lat[i] as number;
        count++;
      }
    }
    this.cosLat = Math.cos(((count ? sum / count : 0) * Math.PI) / 180);
    for (let i = 0; i < lat.length; i++) {
      const la = lat[i] as number;
      const lo = lon[i] as number;
      if (!Number.isFinite(la) || !Number.isFinite(lo)) continue;
      const key = this.key(this.cellX(lo), this.cellY(la));
      const cell = this.cells.get(key);
      if (cell) cell.push(i);
      else this.cells.set(key, [i]);
    }
  }

  private cellX(lon: number): number {
    return Math.floor((lon * METRES_PER_DEGREE_LAT * this.cosLat) / this.cellM);
  }
  private cellY(lat: number): number {
    return Math.floor((lat * METRES_PER_DEGREE_LAT) / this.cellM);
  }
  private key(x: number, y: number): number {
    return (x + 1_048_576) * 2_097_152 + (y + 1_048_576);
  }

  /** Calls visit(stop, distanceM) for every stop within radiusM of the point. */
  forEachWithin(
    lat: number,
    lon: number,
    radiusM: number,
    visit: (stop: number, distanceM: number) => void,
  ): void {
    // The projection shrinks east-west distances away from the mean latitude; widen by a margin.
    const reach = Math.ceil((radiusM * 1.05) / this.cellM);
    const cx = this.cellX(lon);
    const cy = this.cellY(lat);
    for (let dx = -reach; dx <= reach; dx++) {
      for (let dy = -reach; dy <= reach; dy++) {
        const cell = this.cells.get(this.key(cx + dx, cy + dy));
        if (!cell) continue;
        for (const stop of cell) {
          const d = haversineMetres(lat, lon, this.lat[stop] as number, this.lon[stop] as number);
          if (d <= radiusM) visit(stop, d);
        }
      }
    }
  }
}
