import { LabosError } from "../errors.ts";
import type { CliIo } from "./_format.ts";

/**
 * Prints an error that ended a command as one line, with the stack only
 * when `LABOS_DEBUG=1`; returns the exit code: the LabosError's own (2 for
 * bad input), otherwise 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LabosError } from "../errors.ts";
 * import { reportError } from "./_report.ts";
 * const err: string[] = [];
 * const io = { stdout: () => {}, stderr: (t: string) => err.push(t), env: {}, cwd: ".", isTTY: false };
 * assert.equal(reportError(new LabosError("invalid", "Invalid thing"), io), 2);
 * assert.deepEqual(err, ["error: Invalid thing\n"]);
 * ```
 */
export function reportError(error: unknown, io: CliIo): number {
  const debug = io.env.LABOS_DEBUG === "1";
  if (error instanceof LabosError) {
    io.stderr(`error: ${error.message}\n`);
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`error: ${message.split("\n")[0]}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 1;
}
