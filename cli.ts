/**
 * The `labos` command-line entry point.
 *
 * ```sh
 * deno run -A jsr:@labos/labos/cli --help
 * ```
 *
 * @module
 */
import process from "node:process";
import type { CliIo } from "./src/cli/mod.ts";
import { main } from "./src/cli/mod.ts";

export { type CliIo, main } from "./src/cli/mod.ts";

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), streamIo());
}

/**
 * The process's output through `process.stdout` and `process.stderr`, which
 * Deno builds cheaply, where loading `node:fs` for the synchronous writes of
 * the default output (which Node and the executables use) costs Deno more
 * than a whole `labos --version`.
 */
function streamIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    get isTTY(): boolean {
      return Boolean(process.stdout.isTTY);
    },
  };
}
