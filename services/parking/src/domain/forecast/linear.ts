/**
 * Weighted least squares shrunk toward a prior: minimises
 *   sum_i w_i (y_i - x_i·b)^2 + sum_j penalty_j (b_j - prior_j)^2.
 * The prior keeps a facility with little history close to a sensible structure instead of
 * overfitting a few days; with plenty of history the data dominate.
 */
export function fitShrunkLeastSquares(
  rows: readonly (readonly number[])[],
  targets: readonly number[],
  weights: readonly number[],
  prior: readonly number[],
  penalty: readonly number[],
): number[] {
  const size = prior.length;
  const matrix: number[][] = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const vector = new Array<number>(size).fill(0);
  rows.forEach((row, index) => {
    const weight = weights[index] as number;
    const target = targets[index] as number;
    for (let a = 0; a < size; a++) {
      const xa = (row[a] as number) * weight;
      vector[a] = (vector[a] as number) + xa * target;
      const line = matrix[a] as number[];
      for (let b = 0; b < size; b++) line[b] = (line[b] as number) + xa * (row[b] as number);
    }
  });
  for (let a = 0; a < size; a++) {
    const line = matrix[a] as number[];
    line[a] = (line[a] as number) + (penalty[a] as number);
    vector[a] = (vector[a] as number) + (penalty[a] as number) * (prior[a] as number);
  }
  return solve(matrix, vector) ?? [...prior];
}

/** Gaussian elimination with partial pivoting; undefined when the system is singular. */
function solve(matrix: number[][], vector: number[]): number[] | undefined {
  const size = vector.length;
  const a = matrix.map((row) => [...row]);
  const b = [...vector];
  for (let column = 0; column < size; column++) {
    let pivot = column;
    for (let row = column + 1; row < size; row++) {
      if (
        Math.abs((a[row] as number[])[column] as number) > Math.abs((a[pivot] as number[])[column] as number)
      ) {
        pivot = row;
      }
    }
    const pivotValue = (a[pivot] as number[])[column] as number;
    if (Math.abs(pivotValue) < 1e-12) return undefined;
    [a[column], a[pivot]] = [a[pivot] as number[], a[column] as number[]];
    [b[column], b[pivot]] = [b[pivot] as number, b[column] as number];
    for (let row = column + 1; row < size; row++) {
      const factor = ((a[row] as number[])[column] as number) / pivotValue;
      if (factor === 0) continue;
      for (let k = column; k < size; k++) {
        (a[row] as number[])[k] =
          ((a[row] as number[])[k] as number) - factor * ((a[column] as number[])[k] as number);
      }
      b[row] = (b[row] as number) - factor * (b[column] as number);
    }
  }
  const solution = new Array<number>(size).fill(0);
  for (let row = size - 1; row >= 0; row--) {
    let sum = b[row] as number;
    for (let k = row + 1; k < size; k++) sum -= ((a[row] as number[])[k] as number) * (solution[k] as number);
    solution[row] = sum / ((a[row] as number[])[row] as number);
  }
  return solution.every(Number.isFinite) ? solution : undefined;
}

/** Empirical quantile with linear interpolation between order statistics (type 7). */
export function quantile(sortedValues: readonly number[], probability: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const position = (sortedValues.length - 1) * Math.min(1, Math.max(0, probability));
  const low = Math.floor(position);
  const high = Math.min(low + 1, sortedValues.length - 1);
  const a = sortedValues[low] as number;
  return a + (position - low) * ((sortedValues[high] as number) - a);
}
