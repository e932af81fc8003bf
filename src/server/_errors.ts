/**
 * How errors become HTTP answers, and the checks of request bodies that the
 * service cannot see (shapes of JSON bodies and query strings).
 *
 * @module
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type FieldIssue, LabosError, type LabosErrorKind, quote } from "../errors.ts";

/** The HTTP status for each error kind. */
export const HTTP_STATUS: Readonly<Record<LabosErrorKind, ContentfulStatusCode>> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  module_failed: 422,
  check_failed: 500,
  locked: 503,
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
 * import { LabosError } from "../errors.ts";
 * import { errorResponse } from "./_errors.ts";
 * const { status } = errorResponse(new LabosError("not_found", "No experiment"));
 * console.assert(status === 404);
 * ```
 */
export function errorResponse(error: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (error instanceof LabosError) {
    return {
      status: HTTP_STATUS[error.kind],
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
 * Parses a JSON request body, or throws an `invalid` LabosError.
 *
 * @example
 * ```ts
 * import { parseJsonBody } from "./_errors.ts";
 * console.assert((await parseJsonBody(new Request("http://x", { method: "POST", body: "{}" }))) !== null);
 * ```
 */
export async function parseJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") {
    throw new LabosError("invalid", "The request body is empty: expected JSON");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LabosError(
      "invalid",
      `The request body is not valid JSON: ${(error as Error).message.split("\n")[0]}`,
    );
  }
}

/**
 * Parses a form body, or throws an `invalid` LabosError when it is not valid
 * form data (a malformed multipart body would otherwise be a 500).
 *
 * @example
 * ```ts
 * import { parseFormBody } from "./_errors.ts";
 * console.assert((await parseFormBody(() => Promise.resolve({ a: "1" }))).a === "1");
 * ```
 */
export async function parseFormBody<T>(parse: () => Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (error) {
    if (error instanceof LabosError || typeof (error as { status?: unknown }).status === "number") {
      throw error;
    }
    throw new LabosError(
      "invalid",
      "The request body is not valid form data: expected multipart/form-data or application/x-www-form-urlencoded",
    );
  }
}

/**
 * Reads an optional whole-number query parameter.
 *
 * @example
 * ```ts
 * import { wholeNumberParam } from "./_errors.ts";
 * console.assert(wholeNumberParam("limit", "20") === 20);
 * ```
 */
export function wholeNumberParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,9}$/.test(value)) {
    throw new LabosError("invalid", `Invalid "${name}" ${quote(value)}: expected a whole number`, {
      issues: [{ path: name, message: `must be a whole number: current value is ${quote(value)}` }],
    });
  }
  return Number(value);
}
