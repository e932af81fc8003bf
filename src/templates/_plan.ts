import type { LabTemplate, TemplateExpectation } from "./_schema.ts";

/** How one output field compares with its expected value. */
export interface ExpectationCheck {
  /** The dotted output field. */
  field: string;
  /** What the value means. */
  label?: string;
  /** The unit. */
  unit?: string;
  /** The expected value or range as text, such as `-57 ± 3` or `6.9 ± 5 %`. */
  expected: string;
  /** The value in the output, or null when the field is missing. */
  actual: unknown;
  /** Whether the actual value is within the expectation (within tolerance). */
  ok: boolean;
  /**
   * Actual minus expected value; for a range, how far outside it (0 inside).
   * Null for an exact (`equals`) expectation or a missing or non-numeric value.
   */
  deviation: number | null;
  /** The deviation as a fraction of the expected value, when there is one and it is not 0. */
  relativeDeviation: number | null;
  /** The accepted absolute deviation from the expected value; null for a range or an exact value. */
  tolerance: number | null;
  /**
   * `example` when checked with the worked example's tolerance (the run used
   * the step's default input), `grading` with the template's grading
   * tolerance (the student's own data).
   */
  basis: "example" | "grading";
}

/** How a job came to count for a step. */
export type PlanMatch = "bound" | "default-input" | "module";

/** One job of an experiment as its plan shows it. */
export interface PlanRun {
  /** The job. */
  jobId: string;
  /** Its module. */
  module: string;
  /** Its status. */
  status: string;
  /** How it came to this step: bound with `--step`, by default input, or the only open step of its module; null when unmatched. */
  match: PlanMatch | null;
  /** Whether it was voided: it then counts for nothing and is shown struck through. */
  voided: boolean;
  /** Whether it is the run whose output the step's checks use. */
  credited: boolean;
}

/** One planned run and whether it is done. */
export interface PlanStep {
  /** The step id. */
  id: string;
  /** Its title. */
  title: string;
  /** The module it runs. */
  module: string;
  /** `done` once a succeeded, not voided job counts for it. */
  status: "done" | "pending";
  /** The credited job: the latest succeeded, not voided one of its runs. */
  jobId: string | null;
  /** The credited job's output dataset. */
  datasetId: string | null;
  /** How the credited job came to this step. */
  match: PlanMatch | null;
  /** The expected outputs, compared with the credited job's output. */
  checks: ExpectationCheck[];
  /** Every job of this step, oldest first, voided and failed ones included. */
  runs: PlanRun[];
}

/** An experiment's planned runs and their progress. */
export interface ExperimentPlan {
  /** The experiment. */
  experimentId: string;
  /** The template it was created from. */
  template: { key: string; version: string; title: string };
  /** The planned runs, in template order. */
  steps: PlanStep[];
  /**
   * The experiment's jobs that count for no step, oldest first: not bound,
   * and no step is theirs unambiguously; voided and failed unbound jobs too.
   */
  unmatched: PlanRun[];
  /** How many steps are done. */
  done: number;
  /** How many steps there are. */
  total: number;
  /** Whether every step is done. */
  complete: boolean;
}

/** A job as the plan sees it, with its output when it succeeded. */
export interface PlanJob {
  /** Job id. */
  id: string;
  /** Module key. */
  module: string;
  /** Job status. */
  status: string;
  /** SHA-256 of the validated input. */
  inputHash: string;
  /** The output dataset, when it succeeded. */
  outputDatasetId: string | null;
  /** The module output, when it succeeded. */
  output?: unknown;
  /** The step it is bound to. */
  step?: string;
  /** Set when it was voided. */
  voided?: unknown;
}

interface Placed {
  job: PlanJob;
  match: PlanMatch;
}

/**
 * Matches an experiment's jobs (oldest first) to a template's steps. A job
 * bound to a step (`step`) counts for that step. An unbound job counts only
 * when that is unambiguous: its input hash equals a step's default input
 * hash, or exactly one step of its module was not yet done when it ran;
 * otherwise it is unmatched, and stays so. Voided and failed jobs count for nothing. A step's checks use
 * its latest succeeded, not voided run; a run whose input differs from the
 * step's default input is graded with the template's grading tolerance.
 *
 * @example The story of issue 14: a typo run, then the corrected run
 * ```ts
 * import { builtinTemplates, derivePlan } from "./mod.ts";
 * import assert from "node:assert";
 * const template = builtinTemplates().find((t) => t.key === "coffee-cup-calorimetry")!;
 * const job = (id: string, inputHash: string) => ({
 *   id, module: "thermo.calorimetry", status: "succeeded", inputHash, outputDatasetId: null,
 * });
 * const plan = derivePlan("exp_1", template, {
 *   jobs: [job("job_typo", "a".repeat(64)), job("job_fixed", "b".repeat(64))],
 *   defaultInputHashes: [null, null, null],
 * });
 * assert.strictEqual(plan.done, 0);
 * assert.deepStrictEqual(plan.unmatched.map((run) => run.jobId), ["job_typo", "job_fixed"]);
 * ```
 */
export function derivePlan(
  experimentId: string,
  template: LabTemplate,
  options: { jobs: PlanJob[]; defaultInputHashes: Array<string | null> },
): ExperimentPlan {
  const { jobs, defaultInputHashes } = options;
  const placed: Placed[][] = template.steps.map(() => []);
  const done = template.steps.map(() => false);
  const counts = (job: PlanJob) => job.status === "succeeded" && !job.voided;
  const index = new Map(template.steps.map((step, at) => [step.id, at]));
  const placeOf = (job: PlanJob): { step: number; match: PlanMatch } | undefined => {
    if (job.step !== undefined) {
      const at = index.get(job.step);
      return at !== undefined && template.steps[at].module === job.module
        ? { step: at, match: "bound" }
        : undefined;
    }
    if (!counts(job)) return undefined;
    const byInput = template.steps.findIndex((step, at) =>
      step.module === job.module && defaultInputHashes[at] === job.inputHash
    );
    if (byInput !== -1) return { step: byInput, match: "default-input" };
    const open = template.steps
      .map((step, at) => step.module === job.module && !done[at] ? at : -1)
      .filter((at) => at !== -1);
    return open.length === 1 ? { step: open[0], match: "module" } : undefined;
  };
  const unmatched: PlanJob[] = [];
  // In the order they ran: a later job never changes what an earlier one counted for.
  for (const job of jobs) {
    const at = placeOf(job);
    if (at === undefined) {
      unmatched.push(job);
      continue;
    }
    placed[at.step].push({ job, match: at.match });
    if (counts(job)) done[at.step] = true;
  }
  const steps = template.steps.map((step, at): PlanStep => {
    const runs = placed[at];
    const credited = runs.findLast((run) => counts(run.job));
    const graded = credited !== undefined && credited.job.inputHash !== defaultInputHashes[at];
    return {
      id: step.id,
      title: step.title,
      module: step.module,
      status: credited ? "done" : "pending",
      jobId: credited?.job.id ?? null,
      datasetId: credited?.job.outputDatasetId ?? null,
      match: credited?.match ?? null,
      checks: credited
        ? step.expected.map((e) => checkExpectation(e, credited.job.output, { graded }))
        : [],
      runs: runs.map((run) => planRun(run.job, { match: run.match, credited: run === credited })),
    };
  });
  const doneCount = steps.filter((step) => step.status === "done").length;
  return {
    experimentId,
    template: { key: template.key, version: template.version, title: template.title },
    steps,
    unmatched: unmatched.map((job) => planRun(job, { match: null, credited: false })),
    done: doneCount,
    total: steps.length,
    complete: doneCount === steps.length,
  };
}

function planRun(job: PlanJob, options: { match: PlanMatch | null; credited: boolean }): PlanRun {
  return {
    jobId: job.id,
    module: job.module,
    status: job.status,
    match: options.match,
    voided: Boolean(job.voided),
    credited: options.credited,
  };
}

/**
 * Compares one output field with its expected value. With `graded` (the
 * run used the student's own data, not the step's default input) an
 * expectation with a `grading` tolerance is checked with it instead of the
 * worked example's `tolerance`.
 *
 * @example
 * ```ts
 * import { checkExpectation } from "./mod.ts";
 * import assert from "node:assert";
 * const expectation = {
 *   field: "deltaTK", value: 6.9, tolerance: 0.05, grading: { relativeTolerance: 0.05 },
 * };
 * const example = checkExpectation(expectation, { deltaTK: 7.1 });
 * assert.ok(!example.ok && example.expected === "6.9 ± 0.05");
 * const graded = checkExpectation(expectation, { deltaTK: 7.1 }, { graded: true });
 * assert.ok(graded.ok && graded.expected === "6.9 ± 5 %" && graded.basis === "grading");
 * ```
 */
export function checkExpectation(
  expectation: TemplateExpectation,
  output: unknown,
  options: { graded?: boolean } = {},
): ExpectationCheck {
  const actual = valueAtPath(output, expectation.field);
  const grading = options.graded ? expectation.grading : undefined;
  const widen = (around: number) => gradingWidth(grading, around);
  const numeric = typeof actual === "number" && Number.isFinite(actual);
  let ok: boolean;
  let deviation: number | null = null;
  let relativeDeviation: number | null = null;
  let tolerance: number | null = null;
  if (expectation.equals !== undefined) {
    ok = actual === expectation.equals;
  } else if (expectation.value !== undefined) {
    const value = expectation.value;
    tolerance = grading ? tidy(widen(value)) : expectation.tolerance ?? 0;
    if (numeric) {
      deviation = tidy(actual - value);
      relativeDeviation = value === 0 ? null : tidy((actual - value) / Math.abs(value));
    }
    const slack = 1e-9 * Math.max(1, Math.abs(value));
    ok = numeric && Math.abs(actual - value) <= tolerance + slack;
  } else {
    const min = expectation.min === undefined
      ? undefined
      : expectation.min - widen(expectation.min);
    const max = expectation.max === undefined
      ? undefined
      : expectation.max + widen(expectation.max);
    if (numeric) {
      deviation = min !== undefined && actual < min
        ? tidy(actual - min)
        : max !== undefined && actual > max
        ? tidy(actual - max)
        : 0;
    }
    ok = numeric && (min === undefined || actual >= min) && (max === undefined || actual <= max);
  }
  return {
    field: expectation.field,
    ...(expectation.label === undefined ? {} : { label: expectation.label }),
    ...(expectation.unit === undefined ? {} : { unit: expectation.unit }),
    expected: describeExpectation(expectation, { graded: grading !== undefined }),
    actual: actual === undefined ? null : actual,
    ok,
    deviation,
    relativeDeviation,
    tolerance,
    basis: grading ? "grading" : "example",
  };
}

/**
 * The expected value or range as text; with `graded`, as the grading
 * tolerance widens it.
 *
 * @example
 * ```ts
 * import { describeExpectation } from "./mod.ts";
 * import assert from "node:assert";
 * assert.strictEqual(describeExpectation({ field: "rSquared", min: 0.99 }), "≥ 0.99");
 * const graded = { field: "x", value: -57, tolerance: 3, grading: { tolerance: 5 } };
 * assert.strictEqual(describeExpectation(graded, { graded: true }), "-57 ± 5");
 * ```
 */
export function describeExpectation(
  expectation: TemplateExpectation,
  options: { graded?: boolean } = {},
): string {
  const { value, tolerance } = expectation;
  const grading = options.graded ? expectation.grading : undefined;
  const widen = (around: number) => gradingWidth(grading, around);
  if (expectation.equals !== undefined) return `= ${JSON.stringify(expectation.equals)}`;
  if (value !== undefined) {
    if (grading?.relativeTolerance !== undefined && grading.tolerance === undefined) {
      return `${formatNumber(value)} ± ${formatNumber(tidy(grading.relativeTolerance * 100))} %`;
    }
    return `${formatNumber(value)} ± ${formatNumber(grading ? widen(value) : tolerance ?? 0)}`;
  }
  const min = expectation.min === undefined
    ? undefined
    : tidy(expectation.min - widen(expectation.min));
  const max = expectation.max === undefined
    ? undefined
    : tidy(expectation.max + widen(expectation.max));
  if (min !== undefined && max !== undefined) return `${formatNumber(min)} to ${formatNumber(max)}`;
  return min !== undefined ? `≥ ${formatNumber(min)}` : `≤ ${formatNumber(max ?? 0)}`;
}

/** Rounds away floating-point noise: 7.1 − 6.9 is 0.2, not 0.19999999999999973. */
/** How far a grading tolerance widens the accepted range around a value (0 without one). */
function gradingWidth(grading: TemplateExpectation["grading"], around: number): number {
  if (!grading) return 0;
  return Math.max(grading.tolerance ?? 0, (grading.relativeTolerance ?? 0) * Math.abs(around));
}

/**
 * The accepted range of a numeric expectation: `low` to `high` around
 * `value`, widened by the grading tolerance for a student's own data
 * (`graded`). An exact (`equals`) expectation has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { acceptedRange } from "./_plan.ts";
 * const expectation = { field: "deltaTK", value: 6.9, tolerance: 0.05, grading: { relativeTolerance: 0.05 } };
 * assert.deepStrictEqual(acceptedRange(expectation), { value: 6.9, low: 6.85, high: 6.95 });
 * assert.deepStrictEqual(acceptedRange(expectation, { graded: true }), { value: 6.9, low: 6.555, high: 7.245 });
 * ```
 */
export function acceptedRange(
  expectation: TemplateExpectation,
  options: { graded?: boolean } = {},
): { value?: number; low?: number; high?: number } | null {
  if (expectation.equals !== undefined) return null;
  const grading = options.graded ? expectation.grading : undefined;
  const { value, min, max } = expectation;
  if (value !== undefined) {
    const half = grading ? gradingWidth(grading, value) : expectation.tolerance ?? 0;
    return { value, low: tidy(value - half), high: tidy(value + half) };
  }
  return {
    ...(min === undefined ? {} : { low: tidy(min - gradingWidth(grading, min)) }),
    ...(max === undefined ? {} : { high: tidy(max + gradingWidth(grading, max)) }),
  };
}

/**
 * An expected value's text with its unit in place: `6.9 ± 0.05` in K reads
 * `6.9 ± 0.05 K`, and `6.9 ± 5 %` reads `6.9 K ± 5 %`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { expectedWithUnit } from "./_plan.ts";
 * assert.equal(expectedWithUnit("6.9 ± 5 %", "K"), "6.9 K ± 5 %");
 * assert.equal(expectedWithUnit("≤ 0.1", "K"), "≤ 0.1 K");
 * assert.equal(expectedWithUnit("≤ 0.1", null), "≤ 0.1");
 * ```
 */
export function expectedWithUnit(expected: string, unit?: string | null): string {
  if (!unit) return expected;
  const relative = / ± (\S+ %)$/.exec(expected);
  return relative
    ? `${expected.slice(0, relative.index)} ${unit} ± ${relative[1]}`
    : `${expected} ${unit}`;
}

function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

function formatNumber(value: number): string {
  const size = Math.abs(value);
  return size !== 0 && (size < 1e-3 || size >= 1e6) ? value.toExponential() : String(value);
}

/**
 * The value at a dotted path of a module output, such as `peaks.2.abundance`;
 * undefined when the path does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { valueAtPath } from "./_plan.ts";
 * assert.equal(valueAtPath({ peaks: [{ mz: 1 }, { mz: 2 }] }, "peaks.1.mz"), 2);
 * assert.equal(valueAtPath({ peaks: [] }, "peaks.0.mz"), undefined);
 * ```
 */
export function valueAtPath(value: unknown, dotted: string): unknown {
  let current = value;
  for (const key of dotted.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
