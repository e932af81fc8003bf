import process from "node:process";
import { VERSION } from "../version.ts";
import type { CliIo } from "./_format.ts";

/**
 * Runs the CLI and resolves to the exit code: 0 success, 1 a failed check,
 * 2 bad usage or input.
 *
 * Start-up loads only what a command uses: `--version` loads nothing more,
 * the command definitions (for parsing and `--help`) load next, and each
 * command's handler, with the service and whatever else it needs, only when
 * that command runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./mod.ts";
 * const out: string[] = [];
 * const code = await main(["--version"], {
 *   stdout: (text) => out.push(text), stderr: () => {}, env: {}, cwd: ".", isTTY: false,
 * });
 * assert.equal(code, 0);
 * assert.ok(out.join("").startsWith("labos "));
 * ```
 */
export async function main(args: string[], io: CliIo = processIo()): Promise<number> {
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    // What commander prints for the version option, without loading commander.
    io.stdout(`labos ${VERSION}\n`);
    return 0;
  }
  const { runProgram } = await import("./_program.ts");
  return await runProgram(args, io);
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
  };
}
