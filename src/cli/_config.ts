import type { Command } from "commander";
import type { CliContext } from "./_context.ts";
import type { LabSetup } from "./_setup.ts";

/** `labos config show`. */
export function registerConfigCommands(program: Command, cli: CliContext, setup: LabSetup): void {
  const config = program.command("config").description("inspect the effective configuration");

  config.command("show")
    .description("print every setting, its value and where it came from")
    .action(async (_options, command: Command) => {
      const { showConfig } = await import("./_config_actions.ts");
      await showConfig(cli, setup, command);
    });
}
