/** How big a generated city is. Each size is about an order of magnitude above the previous one. */
export type CitySize = 'town' | 'small' | 'medium' | 'large';

export const CITY_SIZES: readonly CitySize[] = ['town', 'small', 'medium', 'large'];

export interface SizeParameters {
  /** Street nodes west-east and south-north. */
  columns: number;
  rows: number;
  /** Typical block edge in metres (each row and column varies around it). */
  blockM: number;
  /** Every n-th street is an arterial: wider, faster, signalised, carries the frequent buses. */
  arterialEvery: number;
  /** Longest frequent route, in street nodes; longer arterials are served by several routes. */
  maxRouteNodes: number;
  /** Local routes (infrequent, winding through side streets). */
  localRoutes: number;
  /** Radius (share of the half-width) inside which every arterial crossing is signalised. */
  centralShare: number;
  carParks: number;
}

export const SIZE_PARAMETERS: Readonly<Record<CitySize, SizeParameters>> = {
  town: {
    columns: 11,
    rows: 9,
    blockM: 260,
    arterialEvery: 3,
    maxRouteNodes: 11,
    localRoutes: 2,
    centralShare: 0.6,
    carParks: 3,
  },
  small: {
    columns: 26,
    rows: 22,
    blockM: 240,
    arterialEvery: 4,
    maxRouteNodes: 22,
    localRoutes: 8,
    centralShare: 0.4,
    carParks: 8,
  },
  medium: {
    columns: 64,
    rows: 54,
    blockM: 230,
    arterialEvery: 3,
    maxRouteNodes: 36,
    localRoutes: 40,
    centralShare: 0.3,
    carParks: 24,
  },
  large: {
    columns: 170,
    rows: 150,
    blockM: 220,
    arterialEvery: 2,
    maxRouteNodes: 48,
    localRoutes: 160,
    centralShare: 0.15,
    carParks: 80,
  },
};

export function isCitySize(value: unknown): value is CitySize {
  return typeof value === 'string' && (CITY_SIZES as readonly string[]).includes(value);
}
