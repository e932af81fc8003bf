import * as z from "zod";
import type { AuditFilter } from "../audit/mod.ts";
import { LabosError, quote } from "../errors.ts";
import { lazy } from "../validation.ts";
import {
  DATASET_KINDS,
  EXPERIMENT_STATUSES,
  type ExperimentStatus,
  JOB_STATUSES,
  type JobStatus,
  USERNAME_PATTERN,
} from "../records/mod.ts";

/** The shape of a create-experiment request, checked before anything is written. */
export const CreateExperimentRequest = lazy(() =>
  z.strictObject({
    title: z.string(),
    purpose: z.string().optional(),
    owner: z.string().optional(),
    tags: z.array(z.string()).optional(),
    reason: z.string().optional(),
  })
);

/**
 * The shape of a create-experiment input as it arrives, before a template
 * fills in the title: parsed once, at the service.
 */
export const CreateExperimentInputSchema = lazy(() =>
  z.strictObject({
    title: z.string().optional(),
    template: z.string().optional(),
    purpose: z.string().optional(),
    owner: z.string().optional(),
    tags: z.array(z.string()).optional(),
    reason: z.string().optional(),
  })
);

/** The shape of a transition request. */
export const TransitionRequest = lazy(() =>
  z.strictObject({
    to: z.string(),
    reason: z.string().optional(),
  })
);

/** The shape of an edit-experiment request: the fields to change and why. */
export const EditExperimentRequest = lazy(() =>
  z.strictObject({
    title: z.string().optional(),
    purpose: z.string().optional(),
    tags: z.array(z.string()).optional(),
    reason: z.string().optional(),
  })
);

const USERNAME = lazy(() =>
  z.string().regex(
    USERNAME_PATTERN,
    "must be a username: 2 to 32 lowercase letters, digits, '.', '_' or '-', starting with a letter",
  )
);

/** The shape of a share request: usernames to add and to remove, and why. */
export const ShareExperimentRequest = lazy(() =>
  z.strictObject({
    with: z.array(USERNAME()).max(500).optional(),
    remove: z.array(USERNAME()).max(500).optional(),
    reason: z.string().optional(),
  })
);

/** The shape of a run request. */
export const RunRequestSchema = lazy(() =>
  z.strictObject({
    module: z.string(),
    input: z.record(z.string(), z.unknown()).optional(),
    params: z.array(z.string()).optional(),
    fromDataset: z.string().optional(),
    map: z.array(z.string()).optional(),
    skipBlankRows: z.boolean().optional(),
    experimentId: z.string().optional(),
    step: z.string().optional(),
  })
);

/** The shape of a run-plan request: which steps, and parameters for one of them. */
export const RunPlanRequest = lazy(() =>
  z.strictObject({
    steps: z.array(z.string()).optional(),
    params: z.array(z.string()).optional(),
  })
);

/** The shape of a void-job request: the reason is required. */
export const VoidJobRequest = lazy(() =>
  z.strictObject({
    reason: z.string().optional(),
  })
);

/** The shape of an assign request: a template for each of these names. */
export const AssignRequest = lazy(() =>
  z.strictObject({
    to: z.array(z.string()),
    reason: z.string().optional(),
  })
);

/** The shape of a collect request (`datasets collect`), checked before anything is read. */
export const CollectRequestSchema = lazy(() =>
  z.strictObject({
    jobIds: z.array(z.string()),
    fields: z.array(z.string()),
    title: z.string().optional(),
    experimentId: z.string().optional(),
    reason: z.string().optional(),
  })
);

/**
 * Parses an audit target filter, `ID` or `TYPE:ID`, as given to
 * `labos audit list --target` and `GET /api/v1/audit?target=`.
 *
 * @example
 * ```ts
 * import { parseAuditTarget } from "./_requests.ts";
 * import assert from "node:assert";
 * assert.ok(parseAuditTarget("experiment:exp_1")?.type === "experiment");
 * ```
 */
export function parseAuditTarget(
  value: string | undefined,
): { type?: string; id: string } | undefined {
  if (value === undefined || value === "") return undefined;
  const match = /^(?:([a-z]+):)?([^:\s]+)$/.exec(value);
  if (!match) {
    throw new LabosError("invalid", `Invalid "target" ${quote(value)}: expected ID or TYPE:ID`, {
      issues: [{
        path: "target",
        message: `must be ID or TYPE:ID: current value is ${quote(value)}`,
      }],
    });
  }
  return { type: match[1], id: match[2] };
}

/** How a refused filter value is reported: the message, and the field issue if any. */
interface Refusal {
  /** The error message for the value. */
  message: (value: unknown) => string;
  /** The field named in the error's issues, if it names one. */
  field?: string;
  /** The issue's message for the value. */
  detail?: (value: unknown) => string;
}

function oneOf<T extends string>(values: readonly T[], refusal: Refusal): z.ZodType<T> {
  return z.custom<T>((value) => (values as readonly unknown[]).includes(value), {
    error: (issue) => refusal.message(issue.input),
    params: refusal,
  });
}

const expectedStatuses = EXPERIMENT_STATUSES.join(", ");

function statusRefusal(field: string): Refusal {
  return {
    message: (value) => `Unknown status ${quote(value)}: expected one of ${expectedStatuses}`,
    field,
    detail: (value) => `must be one of ${expectedStatuses}: current value is ${quote(value)}`,
  };
}

/** An experiment status; refuses anything else, naming `field`. */
function experimentStatus(field: string): z.ZodType<ExperimentStatus> {
  return oneOf(EXPERIMENT_STATUSES, statusRefusal(field));
}

/** Paging, checked by the storage (its paging rule is written once, there). */
const paging = lazy(() => ({ limit: z.unknown().optional(), offset: z.unknown().optional() }));

/** The shape of an experiment filter (`labos experiments list`, `GET /api/v1/experiments`). */
export const ExperimentFilterSchema = lazy(() =>
  z.object({
    status: experimentStatus("status").optional(),
    tag: z.unknown().optional(),
    ...paging(),
  })
);

/** An experiment filter's fields, as {@linkcode parseExperimentFilter} returns them. */
export interface ExperimentFilterFields {
  /** Only experiments in this state. */
  status?: ExperimentStatus;
  /** Only experiments with this tag, as given. */
  tag?: unknown;
  /** Page size, as given (the storage checks it). */
  limit?: unknown;
  /** Matching experiments to skip, as given (the storage checks it). */
  offset?: unknown;
}

/**
 * Parses an experiment filter as {@linkcode ExperimentFilterSchema} does,
 * building that schema only for a filter it may refuse: a listing's start-up
 * pays for no schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentFilter } from "./_requests.ts";
 * assert.equal(parseExperimentFilter({ status: "draft", limit: 5 }).limit, 5);
 * assert.throws(() => parseExperimentFilter({ status: "lost" }), /Unknown status "lost"/);
 * ```
 */
export function parseExperimentFilter(value: unknown): ExperimentFilterFields {
  if (
    typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype
  ) {
    const { status, tag, limit, offset } = value as Record<string, unknown>;
    if (status === undefined || (EXPERIMENT_STATUSES as readonly unknown[]).includes(status)) {
      return { status: status as ExperimentStatus | undefined, tag, limit, offset };
    }
  }
  return parseFilter(ExperimentFilterSchema(), value);
}

/** The shape of a job filter. */
export const JobFilterSchema = lazy(() =>
  z.object({
    status: oneOf<JobStatus>(JOB_STATUSES, {
      message: (value) =>
        `Unknown job status ${quote(value)}: expected one of ${JOB_STATUSES.join(", ")}`,
    }).optional(),
    module: z.unknown().optional(),
    experimentId: z.unknown().optional(),
    ...paging(),
  })
);

/** The shape of a dataset filter. */
export const DatasetFilterSchema = lazy(() =>
  z.object({
    kind: oneOf(DATASET_KINDS, {
      message: (value) =>
        `Unknown dataset kind ${quote(value)}: expected one of ${DATASET_KINDS.join(", ")}`,
    }).optional(),
    experimentId: z.unknown().optional(),
    ...paging(),
  })
);

/** The shape of an audit filter: `since` must be an ISO 8601 date or time. */
export const AuditFilterSchema: () => z.ZodType<AuditFilter> = lazy(() =>
  z.looseObject({
    since: z.custom<string>((value) => Number.isFinite(Date.parse(value as string)), {
      error: (issue) => `Invalid "since" ${quote(issue.input)}: expected an ISO 8601 date or time`,
    }).optional(),
  }) as z.ZodType<AuditFilter>
);

/**
 * Parses a filter with its schema, once, at the service. A refused value
 * is an `invalid` error with the schema's own message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ExperimentFilterSchema, parseFilter } from "./_requests.ts";
 * assert.equal(parseFilter(ExperimentFilterSchema(), { status: "draft" }).status, "draft");
 * assert.throws(() => parseFilter(ExperimentFilterSchema(), { status: "lost" }), /Unknown status/);
 * ```
 */
export function parseFilter<T>(schema: z.ZodType<T>, value: unknown): T {
  // A filter is one small object, parsed once a request: compiling the
  // schema to a JIT fast path (zod does on first parse) costs more than it saves.
  const result = schema.safeParse(value, { jitless: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const refusal = (issue as { params?: Refusal }).params;
  const input = issue.path.reduce<unknown>(
    (at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key],
    value,
  );
  throw new LabosError(
    "invalid",
    issue.message,
    refusal?.field && refusal.detail
      ? { issues: [{ path: refusal.field, message: refusal.detail(input) }] }
      : undefined,
  );
}

/**
 * Parses a lifecycle state, e.g. the `to` of a transition.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStatus } from "./_requests.ts";
 * assert.equal(parseStatus("running", "to"), "running");
 * ```
 */
export function parseStatus(value: unknown, field: string): ExperimentStatus {
  return parseFilter(z.object({ [field]: experimentStatus(field) }), { [field]: value })[
    field
  ] as ExperimentStatus;
}

/**
 * The trimmed reason of a change, which is required and audited.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireReason } from "./_requests.ts";
 * assert.equal(requireReason(" Typo in the mass "), "Typo in the mass");
 * assert.throws(() => requireReason(""), /"reason" is required/);
 * ```
 */
export function requireReason(reason: string | undefined): string {
  const trimmed = reason?.trim() ?? "";
  if (trimmed === "") {
    throw new LabosError(
      "invalid",
      `"reason" is required: say why, e.g. --reason "Samples ready"`,
      {
        issues: [{ path: "reason", message: "is required" }],
      },
    );
  }
  return trimmed;
}
