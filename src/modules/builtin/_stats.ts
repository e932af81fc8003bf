/**
 * Pure numeric helpers shared by the built-in modules: straight-line and
 * general linear least squares, the coefficient of determination, evenly
 * spaced grids for plotted curves, and the significant-figure comparison
 * used to check a module's worked examples.
 *
 * @module
 */
import { ModuleError } from "../contract.ts";

/**
 * The smallest positive normal double, 2⁻¹⁰²²; below it numbers (and squares)
 * lose precision and then vanish.
 */
export const MIN_NORMAL_DOUBLE = 2.2250738585072014e-308;

/** The result of a straight-line least-squares fit `y = slope·x + intercept`. */
export interface LineFit {
  /** Slope, in units of y per unit of x. */
  slope: number;
  /** Intercept at x = 0, in units of y. */
  intercept: number;
  /** Coefficient of determination, 1 − SS_res/SS_tot (1 when y does not vary). */
  rSquared: number;
  /** Standard error of the slope; null with only two points (no degrees of freedom left). */
  slopeStandardError: number | null;
  /** Standard error of the intercept; null with only two points. */
  interceptStandardError: number | null;
  /** Residual standard deviation s_r = √(SS_res/(n − 2)); null with only two points. */
  residualStandardDeviation: number | null;
  /** Covariance of slope and intercept, −x̄·s_r²/Sxx; null with only two points. */
  slopeInterceptCovariance: number | null;
  /** Mean of the x values, x̄. */
  meanX: number;
  /** Mean of the y values, ȳ. */
  meanY: number;
  /** Sum of squared deviations of x from its mean, Sxx = Σ(xᵢ − x̄)². */
  xSumOfSquares: number;
  /** Number of points fitted. */
  count: number;
}

/** Options for {@linkcode fitLine}. */
export interface FitLineOptions {
  /** What the x values are, for the error message of a singular fit, such as `times`. */
  xName?: string;
  /** What the y values are, for the error message of a fit out of range, such as `ln k`. */
  yName?: string;
}

/**
 * Fits `y = slope·x + intercept` by ordinary least squares. The sums are
 * taken about the means (two-pass), which keeps the normal equations well
 * conditioned even when x sits far from zero, as 1/T does.
 *
 * @throws {ModuleError} When there are fewer than two points, the arrays
 * differ in length, all x values are equal, a value is not finite, or the
 * spread of x or y is too small or too large for its squares to be
 * represented in double precision (underflow or overflow).
 *
 * @example
 * ```ts
 * import { fitLine } from "./_stats.ts";
 * import assert from "node:assert";
 * const fit = fitLine([0, 1, 2], [1, 3, 5]);
 * assert.ok(fit.slope === 2 && fit.intercept === 1 && fit.rSquared === 1);
 * ```
 */
export function fitLine(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: FitLineOptions = {},
): LineFit {
  const xName = options.xName ?? "x values";
  const yName = options.yName ?? "y values";
  checkData(x, y, 2);
  checkFinite(x, xName);
  checkFinite(y, yName);
  if (isConstant(x)) {
    throw new ModuleError(`Cannot fit a line: all ${xName} are equal (${x[0]})`);
  }
  const n = x.length;
  const meanX = mean(x);
  const meanY = mean(y);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - meanX) ** 2;
    sxy += (x[i] - meanX) * (y[i] - meanY);
  }
  checkSpread(x, { name: xName, meanValue: meanX, sumOfSquares: sxx });
  checkSpread(y, { name: yName, meanValue: meanY });
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  if (!Number.isFinite(slope) || !Number.isFinite(intercept)) {
    throw new ModuleError(
      `Cannot fit a line: the ${xName} are too close together for a finite slope`,
    );
  }
  let ssRes = 0;
  for (let i = 0; i < n; i++) ssRes += (y[i] - (slope * x[i] + intercept)) ** 2;
  const sr = n > 2 ? Math.sqrt(ssRes / (n - 2)) : null;
  return {
    slope,
    intercept,
    rSquared: rSquaredOf(y, ssRes),
    slopeStandardError: sr === null ? null : sr / Math.sqrt(sxx),
    interceptStandardError: sr === null ? null : sr * Math.sqrt(1 / n + (meanX * meanX) / sxx),
    residualStandardDeviation: sr,
    slopeInterceptCovariance: sr === null ? null : (-meanX * sr * sr) / sxx,
    meanX,
    meanY,
    xSumOfSquares: sxx,
    count: n,
  };
}

/**
 * The smallest and largest of the values, by a loop: `Math.min(...values)`
 * overflows the call stack above about 100,000 values. `[Infinity, -Infinity]`
 * when there are none.
 *
 * @example
 * ```ts
 * import { extent } from "./_stats.ts";
 * import assert from "node:assert";
 * assert.deepStrictEqual(extent([3, 1, 2]), [1, 3]);
 * ```
 */
export function extent(values: ArrayLike<number>): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return [low, high];
}

/**
 * The Euclidean norm √(Σ v²), scaled like `Math.hypot` so that it neither
 * overflows nor underflows, without spreading the values into a call.
 *
 * @example
 * ```ts
 * import { hypot } from "./_stats.ts";
 * import assert from "node:assert";
 * assert.strictEqual(hypot([3, 4]), 5);
 * assert.ok(Math.abs(hypot([3e200, 4e200]) / 5e200 - 1) < 1e-15);
 * ```
 */
export function hypot(values: readonly number[]): number {
  let scale = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]);
    if (v === Infinity) return Infinity;
    if (v > scale || Number.isNaN(v)) scale = v;
  }
  if (Number.isNaN(scale)) return NaN;
  if (scale === 0) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] / scale) ** 2;
  return scale * Math.sqrt(sum);
}

/** The result of a least-squares fit on a basis, `y = Σ coefficients[j]·basis[j](x)`. */
export interface BasisFit {
  /** One coefficient per basis function, in the order given. */
  coefficients: number[];
  /** Standard error of each coefficient; null when there are no more points than coefficients. */
  standardErrors: Array<number | null>;
  /**
   * Covariance matrix of the coefficients, s²·(AᵀA)⁻¹ with s² = SS_res/(n − p), in
   * the order of the basis; null when there are no more points than coefficients.
   */
  covariance: number[][] | null;
  /** Coefficient of determination, 1 − SS_res/SS_tot (1 when y does not vary). */
  rSquared: number;
  /** Sum of squared residuals. */
  residualSumOfSquares: number;
  /** Number of points fitted. */
  count: number;
}

/** Options for {@linkcode fitBasis}. */
export interface FitBasisOptions {
  /** The basis functions; the design matrix has one column per function. */
  basis: ReadonlyArray<(x: number) => number>;
  /** What the x values are, for the error message of a singular fit, such as `velocities`. */
  xName?: string;
  /** What the y values are, for the error message of a fit out of range, such as `plateHeights`. */
  yName?: string;
}

/**
 * Fits `y = Σ c_j·f_j(x)` by linear least squares. Each column of the design
 * matrix is first scaled to unit length, then the matrix is factored as
 * A = QR with Householder reflections and R·c = Qᵀy is solved by back
 * substitution. This never forms the normal equations AᵀA, whose condition
 * number is the square of A's, so bases mixing very different scales (1, 1/u,
 * u) stay accurate. Coefficient standard errors come from
 * s²·(RᵀR)⁻¹ with s² = SS_res/(n − p).
 *
 * @throws {ModuleError} When there are fewer points than basis functions, a
 * value of the basis is not finite, the columns are linearly dependent
 * (for example too few distinct x values), or the spread of y is too small
 * or too large for its squares to be represented in double precision.
 *
 * @example
 * ```ts
 * import { fitBasis } from "./_stats.ts";
 * import assert from "node:assert";
 * const u = [1, 2, 4, 8];
 * const h = u.map((v) => 1 + 2 / v + 0.5 * v);
 * const fit = fitBasis(u, h, { basis: [() => 1, (v) => 1 / v, (v) => v] });
 * assert.ok(Math.abs(fit.coefficients[1] - 2) < 1e-12);
 * ```
 */
export function fitBasis(
  x: readonly number[],
  y: readonly number[],
  options: FitBasisOptions,
): BasisFit {
  const { basis } = options;
  const xName = options.xName ?? "x values";
  const p = basis.length;
  checkData(x, y, Math.max(p, 1));
  checkFinite(y, options.yName ?? "y values");
  checkSpread(y, { name: options.yName ?? "y values", meanValue: mean(y) });
  const n = x.length;
  const columns = basis.map((f) => {
    const column = new Array<number>(n);
    for (let i = 0; i < n; i++) column[i] = f(x[i]);
    return column;
  });
  for (const column of columns) {
    const bad = firstNonFinite(column);
    if (bad >= 0) {
      throw new ModuleError(`Cannot fit: a basis function is not finite at x = ${x[bad]}`);
    }
  }
  const scales = columns.map((column) => hypot(column));
  scales.forEach((scale) => {
    if (scale === 0) throw singular(xName, p);
  });
  columns.forEach((column, j) => {
    const scale = scales[j];
    for (let i = 0; i < n; i++) column[i] /= scale;
  });

  const qty = y.slice();
  const r: number[][] = Array.from({ length: p }, () => new Array(p).fill(0));
  for (let k = 0; k < p; k++) {
    const colK = columns[k];
    let norm = 0;
    for (let i = k; i < n; i++) norm = Math.hypot(norm, colK[i]);
    const alpha = colK[k] > 0 ? -norm : norm;
    const v = colK.slice(k);
    v[0] -= alpha;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    if (vv > 0) {
      for (let j = k; j < p; j++) reflect(columns[j], v, vv, k);
      reflect(qty, v, vv, k);
    }
    for (let j = k; j < p; j++) r[k][j] = columns[j][k];
    // Columns have unit length, so |R_kk| is the sine of the angle between
    // column k and the span of the earlier ones.
    if (Math.abs(r[k][k]) <= 1e-10) throw singular(xName, p);
  }

  const scaled = new Array(p).fill(0);
  for (let k = p - 1; k >= 0; k--) {
    let sum = qty[k];
    for (let j = k + 1; j < p; j++) sum -= r[k][j] * scaled[j];
    scaled[k] = sum / r[k][k];
  }
  const coefficients = scaled.map((c, j) => c / scales[j]);
  if (!coefficients.every(Number.isFinite)) throw singular(xName, p);
  const fitted = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < p; j++) sum += coefficients[j] * basis[j](x[i]);
    fitted[i] = sum;
  }
  const ssRes = sumOfSquaredResiduals(y, fitted);

  let standardErrors: Array<number | null> = new Array(p).fill(null);
  let covariance: number[][] | null = null;
  if (n > p) {
    const variance = ssRes / (n - p);
    const rInverse = invertUpperTriangular(r);
    // (AᵀA)⁻¹ = R⁻¹R⁻ᵀ in the scaled columns; undo the scaling on both sides.
    covariance = rInverse.map((rowI, i) =>
      rInverse.map((rowJ, j) =>
        (variance * rowI.reduce((sum, value, k) => sum + value * rowJ[k], 0)) /
        (scales[i] * scales[j])
      )
    );
    standardErrors = covariance.map((row, j) => Math.sqrt(row[j]));
  }
  return {
    coefficients,
    standardErrors,
    covariance,
    rSquared: coefficientOfDetermination(y, fitted),
    residualSumOfSquares: ssRes,
    count: n,
  };
}

/**
 * The coefficient of determination R² = 1 − SS_res/SS_tot. When the observed
 * values do not vary at all (SS_tot is zero to rounding), any model through
 * them explains everything there is, and the result is 1.
 *
 * @example
 * ```ts
 * import { coefficientOfDetermination } from "./_stats.ts";
 * import assert from "node:assert";
 * assert.strictEqual(coefficientOfDetermination([1, 2, 3], [1, 2, 3]), 1);
 * assert.strictEqual(coefficientOfDetermination([1, 2, 3], [2, 2, 2]), 0);
 * ```
 */
export function coefficientOfDetermination(
  observed: readonly number[],
  fitted: readonly number[],
): number {
  return rSquaredOf(observed, () => sumOfSquaredResiduals(observed, fitted));
}

/** R² from the residual sum of squares, given or computed only when needed. */
function rSquaredOf(observed: ArrayLike<number>, ssRes: number | (() => number)): number {
  const m = mean(observed);
  let ssTot = 0;
  let scale = 0;
  for (let i = 0; i < observed.length; i++) {
    const v = observed[i];
    ssTot += (v - m) ** 2;
    scale = Math.max(scale, Math.abs(v));
  }
  if (ssTot <= observed.length * (8 * Number.EPSILON * scale) ** 2) return 1;
  return 1 - (typeof ssRes === "number" ? ssRes : ssRes()) / ssTot;
}

/**
 * `count` evenly spaced values from `start` to `stop` inclusive, for drawing
 * fitted curves.
 *
 * @example
 * ```ts
 * import { linspace } from "./_stats.ts";
 * import assert from "node:assert";
 * assert.strictEqual(linspace(0, 1, 5).join(), "0,0.25,0.5,0.75,1");
 * ```
 */
export function linspace(start: number, stop: number, count: number): number[] {
  if (count < 2) return [start];
  const step = (stop - start) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? stop : start + i * step));
}

/**
 * Rounds to a number of significant figures. With 15 figures this strips the
 * binary floating-point noise of decimal arithmetic (100 × 4.184 × 6.5 gives
 * 2719.6000000000004) while keeping every meaningful digit of a double.
 *
 * @example
 * ```ts
 * import { roundToSignificant } from "./_stats.ts";
 * import assert from "node:assert";
 * assert.strictEqual(roundToSignificant(100 * 4.184 * 6.5, 15), 2719.6);
 * assert.strictEqual(roundToSignificant(0.0012345, 3), 0.00123);
 * ```
 */
export function roundToSignificant(value: number, figures: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  // An integer of at most `figures` digits is its own rounding.
  if (Number.isInteger(value) && Math.abs(value) < 10 ** figures && figures <= 21) return value;
  return Number(value.toPrecision(figures));
}

/**
 * Warnings of one kind (one per data point), listed one by one up to
 * `limit` and then counted in one closing line, so that a million bad
 * points give a readable job, not a million lines.
 *
 * @example
 * ```ts
 * import { WarningTally } from "./_stats.ts";
 * import assert from "node:assert";
 * const warnings: string[] = [];
 * const tally = new WarningTally(warnings, { limit: 2 });
 * for (const i of [1, 2, 3, 4]) tally.add(() => `Point ${i} is odd`);
 * tally.close((more, all) => `${more} more points are odd (${all} in all)`);
 * assert.deepStrictEqual(warnings, ["Point 1 is odd", "Point 2 is odd", "2 more points are odd (4 in all)"]);
 * ```
 */
export class WarningTally {
  readonly #warnings: string[];
  readonly #limit: number;
  #count = 0;

  /** Appends to `warnings`; lists at most `limit` (default 10) one by one. */
  constructor(warnings: string[], options: { limit?: number } = {}) {
    this.#warnings = warnings;
    this.#limit = options.limit ?? 10;
  }

  /** Counts one warning; its message is only built while it is listed. */
  add(message: () => string): void {
    if (this.#count++ < this.#limit) this.#warnings.push(message());
  }

  /** Adds the closing line, built from the unlisted and total counts, when some were not listed. */
  close(summary: (more: number, all: number) => string): void {
    if (this.#count > this.#limit) {
      this.#warnings.push(summary(this.#count - this.#limit, this.#count));
    }
  }
}

/**
 * Rounds every number inside a value (objects and arrays included) to 15
 * significant figures, or as many as given, so that reported results carry
 * no binary floating-point noise: 28.9 − 22.0 is reported as 6.9, not
 * 6.899999999999999. Other values pass through unchanged.
 *
 * @example
 * ```ts
 * import { tidyNumbers } from "./_stats.ts";
 * import assert from "node:assert";
 * const tidy = tidyNumbers({ deltaTK: 28.9 - 22.0, fits: [{ r: 0.1 + 0.2 }], name: "x" });
 * assert.ok(tidy.deltaTK === 6.9 && tidy.fits[0].r === 0.3 && tidy.name === "x");
 * ```
 */
export function tidyNumbers<T>(value: T, significantFigures = 15): T {
  if (typeof value === "number") return roundToSignificant(value, significantFigures) as T;
  // Loops, not map and Object.fromEntries: a million-row output is copied once, without garbage.
  if (Array.isArray(value)) {
    const tidy = new Array(value.length);
    for (let i = 0; i < value.length; i++) tidy[i] = tidyNumbers(value[i], significantFigures);
    return tidy as T;
  }
  if (value !== null && typeof value === "object") {
    const tidy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = tidyNumbers((value as Record<string, unknown>)[key], significantFigures);
      if (key === "__proto__") {
        Object.defineProperty(tidy, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else tidy[key] = item;
    }
    return tidy as T;
  }
  return value;
}

/** Options for {@linkcode expectedSubsetMismatches}. */
export interface SubsetOptions {
  /** Significant figures to which numbers must agree; 4 by default. */
  significantFigures?: number;
}

/**
 * Compares an actual value with an expected subset and lists every
 * difference. Objects match when each expected key matches (extra actual keys
 * are ignored), arrays element by element with equal lengths, and a number
 * matches when the actual value rounds to the expected one at the given
 * significant figures: |actual − expected| ≤ ½·10^(e − s + 1), where e is the
 * expected value's decimal exponent. Expected zero demands |actual| ≤ 1e-12.
 * Anything else must be strictly equal.
 *
 * @example
 * ```ts
 * import { expectedSubsetMismatches } from "./_stats.ts";
 * import assert from "node:assert";
 * assert.strictEqual(expectedSubsetMismatches({ a: 2886.96, b: "x" }, { a: 2887 }).length, 0);
 * assert.strictEqual(expectedSubsetMismatches({ a: 2886.96 }, { a: 2886 }).length, 1);
 * ```
 */
export function expectedSubsetMismatches(
  actual: unknown,
  expected: unknown,
  options: SubsetOptions = {},
): string[] {
  const figures = options.significantFigures ?? 4;
  const mismatches: string[] = [];
  compare(actual, expected, "", figures, mismatches);
  return mismatches;
}

function compare(
  actual: unknown,
  expected: unknown,
  path: string,
  figures: number,
  out: string[],
): void {
  const where = path === "" ? "value" : path;
  if (typeof expected === "number") {
    if (typeof actual !== "number" || !agrees(actual, expected, figures)) {
      out.push(`${where}: expected ${expected}, got ${JSON.stringify(actual)}`);
    }
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.push(`${where}: expected an array of ${expected.length}, got ${JSON.stringify(actual)}`);
      return;
    }
    expected.forEach((item, i) => compare(actual[i], item, `${path}[${i}]`, figures, out));
  } else if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      out.push(`${where}: expected an object, got ${JSON.stringify(actual)}`);
      return;
    }
    for (const [key, value] of Object.entries(expected)) {
      compare(
        (actual as Record<string, unknown>)[key],
        value,
        path === "" ? key : `${path}.${key}`,
        figures,
        out,
      );
    }
  } else if (actual !== expected) {
    out.push(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function agrees(actual: number, expected: number, figures: number): boolean {
  if (!Number.isFinite(actual)) return false;
  if (expected === 0) return Math.abs(actual) <= 1e-12;
  const exponent = Math.floor(Math.log10(Math.abs(expected)));
  const tolerance = 0.5 * 10 ** (exponent - figures + 1);
  // The tiny allowance absorbs the binary representation of decimal literals.
  return Math.abs(actual - expected) <= tolerance * (1 + 1e-9);
}

function checkData(x: ArrayLike<number>, y: ArrayLike<number>, minimum: number): void {
  if (x.length !== y.length) {
    throw new ModuleError(`Cannot fit: ${x.length} x values but ${y.length} y values`);
  }
  if (x.length < minimum) {
    throw new ModuleError(`Cannot fit: need at least ${minimum} points, got ${x.length}`);
  }
}

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

function checkFinite(values: ArrayLike<number>, name: string): void {
  const bad = firstNonFinite(values);
  if (bad >= 0) {
    throw new ModuleError(
      `Cannot fit: ${name} value ${bad + 1} is not finite (${values[bad]}); ` +
        "the data overflow double precision",
    );
  }
}

/**
 * Fails when the squared deviations of varying values underflow (fall below
 * the normal range) or overflow, where R² and the standard errors would
 * silently become 1, 0 or NaN.
 */
function checkSpread(
  values: ArrayLike<number>,
  options: { name: string; meanValue: number; sumOfSquares?: number },
): void {
  if (isConstant(values)) return;
  let spread = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const deviation = Math.abs(values[i] - options.meanValue);
    spread = Math.max(spread, deviation);
    sum += deviation * deviation;
  }
  const sumOfSquares = options.sumOfSquares ?? sum;
  if (!Number.isFinite(sumOfSquares) || !Number.isFinite(options.meanValue)) {
    throw new ModuleError(
      `Cannot fit: the ${options.name} overflow double precision (spread ${
        spread.toPrecision(3)
      }, whose squares exceed 1.8e308); express them in a larger unit`,
    );
  }
  if (spread * spread < MIN_NORMAL_DOUBLE) {
    throw new ModuleError(
      `Cannot fit: the ${options.name} underflow double precision (spread ${
        spread.toPrecision(3)
      }, whose squares fall below 2.2e-308); express them in a smaller unit`,
    );
  }
}

function isConstant(values: ArrayLike<number>): boolean {
  const [low, high] = extent(values);
  return high - low <= 4 * Number.EPSILON * Math.max(Math.abs(low), Math.abs(high));
}

function singular(xName: string, p: number): ModuleError {
  return new ModuleError(
    `Cannot fit: the model is singular for these ${xName} (need at least ${p} distinct values)`,
  );
}

function reflect(column: number[], v: number[], vv: number, k: number): void {
  let dot = 0;
  for (let i = 0; i < v.length; i++) dot += v[i] * column[k + i];
  const factor = (2 * dot) / vv;
  for (let i = 0; i < v.length; i++) column[k + i] -= factor * v[i];
}

function invertUpperTriangular(r: number[][]): number[][] {
  const p = r.length;
  const inverse: number[][] = Array.from({ length: p }, () => new Array(p).fill(0));
  for (let j = 0; j < p; j++) {
    inverse[j][j] = 1 / r[j][j];
    for (let i = j - 1; i >= 0; i--) {
      let sum = 0;
      for (let k = i + 1; k <= j; k++) sum += r[i][k] * inverse[k][j];
      inverse[i][j] = -sum / r[i][i];
    }
  }
  return inverse;
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

function sumOfSquaredResiduals(observed: readonly number[], fitted: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < observed.length; i++) sum += (observed[i] - fitted[i]) ** 2;
  return sum;
}
