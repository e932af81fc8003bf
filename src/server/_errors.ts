/**
 * How errors become HTTP answers: the status of each error kind and the JSON
 * error body of the API.
 *
 * @module
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type FieldIssue, LabosError, type LabosErrorKind } from "../errors.ts";

/** The HTTP status for each error kind. */
export const HTTP_STATUS: Readonly<Record<LabosErrorKind, ContentfulStatusCode>> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthorized: 401,
  module_failed: 422,
  check_failed: 500,
  locked: 503,
  unavailable: 503,
  internal: 500,
};

/** The JSON error body of the API. */
export interface ErrorBody {
  /** The error. */
  error: {
    /** The error kind, a `LabosErrorKind` or `unauthorized`, `forbidden`, `payload_too_large`. */
    kind: string;
    /** One line, sentence case. */
    message: string;
    /** Every offending field, for `invalid`. */
    issues?: FieldIssue[];
  };
}

/**
 * The status and JSON body for an error; unexpected errors become `internal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { LabosError } from "../errors.ts";
 * import { errorResponse } from "./_errors.ts";
 * const { status } = errorResponse(new LabosError("not_found", "No experiment"));
 * assert.ok(status === 404);
 * const slowed = errorResponse(new LabosError("locked", "Too many", { retryAfter: 30 }));
 * assert.ok(slowed.status === 429);
 * assert.ok(errorResponse(new LabosError("unauthorized", "Wrong password")).status === 401);
 * assert.ok(errorResponse(new LabosError("locked", "Data folder busy")).status === 503);
 * const down = new LabosError("unavailable", "Cannot reach the store", { retryAfter: 5 });
 * assert.ok(errorResponse(down).status === 503);
 * ```
 */
export function errorResponse(error: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (error instanceof LabosError) {
    // A slowed login (retryAfter) is "too many requests"; a busy data folder or an unreachable store is 503.
    const slowed = error.kind === "locked" && error.retryAfter !== undefined;
    return {
      status: slowed ? 429 : HTTP_STATUS[error.kind],
      body: {
        error: {
          kind: error.kind,
          message: error.message,
          ...(error.kind === "invalid" ? { issues: error.issues } : {}),
        },
      },
    };
  }
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return { status: 500, body: { error: { kind: "internal", message } } };
}

/**
 * The error a page shows next to its form: a LabOS error of one of `kinds`.
 * Any other error is thrown again, for the app's `onError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { LabosError } from "../errors.ts";
 * import { formError } from "./_errors.ts";
 * const shown = formError(new LabosError("invalid", "Bad title"), ["invalid"]);
 * assert.equal(shown.message, "Bad title");
 * assert.throws(() => formError(new Error("disk full"), ["invalid"]), /disk full/);
 * ```
 */
export function formError(error: unknown, kinds: readonly LabosErrorKind[]): LabosError {
  if (error instanceof LabosError && kinds.includes(error.kind)) return error;
  throw error;
}
