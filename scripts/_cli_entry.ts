/**
 * The entry point of bundles and executables: runs the CLI unconditionally.
 * `cli.ts` runs only `if (import.meta.main)`, which Node 20 does not define,
 * and importing `cli.ts` inside a bundle would run the CLI twice on runtimes
 * that do define it. The command definitions are imported with a literal
 * specifier, so that the bundler sees them and every module they import.
 *
 * @module
 */
import process from "node:process";
import { runCli } from "../src/cli/_main.ts";
import { processIo } from "../src/cli/_process_io.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  io: processIo(),
  loadProgram: () => import("../src/cli/_program.ts"),
  loadQuick: () => import("../src/cli/_quick.ts"),
});
