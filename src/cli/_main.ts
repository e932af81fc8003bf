import { writeSync } from "node:fs";
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
    stdout: fdWriter(1, () => process.stdout),
    stderr: fdWriter(2, () => process.stderr),
    env: process.env,
    cwd: process.cwd(),
    // A getter: only the commands that style their output ask.
    get isTTY(): boolean {
      return Boolean(process.stdout.isTTY);
    },
  };
}

/**
 * Writes to a file descriptor synchronously, as `process.stdout.write` does
 * for files and terminals. Some runtimes build the `process.stdout` stream
 * only on first use, which costs more than a whole `labos --version`; that
 * stream takes over for good if a write fails (a non-blocking pipe that is
 * full, a closed pipe), and always on Windows, whose console needs it for
 * Unicode.
 */
function fdWriter(fd: number, stream: () => NodeJS.WriteStream): (text: string) => void {
  let useStream = process.platform === "win32";
  const encoder = new TextEncoder();
  return (text) => {
    if (useStream) {
      stream().write(text);
      return;
    }
    const bytes = encoder.encode(text);
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset);
      } catch {
        useStream = true;
        stream().write(bytes.subarray(offset));
        return;
      }
    }
  };
}
