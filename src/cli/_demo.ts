import type { Command } from "commander";
import type { CliContext } from "./_context.ts";

/** `labos demo`: a guided tour on a demo data folder. */
export function registerDemoCommand(program: Command, cli: CliContext): void {
  program.command("demo")
    .description("run a guided tour in ./labos-demo (or --data-dir)")
    .action(async (_options, command: Command) => {
      const { runDemo } = await import("./_demo_actions.ts");
      await runDemo(cli, command);
    });
}
