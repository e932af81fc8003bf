/**
 * The entry point of bundles and executables: runs the CLI unconditionally.
 * `cli.ts` runs only `if (import.meta.main)`, which Node 20 does not define,
 * and importing `cli.ts` inside a bundle would run the CLI twice on runtimes
 * that do define it.
 *
 * @module
 */
import process from "node:process";
import { main } from "../src/cli/mod.ts";

process.exitCode = await main(process.argv.slice(2));
