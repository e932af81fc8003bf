import type { Command } from "commander";
import type { CliContext } from "./_context.ts";
import type { NewModuleOptions } from "./_new_actions.ts";

/** `labos new module`. */
export function registerNewCommands(program: Command, cli: CliContext): void {
  const create = program.command("new").description("scaffold new LabOS projects");

  create.command("module")
    .description("write a complete, tested analysis-module plugin project")
    .argument("<name>", 'module key "domain.name" (e.g. lab.my-thing), or a name for lab.NAME')
    .option("--dir <dir>", "where to write it (default: ./DOMAIN-NAME); must be new or empty")
    .option(
      "--labos <path>",
      "use this LabOS source folder for @labos/labos (a deno.json link) instead of JSR",
    )
    .action(async (name: string, options: NewModuleOptions, command: Command) => {
      const { newModule } = await import("./_new_actions.ts");
      newModule(cli, name, { ...options, command });
    });
}
