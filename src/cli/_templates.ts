import type { Command } from "commander";
import type { TemplateEntry, TemplateExpectation } from "../templates/mod.ts";
import { type CliContext, collect } from "./_context.ts";
import { type Style, table, truncate } from "./_format.ts";

function describeTemplate(
  entry: TemplateEntry,
  style: Style,
  tools: {
    describeExpectation: (
      expectation: TemplateExpectation,
      options?: { graded?: boolean },
    ) => string;
    expectedWithUnit: (expected: string, unit?: string | null) => string;
  },
): string {
  const { describeExpectation, expectedWithUnit: withUnit } = tools;
  const { template } = entry;
  const lines = [
    `${style.bold(template.title)}  ${template.key} ${template.version}`,
    `source      ${entry.source}`,
    `title       ${template.titlePattern}`,
    ...(template.level ? [`level       ${template.level}`] : []),
    ...(template.durationMinutes ? [`duration    ${template.durationMinutes} min`] : []),
    `tags        ${template.tags.join(", ") || "-"}`,
    "",
    template.summary,
    "",
    style.bold("Purpose"),
    template.purpose,
    "",
    style.bold("Instructions"),
    ...template.instructions.map((step, index) => `${index + 1}. ${step}`),
    "",
    style.bold("Planned runs"),
  ];
  for (const step of template.steps) {
    lines.push(`- ${step.id}: ${step.title} (${step.module})`);
    lines.push(`    input     ${JSON.stringify(step.input)}`);
    for (const expectation of step.expected) {
      const { unit } = expectation;
      const graded = expectation.grading
        ? `; student data ${withUnit(describeExpectation(expectation, { graded: true }), unit)}`
        : "";
      lines.push(
        `    expect    ${expectation.field} ${
          withUnit(describeExpectation(expectation), unit)
        }${graded}`,
      );
    }
    if (step.source) lines.push(`    source    ${step.source}`);
  }
  if (template.safety.length > 0) {
    lines.push("", style.bold("Safety"), ...template.safety.map((note) => `- ${note}`));
  }
  lines.push("", style.bold("Citations"), ...template.citations.map((c) => `- ${c}`), "");
  return lines.join("\n");
}

/** `labos templates list|show` and `labos assign`. */
export function registerTemplateCommands(program: Command, cli: CliContext): void {
  const templates = program.command("templates").description(
    "list and describe experiment templates (teaching labs with planned runs)",
  );

  templates.command("list")
    .description("list every template: built-in and from labos.jsonc")
    .action(async (_options, command: Command) => {
      const entries = await (await cli.lab(command)).listTemplates();
      cli.emit(
        command,
        entries.map((entry) => ({ ...entry.template, source: entry.source })),
        () =>
          table(
            ["KEY", "VERSION", "STEPS", "SOURCE", "TITLE"],
            entries.map(({ template, source }) => [
              template.key,
              template.version,
              String(template.steps.length),
              truncate(source, 40),
              template.title,
            ]),
          ),
      );
    });

  templates.command("show")
    .description("show a template: instructions, planned runs and expected outputs")
    .argument("<key>", "template key, e.g. coffee-cup-calorimetry")
    .action(async (key: string, _options, command: Command) => {
      const entry = await (await cli.lab(command)).getTemplate(key);
      const tools = await import("../templates/mod.ts");
      cli.emit(
        command,
        { ...entry.template, source: entry.source },
        () => describeTemplate(entry, cli.style, tools),
      );
    });

  registerAssignCommand(program, cli);
}

/** `labos assign TEMPLATE --to NAME[,NAME…]`. */
function registerAssignCommand(program: Command, cli: CliContext): void {
  program.command("assign")
    .description("create a draft experiment from a template for each student, owned by them")
    .argument("<template>", "template key, e.g. coffee-cup-calorimetry")
    .option("--to <names>", "who gets the lab: usernames separated by commas (repeatable)", collect)
    .option("--reason <text>", 'why, audited (default: "Assigned to NAME")')
    .action(
      async (key: string, options: { to?: string[]; reason?: string }, command: Command) => {
        const experiments = await (await cli.lab(command)).assign(key, {
          to: options.to ?? [],
          reason: options.reason,
        });
        cli.emit(
          command,
          experiments,
          () =>
            table(
              ["ID", "OWNER", "TITLE"],
              experiments.map((e) => [e.id, e.owner, truncate(e.title, 60)]),
            ),
        );
      },
    );
}
