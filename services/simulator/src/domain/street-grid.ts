import { type LatLon, localProjection } from './geometry.js';
import { uniqueNames } from './names.js';
import type { SizeParameters } from './sizes.js';

/**
 * The street network: a grid of nodes (junctions) with some irregularity — uneven block sizes, a
 * rotated and gently bent grid, each junction nudged off the line — as real planned cities have.
 * Node (i, j) is column i (west to east) and row j (south to north).
 */
export interface StreetGrid {
  columns: number;
  rows: number;
  /** Node positions, index `j * columns + i`. */
  lats: Float64Array;
  lons: Float64Array;
  /** Local metric coordinates (east, north of the centre), same index. */
  eastM: Float64Array;
  northM: Float64Array;
  columnNames: string[];
  rowNames: string[];
  arterialColumns: Set<number>;
  arterialRows: Set<number>;
  /** Half the larger extent of the city, metres. */
  radiusM: number;
}

export function nodeIndex(grid: StreetGrid, i: number, j: number): number {
  return j * grid.columns + i;
}

export function nodePosition(grid: StreetGrid, i: number, j: number): LatLon {
  const index = nodeIndex(grid, i, j);
  return { lat: grid.lats[index] as number, lon: grid.lons[index] as number };
}

export function isArterial(grid: StreetGrid, axis: 'row' | 'column', line: number): boolean {
  return axis === 'row' ? grid.arterialRows.has(line) : grid.arterialColumns.has(line);
}

/** The street a node lies on, along an axis: a row is an east-west street, a column a north-south one. */
export function streetName(grid: StreetGrid, axis: 'row' | 'column', line: number): string {
  return axis === 'row' ? (grid.rowNames[line] as string) : (grid.columnNames[line] as string);
}

function cumulative(count: number, blockM: number, random: () => number): Float64Array {
  const positions = new Float64Array(count);
  for (let k = 1; k < count; k++)
    positions[k] = (positions[k - 1] as number) + blockM * (0.75 + 0.5 * random());
  const middle = (positions[count - 1] as number) / 2;
  for (let k = 0; k < count; k++) positions[k] = (positions[k] as number) - middle;
  return positions;
}

/** Arterials every `every` lines, never on the edge, placed so the middle line is one. */
function arterialLines(count: number, every: number): Set<number> {
  const lines = new Set<number>();
  const middle = Math.floor(count / 2);
  for (let k = middle % every; k < count; k += every) if (k > 0 && k < count - 1) lines.add(k);
  return lines;
}

export function generateStreetGrid(centre: LatLon, size: SizeParameters, random: () => number): StreetGrid {
  const { columns, rows, blockM } = size;
  const xs = cumulative(columns, blockM, random);
  const ys = cumulative(rows, blockM, random);
  const rotation = ((random() - 0.5) * 40 * Math.PI) / 180;
  const bendAmplitude = blockM * (0.3 + 0.5 * random());
  const bendWavelength = blockM * (8 + 8 * random());
  const projection = localProjection(centre);
  const n = columns * rows;
  const grid: StreetGrid = {
    columns,
    rows,
    lats: new Float64Array(n),
    lons: new Float64Array(n),
    eastM: new Float64Array(n),
    northM: new Float64Array(n),
    columnNames: [],
    rowNames: [],
    arterialColumns: arterialLines(columns, size.arterialEvery),
    arterialRows: arterialLines(rows, size.arterialEvery),
    radiusM: Math.max(xs[columns - 1] as number, ys[rows - 1] as number),
  };
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const jitter = blockM * 0.08;
      const x = (xs[i] as number) + (random() - 0.5) * 2 * jitter;
      const y =
        (ys[j] as number) + (random() - 0.5) * 2 * jitter + bendAmplitude * Math.sin(x / bendWavelength);
      const east = x * cos - y * sin;
      const north = x * sin + y * cos;
      const index = j * columns + i;
      grid.eastM[index] = east;
      grid.northM[index] = north;
      const point = projection.toLatLon(east, north);
      grid.lats[index] = point.lat;
      grid.lons[index] = point.lon;
    }
  }
  const names = uniqueNames(columns + rows, random);
  grid.columnNames = names
    .slice(0, columns)
    .map((name, i) => `${name} ${grid.arterialColumns.has(i) ? 'Road' : 'Street'}`);
  grid.rowNames = names
    .slice(columns)
    .map((name, j) => `${name} ${grid.arterialRows.has(j) ? 'Avenue' : 'Lane'}`);
  return grid;
}
