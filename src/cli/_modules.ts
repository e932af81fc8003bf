import type { Command } from "commander";
import type { CliContext } from "./_context.ts";
import { table } from "./_format.ts";

/** `labos modules list|show`. */
export function registerModuleCommands(program: Command, cli: CliContext): void {
  const modules = program.command("modules").description("list and describe analysis modules");

  modules.command("list")
    .description("list every module")
    .action(async (_options, command: Command) => {
      const list = await (await cli.lab(command)).listModules();
      cli.emit(command, list, () =>
        table(
          ["KEY", "VERSION", "SOURCE", "TITLE"],
          list.map((m) => [m.key, m.version, m.source, m.title]),
        ));
    });

  modules.command("show")
    .description("show a module's descriptor and input JSON Schema")
    .argument("<key>", "module key, e.g. thermo.calorimetry")
    .action(async (key: string, _options, command: Command) => {
      const info = await (await cli.lab(command)).getModule(key);
      const { style } = cli;
      cli.emit(command, info, () =>
        [
          `${style.bold(info.key)} ${info.version}  ${info.title}`,
          `source       ${info.source}`,
          `domain       ${info.domain}`,
          "",
          info.summary,
          "",
          style.bold("Method"),
          info.method,
          "",
          style.bold("Learner notes"),
          ...info.learnerNotes.map((note) => `- ${note}`),
          "",
          style.bold("Limitations"),
          ...info.limitations.map((note) => `- ${note}`),
          "",
          style.bold("Citations"),
          ...info.citations.map((citation) => `- ${citation}`),
          "",
          style.bold("Units"),
          ...(Object.keys(info.inputUnits ?? {}).length === 0
            ? ["- none declared"]
            : Object.entries(info.inputUnits).map(([field, { unit, difference }]) =>
              `- ${field}: ${unit}${
                difference ? " (a difference: converted without an offset)" : ""
              }`
            )),
          "",
          style.bold("Examples"),
          ...info.examples.map((example) => `- ${example.name}: ${JSON.stringify(example.input)}`),
          "",
          style.bold("Outputs"),
          ...info.outputs.map((field) =>
            `- ${field.path}${field.unit ? ` [${field.unit}]` : ""}: ${field.description}`
          ),
          "",
          style.bold("Input JSON Schema"),
          JSON.stringify(info.inputSchema, null, 2),
          "",
        ].join("\n"));
    });
}
