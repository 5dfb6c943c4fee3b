import { describe, expect, it } from 'vitest';
import { cholesky, leastSquares, LinalgError, matmul, solveLowerInPlace, solveNormalEquations, svd, symmetricEigen, transpose } from './linalg';
import { maxAbsDiff, rng } from './test-utils';

function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: rows * cols }, () => 2 * r() - 1);
}

describe('symmetricEigen', () => {
  it('matches a hand-computed 2×2 case', () => {
    // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with eigenvectors (1, 1)/√2 and (1, −1)/√2.
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0]! * vectors[2]!).toBeGreaterThan(0); // same sign: (1, 1) direction
  });

  it('reconstructs a random symmetric matrix with orthonormal eigenvectors', () => {
    const n = 12;
    const b = randomMatrix(n, n, 1);
    const a = matmul(b, transpose(b, n, n), n, n, n);
    const { values, vectors } = symmetricEigen(a, n);
    const vd = Float64Array.from(vectors, (v, i) => v * values[i % n]!);
    const back = matmul(vd, transpose(vectors, n, n), n, n, n);
    expect(maxAbsDiff(back, a)).toBeLessThan(1e-12 * n);
    const vtv = matmul(transpose(vectors, n, n), vectors, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(vtv[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 12);
    for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]!);
  });
});

describe('svd', () => {
  it('gives the singular values of a hand-computed case', () => {
    // [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]] → σ² = 45, 5.
    const { s } = svd([3, 0, 4, 5], 2, 2);
    expect(s[0]).toBeCloseTo(Math.sqrt(45), 13);
    expect(s[1]).toBeCloseTo(Math.sqrt(5), 13);
  });

  it.each([
    [40, 7],
    [7, 40],
    [300, 68],
  ])('reconstructs a random %i×%i matrix', (rows, cols) => {
    const a = randomMatrix(rows, cols, rows * 100 + cols);
    const { u, s, v, rank } = svd(a, rows, cols);
    const us = Float64Array.from(u, (x, i) => x * s[i % rank]!);
    const back = matmul(us, transpose(v, cols, rank), rows, rank, cols);
    expect(maxAbsDiff(back, a)).toBeLessThan(1e-12 * Math.max(rows, cols));
    const utu = matmul(transpose(u, rows, rank), u, rank, rows, rank);
    for (let i = 0; i < rank; i++) expect(utu[i * rank + i]).toBeCloseTo(1, 12);
  });

  it('finds the exact rank of a rank-3 product', () => {
    const a = matmul(randomMatrix(50, 3, 4), randomMatrix(3, 20, 5), 50, 3, 20);
    const { s } = svd(a, 50, 20);
    expect(s[2]!).toBeGreaterThan(0.1);
    expect(s[3]! / s[0]!).toBeLessThan(1e-13);
  });
});

describe('cholesky and leastSquares', () => {
  it('factors a hand-computed SPD matrix', () => {
    // [[4, 2], [2, 3]] = L·Lᵀ with L = [[2, 0], [1, √2]].
    const l = cholesky([4, 2, 2, 3], 2);
    expect(Array.from(l)).toEqual([2, 0, 1, expect.closeTo(Math.SQRT2, 14)]);
    const b = Float64Array.of(2, 1 + Math.SQRT2);
    solveLowerInPlace(l, b, 2, 1);
    expect(b[0]).toBeCloseTo(1, 14);
    expect(b[1]).toBeCloseTo(1, 14);
  });

  it('rejects a matrix that is not positive definite, naming the pivot', () => {
    expect(() => cholesky([1, 2, 2, 1], 2, 'Σ')).toThrow(/Σ is not positive definite \(pivot 1/);
  });

  it('solves an overdetermined line fit like the normal equations', () => {
    // y = 2x + 1 sampled with a symmetric perturbation: the fit recovers it exactly.
    const xs = [0, 1, 2, 3];
    const a = xs.flatMap((x) => [x, 1]);
    const b = xs.map((x, i) => 2 * x + 1 + [0.1, -0.1, -0.1, 0.1][i]!);
    const { x } = leastSquares(a, b, 4, 2);
    expect(x[0]).toBeCloseTo(2, 12);
    expect(x[1]).toBeCloseTo(1, 12);
  });

  it('reports a rank-deficient system instead of returning huge coefficients', () => {
    expect(() => leastSquares([1, 2, 2, 4, 3, 6], [1, 2, 3], 3, 2, 'test fit')).toThrow(LinalgError);
    expect(() => leastSquares([1, 2, 2, 4, 3, 6], [1, 2, 3], 3, 2, 'test fit')).toThrow(/test fit: the system is rank deficient/);
  });
});

describe('solveNormalEquations', () => {
  it('agrees with the SVD least squares on a random tall system', () => {
    const a = randomMatrix(136, 8, 21);
    const b = randomMatrix(136, 1, 22);
    expect(maxAbsDiff(solveNormalEquations(a, b, 136, 8), leastSquares(a, b, 136, 8).x)).toBeLessThan(1e-10);
  });

  it('reports a rank-deficient system', () => {
    expect(() => solveNormalEquations([1, 2, 2, 4, 3, 6], [1, 2, 3], 3, 2, 'camera')).toThrow(/camera: the system is rank deficient/);
  });
});
