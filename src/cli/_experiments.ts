import type { Command } from "commander";
import type { Experiment } from "../records/mod.ts";
import { table, truncate } from "./_format.ts";
import { type CliContext, collect, wholeNumber } from "./_context.ts";

function describeExperiment(experiment: Experiment): string {
  return [
    `${experiment.id}  ${experiment.title}`,
    `status     ${experiment.status}`,
    `owner      ${experiment.owner}`,
    `purpose    ${experiment.purpose || "-"}`,
    `tags       ${experiment.tags.join(", ") || "-"}`,
    ...(experiment.template ? [`template   ${experiment.template}`] : []),
    `jobs       ${experiment.jobIds.join(", ") || "-"}`,
    `datasets   ${experiment.datasetIds.join(", ") || "-"}`,
    `created    ${experiment.createdAt} by ${experiment.createdBy}`,
    `updated    ${experiment.updatedAt}`,
    "",
  ].join("\n");
}

/** `labos experiments create|list|show|transition`. */
export function registerExperimentCommands(program: Command, cli: CliContext): void {
  const experiments = program.command("experiments").description("create and manage experiments");

  experiments.command("create")
    .description("create a draft experiment")
    .requiredOption("--title <title>", "short title")
    .option("--purpose <text>", "what the experiment sets out to show")
    .option("--owner <name>", "who is responsible (default: the actor)")
    .option("--tag <tag>", "a tag (repeatable)", collect)
    .option("--reason <text>", "why it is created (audited)")
    .action(
      async (
        options: {
          title: string;
          purpose?: string;
          owner?: string;
          tag?: string[];
          reason?: string;
        },
        command: Command,
      ) => {
        const experiment = await cli.lab(command).createExperiment({
          title: options.title,
          purpose: options.purpose,
          owner: options.owner,
          tags: options.tag,
          reason: options.reason,
        });
        cli.emit(
          command,
          experiment,
          () => `Created ${experiment.id} (draft): ${experiment.title}\n`,
        );
      },
    );

  experiments.command("list")
    .description("list experiments, newest first")
    .option("--status <status>", "only this state")
    .option("--tag <tag>", "only with this tag")
    .option("--limit <n>", "page size", wholeNumber, 50)
    .option("--offset <n>", "skip this many", wholeNumber, 0)
    .action(
      async (
        options: { status?: string; tag?: string; limit: number; offset: number },
        command: Command,
      ) => {
        const page = await cli.lab(command).listExperiments(options);
        cli.emit(command, page.items, () => {
          if (page.items.length === 0) return "No experiments\n";
          return table(
            ["ID", "STATUS", "CREATED", "OWNER", "TITLE"],
            page.items.map((
              e,
            ) => [e.id, e.status, e.createdAt.slice(0, 16), e.owner, truncate(e.title, 48)]),
          ) + (page.hasMore ? `(more: --offset ${options.offset + page.items.length})\n` : "");
        });
      },
    );

  experiments.command("show")
    .description("show one experiment")
    .argument("<id>", "experiment id")
    .action(async (id: string, _options, command: Command) => {
      const experiment = await cli.lab(command).getExperiment(id);
      cli.emit(command, experiment, () => describeExperiment(experiment));
    });

  experiments.command("transition")
    .description(
      "move an experiment to another state (draft, running, completed, failed, archived)",
    )
    .argument("<id>", "experiment id")
    .argument("<status>", "target state")
    .option("--reason <text>", "why (required, audited)")
    .action(async (id: string, status: string, options: { reason?: string }, command: Command) => {
      const experiment = await cli.lab(command).transitionExperiment(
        id,
        status,
        options.reason ?? "",
      );
      cli.emit(command, experiment, () => `${experiment.id} is now ${experiment.status}\n`);
    });
}
