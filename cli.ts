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
import { main } from "./src/cli/mod.ts";

export { type CliIo, main } from "./src/cli/mod.ts";

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
