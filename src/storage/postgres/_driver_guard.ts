/**
 * A guard against a known crash of the `postgres` driver (porsager/postgres
 * issues 1154 and 1208, still open in 3.4.10): when the server closes a
 * connection (a restart, a stop) while a small write is queued, the queued
 * write runs on the closed socket and throws outside any query, which ends
 * the whole process. The queries of that connection already fail with
 * `CONNECTION_CLOSED` (answered `unavailable`), so that one error is ignored
 * and every other uncaught error still ends the process.
 *
 * @module
 */
import process from "node:process";

/**
 * Whether an uncaught error is the driver's write on a closed socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isClosedSocketWrite } from "./_driver_guard.ts";
 * assert.equal(isClosedSocketWrite(new TypeError("Cannot read properties of null (reading 'x')")), false);
 * assert.equal(isClosedSocketWrite(new Error("other")), false);
 * // The driver's queued write, as it runs after the socket was closed.
 * function nextWrite(socket: { write(chunk: string): void } | null) {
 *   socket!.write("Q");
 * }
 * assert.throws(() => nextWrite(null), (error) => isClosedSocketWrite(error));
 * ```
 */
export function isClosedSocketWrite(error: unknown): boolean {
  return error instanceof TypeError &&
    /\(reading 'write'\)|evaluating 'socket\.write'/.test(error.message) &&
    (error.stack ?? "").includes("nextWrite");
}

let installed = false;

/**
 * Installs the guard, once per process.
 *
 * @example
 * ```ts
 * import { guardClosedSocketWrites } from "./_driver_guard.ts";
 * guardClosedSocketWrites();
 * guardClosedSocketWrites();
 * ```
 */
export function guardClosedSocketWrites(): void {
  if (installed) return;
  installed = true;
  const target = globalThis as Partial<EventTarget>;
  if (typeof target.addEventListener === "function") {
    // Deno: an uncaught error is an "error" event, and cancelling it keeps the process alive.
    target.addEventListener("error", (event) => {
      if (isClosedSocketWrite((event as ErrorEvent).error)) event.preventDefault();
    });
    return;
  }
  // Node: a listener replaces the default crash, so any other error ends the process as before.
  process.on("uncaughtException", (error) => {
    if (isClosedSocketWrite(error)) return;
    console.error(error);
    process.exit(1);
  });
}
