import type { LabTemplate, TemplateExpectation } from "./_schema.ts";

/** How one output field compares with its expected value. */
export interface ExpectationCheck {
  /** The dotted output field. */
  field: string;
  /** What the value means. */
  label?: string;
  /** The unit. */
  unit?: string;
  /** The expected value or range as text, such as `-57 ± 3`. */
  expected: string;
  /** The value in the output, or null when the field is missing. */
  actual: unknown;
  /** Whether the actual value is within the expectation. */
  ok: boolean;
}

/** One planned run and whether it is done. */
export interface PlanStep {
  /** The step id. */
  id: string;
  /** Its title. */
  title: string;
  /** The module it runs. */
  module: string;
  /** `done` once a succeeded job of the experiment is matched to it. */
  status: "done" | "pending";
  /** The matched job. */
  jobId: string | null;
  /** The matched job's output dataset. */
  datasetId: string | null;
  /** How the job was matched: by the step's default input, or by module in order. */
  match: "default-input" | "module" | null;
  /** The expected outputs, compared with the matched job's output. */
  checks: ExpectationCheck[];
}

/** An experiment's planned runs and their progress. */
export interface ExperimentPlan {
  /** The experiment. */
  experimentId: string;
  /** The template it was created from. */
  template: { key: string; version: string; title: string };
  /** The planned runs, in template order. */
  steps: PlanStep[];
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
}

/**
 * Matches an experiment's jobs (oldest first) to a template's steps. Only
 * succeeded jobs count, each for one step. First, a job whose input hash
 * equals a step's default input hash is matched to that step; then each
 * remaining step takes the oldest unmatched job of its module.
 */
export function derivePlan(
  experimentId: string,
  template: LabTemplate,
  options: { jobs: PlanJob[]; defaultInputHashes: Array<string | null> },
): ExperimentPlan {
  const succeeded = options.jobs.filter((job) => job.status === "succeeded");
  const used = new Set<string>();
  const matched: Array<{ job: PlanJob; match: PlanStep["match"] } | undefined> = template.steps
    .map(() => undefined);
  template.steps.forEach((step, index) => {
    const hash = options.defaultInputHashes[index];
    const job = succeeded.find((candidate) =>
      !used.has(candidate.id) && candidate.module === step.module && candidate.inputHash === hash
    );
    if (job) {
      used.add(job.id);
      matched[index] = { job, match: "default-input" };
    }
  });
  template.steps.forEach((step, index) => {
    if (matched[index]) return;
    const job = succeeded.find((candidate) =>
      !used.has(candidate.id) && candidate.module === step.module
    );
    if (job) {
      used.add(job.id);
      matched[index] = { job, match: "module" };
    }
  });
  const steps = template.steps.map((step, index): PlanStep => {
    const found = matched[index];
    return {
      id: step.id,
      title: step.title,
      module: step.module,
      status: found ? "done" : "pending",
      jobId: found?.job.id ?? null,
      datasetId: found?.job.outputDatasetId ?? null,
      match: found?.match ?? null,
      checks: found ? step.expected.map((e) => checkExpectation(e, found.job.output)) : [],
    };
  });
  const done = steps.filter((step) => step.status === "done").length;
  return {
    experimentId,
    template: { key: template.key, version: template.version, title: template.title },
    steps,
    done,
    total: steps.length,
    complete: done === steps.length,
  };
}

/**
 * Compares one output field with its expected value.
 *
 * @example
 * ```ts
 * import { checkExpectation } from "./mod.ts";
 * import assert from "node:assert";
 * const check = checkExpectation(
 *   { field: "reactionEnthalpyKJPerMol", value: -57, tolerance: 3 },
 *   { reactionEnthalpyKJPerMol: -57.74 },
 * );
 * assert.ok(check.ok && check.expected === "-57 ± 3");
 * ```
 */
export function checkExpectation(
  expectation: TemplateExpectation,
  output: unknown,
): ExpectationCheck {
  const actual = valueAtPath(output, expectation.field);
  let ok: boolean;
  if (expectation.equals !== undefined) {
    ok = actual === expectation.equals;
  } else if (typeof actual !== "number" || !Number.isFinite(actual)) {
    ok = false;
  } else if (expectation.value !== undefined) {
    const slack = 1e-9 * Math.max(1, Math.abs(expectation.value));
    ok = Math.abs(actual - expectation.value) <= (expectation.tolerance ?? 0) + slack;
  } else {
    ok = (expectation.min === undefined || actual >= expectation.min) &&
      (expectation.max === undefined || actual <= expectation.max);
  }
  return {
    field: expectation.field,
    ...(expectation.label === undefined ? {} : { label: expectation.label }),
    ...(expectation.unit === undefined ? {} : { unit: expectation.unit }),
    expected: describeExpectation(expectation),
    actual: actual === undefined ? null : actual,
    ok,
  };
}

/**
 * The expected value or range as text.
 *
 * @example
 * ```ts
 * import { describeExpectation } from "./mod.ts";
 * import assert from "node:assert";
 * assert.strictEqual(describeExpectation({ field: "rSquared", min: 0.99 }), "≥ 0.99");
 * ```
 */
export function describeExpectation(expectation: TemplateExpectation): string {
  const { value, tolerance, min, max } = expectation;
  if (expectation.equals !== undefined) return `= ${JSON.stringify(expectation.equals)}`;
  if (value !== undefined) return `${formatNumber(value)} ± ${formatNumber(tolerance ?? 0)}`;
  if (min !== undefined && max !== undefined) return `${formatNumber(min)} to ${formatNumber(max)}`;
  return min !== undefined ? `≥ ${formatNumber(min)}` : `≤ ${formatNumber(max ?? 0)}`;
}

function formatNumber(value: number): string {
  const size = Math.abs(value);
  return size !== 0 && (size < 1e-3 || size >= 1e6) ? value.toExponential() : String(value);
}

function valueAtPath(value: unknown, dotted: string): unknown {
  let current = value;
  for (const key of dotted.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
