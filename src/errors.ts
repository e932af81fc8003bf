/**
 * The error vocabulary shared by every layer. Adapters map `exitCode` to a
 * process exit status and `kind` to an HTTP status.
 *
 * @module
 */

/** What went wrong, independent of how it is shown. */
export type LabosErrorKind =
  /** Bad arguments, flags or input values. */
  | "invalid"
  /** A record, module or file that does not exist. */
  | "not_found"
  /** A request that conflicts with the current state, such as an illegal transition. */
  | "conflict"
  /** An action the acting user's role does not allow, such as a student adding users. */
  | "forbidden"
  /** A check found damage (audit verify, doctor). */
  | "check_failed"
  /** A login, token or session that does not identify an enabled user. */
  | "unauthorized"
  /**
   * The data folder lock could not be taken in time, or (with `retryAfter`)
   * a user's logins are slowed after repeated failures.
   */
  | "locked"
  /** A module failed while running. */
  | "module_failed"
  /** The store cannot be reached now; try again later. */
  | "unavailable"
  /** Anything unexpected. */
  | "internal";

/** One offending field of an invalid input. */
export interface FieldIssue {
  /** Dotted path of the field, such as `peaks.0.mz`; empty for the whole value. */
  path: string;
  /** What was expected, in sentence case. */
  message: string;
}

/** Options for {@linkcode LabosError}. */
export interface LabosErrorOptions {
  /** Every offending field, for validation errors. */
  issues?: FieldIssue[];
  /** The underlying error. */
  cause?: unknown;
  /**
   * For `locked`: seconds until the next attempt is accepted (a login slowed
   * after failures); for `unavailable`: seconds until a retry may succeed.
   */
  retryAfter?: number;
}

/**
 * An expected failure with a one-line, user-facing message.
 *
 * @example Throw a usage error
 * ```ts
 * import { LabosError } from "./errors.ts";
 * import assert from "node:assert";
 * const err = new LabosError("invalid", '"reason" must not be empty');
 * assert.strictEqual(err.exitCode, 2);
 * ```
 */
export class LabosError extends Error {
  /** What went wrong. */
  readonly kind: LabosErrorKind;
  /** Every offending field, for validation errors. */
  readonly issues: FieldIssue[];
  /** For `locked` and `unavailable`: seconds until the next attempt may succeed, when known. */
  readonly retryAfter?: number;

  /** Creates an error of the given kind with a one-line message. */
  constructor(kind: LabosErrorKind, message: string, options: LabosErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "LabosError";
    this.kind = kind;
    this.issues = options.issues ?? [];
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }

  /** The CLI exit code: 2 for bad input, 1 for failed checks and everything else. */
  get exitCode(): number {
    return exitCodeFor(this.kind);
  }
}

/**
 * Maps an error kind to the CLI exit code.
 *
 * @example
 * ```ts
 * import { exitCodeFor } from "./errors.ts";
 * import assert from "node:assert";
 * assert.strictEqual(exitCodeFor("not_found"), 2);
 * assert.strictEqual(exitCodeFor("unavailable"), 1);
 * ```
 */
export function exitCodeFor(kind: LabosErrorKind): number {
  return kind === "invalid" || kind === "not_found" || kind === "conflict" ||
      kind === "unauthorized" || kind === "forbidden"
    ? 2
    : 1;
}

/**
 * Quotes a value for an error message, keeping it on one line and short.
 *
 * @example
 * ```ts
 * import { quote } from "./errors.ts";
 * import assert from "node:assert";
 * assert.strictEqual(quote("a\nb"), '"a\\nb"');
 * ```
 */
export function quote(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** How many characters of file content an error message quotes at most. */
export const EXCERPT_LENGTH = 60;

/**
 * Quotes the start of a value read from a file for an error message: at
 * most {@linkcode EXCERPT_LENGTH} characters, control characters escaped,
 * `...` after the closing quote when it was cut. Messages never carry more
 * of a file than this.
 *
 * @example
 * ```ts
 * import { excerpt } from "./errors.ts";
 * import assert from "node:assert";
 * assert.strictEqual(excerpt("a\tb"), '"a\\tb"');
 * assert.strictEqual(excerpt("x".repeat(100)), `"${"x".repeat(60)}"...`);
 * assert.strictEqual(excerpt({ seq: 1 }), '{"seq":1}');
 * ```
 */
export function excerpt(value: unknown): string {
  if (typeof value === "string") {
    const cut = value.length > EXCERPT_LENGTH;
    return `${JSON.stringify(value.slice(0, EXCERPT_LENGTH))}${cut ? "..." : ""}`;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = `a ${typeof value}`;
  }
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}...` : text;
}
