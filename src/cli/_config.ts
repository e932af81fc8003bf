import type { Command } from "commander";
import type { CliContext } from "./_context.ts";
import type { LabSetup } from "./_setup.ts";

/** `labos config show` and `labos trust`. */
export function registerConfigCommands(program: Command, cli: CliContext, setup: LabSetup): void {
  const config = program.command("config").description("inspect the effective configuration");

  config.command("show")
    .description("print every setting, its value and where it came from")
    .action(async (_options, command: Command) => {
      const { showConfig } = await import("./_config_actions.ts");
      await showConfig(cli, setup, command);
    });

  program.command("trust")
    .description(
      "trust a labos.jsonc (default: --config, else ./labos.jsonc) so its plugins load; an edited file must be trusted again",
    )
    .argument("[file]", "the config file to trust")
    .action(async (file: string | undefined, _options, command: Command) => {
      const { trustConfig } = await import("./_config_actions.ts");
      await trustConfig(cli, command, file);
    });
}
