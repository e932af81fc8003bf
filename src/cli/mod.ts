/**
 * The `labos` command line: a thin adapter that parses arguments, calls the
 * service and formats its answers.
 *
 * @module
 */
export { main } from "./_main.ts";
export type { CliIo } from "./_format.ts";
