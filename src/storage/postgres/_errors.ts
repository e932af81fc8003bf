/**
 * How driver and server errors become LabOS errors: a lost connection, a
 * server that is down or shutting down, and a serialisation failure become
 * `unavailable` (HTTP 503 with Retry-After); the rest stay what they are.
 *
 * @module
 */
import { LabosError } from "../../errors.ts";

/** Seconds a client should wait before trying an unavailable store again. */
export const RETRY_AFTER_SECONDS: number = 5;

// Raised by the driver (porsager `postgres`) and by node:net when a connection fails or drops.
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "LABOS_CONNECT_DEADLINE",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

// Node's codes for a server certificate that failed verification.
const TLS_CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/;

/**
 * The error for a connection that was not ready by the deadline, when the
 * driver kept trying (a server that accepts connections and closes them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectDeadlineError, storeError } from "./_errors.ts";
 * const error = storeError(connectDeadlineError(), "postgres://db/lab") as Error;
 * assert.match(error.message, /^Cannot reach the PostgreSQL store at postgres:\/\/db\/lab: no working connection/);
 * ```
 */
export function connectDeadlineError(): Error {
  return Object.assign(new Error("no working connection within the connect timeout"), {
    code: "LABOS_CONNECT_DEADLINE",
  });
}

/** The SQLSTATE of a server error, or undefined. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqlState } from "./_errors.ts";
 * const error = Object.assign(new Error("could not serialize access"), { name: "PostgresError", code: "40001" });
 * assert.equal(sqlState(error), "40001");
 * assert.equal(sqlState(new Error("x")), undefined);
 * ```
 */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return (error as Error | null)?.name === "PostgresError" && typeof code === "string"
    ? code
    : undefined;
}

/** Whether the connection was lost or could not be made: the server may not have seen the request. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isConnectionError } from "./_errors.ts";
 * assert.ok(isConnectionError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })));
 * assert.ok(!isConnectionError(new Error("boom")));
 * ```
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof LabosError) return false;
  const state = sqlState(error);
  if (state !== undefined) {
    // connection_exception, admin/crash shutdown, cannot_connect_now, too_many_connections.
    return state.startsWith("08") || state === "57P01" || state === "57P02" ||
      state === "57P03" || state === "53300";
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && CONNECTION_CODES.has(code);
}

/** Whether the server rolled the transaction back to resolve a conflict: retrying it is safe. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSerializationFailure } from "./_errors.ts";
 * const deadlock = Object.assign(new Error("deadlock detected"), { name: "PostgresError", code: "40P01" });
 * assert.ok(isSerializationFailure(deadlock));
 * ```
 */
export function isSerializationFailure(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40001" || state === "40P01";
}

/**
 * A one-line LabOS error for a driver or server error: `unavailable` for a
 * lost connection, `locked` for a lock wait that timed out, `invalid` for
 * text PostgreSQL cannot hold, `internal` for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LabosError } from "../../errors.ts";
 * import { storeError } from "./_errors.ts";
 * const error = storeError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }), "postgres://db/lab");
 * assert.ok(error instanceof LabosError && error.kind === "unavailable" && error.retryAfter === 5);
 * const untrusted = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
 * assert.match((storeError(untrusted, "postgres://db/lab") as Error).message, /^Cannot verify the TLS certificate of the PostgreSQL store at postgres:\/\/db\/lab: self-signed certificate/);
 * ```
 */
export function storeError(error: unknown, location: string): unknown {
  if (error instanceof LabosError) return error;
  const state = sqlState(error);
  const message = oneLine(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && TLS_CERTIFICATE_CODE.test(code)) {
    return new LabosError(
      "unavailable",
      `Cannot verify the TLS certificate of the PostgreSQL store at ${location}: ${message} (${code}); give its CA with "sslrootcert=<file>", or use "sslmode=require" to skip the check`,
      { retryAfter: RETRY_AFTER_SECONDS, cause: error },
    );
  }
  if (isConnectionError(error) || isSerializationFailure(error)) {
    return new LabosError(
      "unavailable",
      `Cannot reach the PostgreSQL store at ${location}: ${reason(error)}`,
      { retryAfter: RETRY_AFTER_SECONDS, cause: error },
    );
  }
  if (state === "42P01") {
    return new LabosError(
      "invalid",
      `The PostgreSQL store at ${location} is not initialised: run "labos init" first`,
      { cause: error },
    );
  }
  if (state === "55P03") {
    return new LabosError(
      "locked",
      `Cannot write to the PostgreSQL store at ${location}: another writer held the audit head for too long; try again`,
      { retryAfter: RETRY_AFTER_SECONDS, cause: error },
    );
  }
  if (state === "22P05" || state === "22021") {
    return new LabosError(
      "invalid",
      `Cannot store this change in ${location}: PostgreSQL cannot hold the text (${message})`,
      { cause: error },
    );
  }
  if (state !== undefined) {
    return new LabosError(
      "internal",
      `The PostgreSQL store at ${location} failed: ${message} (SQLSTATE ${state})`,
      { cause: error },
    );
  }
  return error;
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (isSerializationFailure(error)) {
    return `the transaction kept conflicting with others (SQLSTATE ${code}); try again`;
  }
  const known: Record<string, string> = {
    ECONNREFUSED: "the connection was refused (is the server running?)",
    CONNECT_TIMEOUT: "no answer within the connect timeout",
    LABOS_CONNECT_DEADLINE:
      "no working connection within the connect timeout (the server closed each connection or did not answer)",
    ENOTFOUND: "the host name is unknown",
    EAI_AGAIN: "the host name could not be resolved",
    CONNECTION_CLOSED: "the connection was closed",
    CONNECTION_ENDED: "the connection was closed",
    CONNECTION_DESTROYED: "the connection was closed",
    ECONNRESET: "the connection was reset",
    "57P01": "the server is shutting down",
    "57P03": "the server is starting up or shutting down",
    "53300": "the server has too many connections",
  };
  const text = typeof code === "string" ? known[code] : undefined;
  return text ?? `${oneLine(error)}${typeof code === "string" ? ` (${code})` : ""}`;
}

function oneLine(error: unknown): string {
  return String((error as Error | null)?.message ?? error).split("\n")[0];
}
