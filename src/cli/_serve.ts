import type { Command } from "commander";
import { type CliContext, collect, wholeNumber } from "./_context.ts";
import type { ServeOptions } from "./_serve_actions.ts";

/** The control panel's default address, as `DEFAULT_HOST` in `src/server` (a test checks they agree). */
export const SERVE_DEFAULT_HOST = "127.0.0.1";
/** The control panel's default port, as `DEFAULT_PORT` in `src/server` (a test checks they agree). */
export const SERVE_DEFAULT_PORT = 8321;

/** `labos serve`: the local control panel. The server loads only when the command runs. */
export function registerServeCommand(program: Command, cli: CliContext): void {
  program.command("serve")
    .description("start the local control panel (web UI and JSON API)")
    .option("--host <host>", "address to bind", SERVE_DEFAULT_HOST)
    .option(
      "--port <port>",
      "port to listen on; 0 picks a free one",
      wholeNumber,
      SERVE_DEFAULT_PORT,
    )
    .option("--open", "open the control panel in a browser")
    .option("--allow-host <name>", "also accept this Host header name (repeatable)", collect)
    .action(async (options: ServeOptions, command: Command) => {
      const { serve } = await import("./_serve_actions.ts");
      await serve(cli, options, command);
    });
}
