import type { Command } from "commander";
import { LabosError } from "../errors.ts";
import type { Experiment } from "../records/mod.ts";
import type { Lab, SignatureListing } from "../service/mod.ts";
import type { ExperimentPlan, PlanRun } from "../templates/mod.ts";
import { printable, type Style, table, truncate } from "./_format.ts";
import { type CliContext, collect, wholeNumber } from "./_context.ts";
import { attachmentTable } from "./_attachments.ts";

function describeExperiment(
  experiment: Experiment,
  signatures: SignatureListing[],
  options: { style: Style; attachments: string },
): string {
  const { style } = options;
  const signed = signatures.map((signature, index) =>
    `${index === 0 ? "signatures" : "          "} ${signature.meaning} by ${
      printable(signature.displayName)
    } (${printable(signature.signer)}) at ${signature.time}: ${printable(signature.reason)}${
      signature.matches ? "" : ` ${style.yellow("(no longer matches)")}`
    }`
  );
  return [
    `${experiment.id}  ${printable(experiment.title)}`,
    `status     ${experiment.status}`,
    `owner      ${printable(experiment.owner)}`,
    ...(experiment.sharedWith ? [`shared     ${experiment.sharedWith.join(", ")}`] : []),
    `purpose    ${printable(experiment.purpose || "-")}`,
    `tags       ${printable(experiment.tags.join(", ") || "-")}`,
    ...(experiment.template ? [`template   ${experiment.template}`] : []),
    `jobs       ${experiment.jobIds.join(", ") || "-"}`,
    `datasets   ${experiment.datasetIds.join(", ") || "-"}`,
    `created    ${experiment.createdAt} by ${printable(experiment.createdBy)}`,
    `updated    ${experiment.updatedAt}`,
    ...(signed.length > 0 ? signed : ["signatures -"]),
    ...(options.attachments === "" ? ["attachments -"] : ["", options.attachments.trimEnd()]),
    "",
  ].join("\n");
}

/** Numbers as the lab's display settings show them (the formatter loads with the first use). */
async function numberFormatter(lab: Lab): Promise<(value: number) => string> {
  const { formatQuantity } = await import("../units/mod.ts");
  return (value) => formatQuantity(value, { format: lab.display.format });
}

function describePlan(
  plan: ExperimentPlan,
  options: {
    style: Style;
    number: (value: number) => string;
    expectedWithUnit: (expected: string, unit?: string | null) => string;
  },
): string {
  const { style, number, expectedWithUnit } = options;
  const rows = plan.steps.map((step) => {
    const passed = step.checks.filter((check) => check.ok).length;
    return [
      step.id,
      step.status === "done" ? style.green("done") : "pending",
      step.module,
      step.jobId ? `${step.jobId} (${step.match})` : "-",
      step.status === "done" && step.checks.length > 0
        ? `${passed}/${step.checks.length} within tolerance`
        : "-",
    ];
  });
  const lines = [
    `${plan.experimentId}  ${plan.template.title} (template ${plan.template.key} ${plan.template.version})`,
    "",
    table(["STEP", "STATUS", "MODULE", "JOB", "CHECKS"], rows).trimEnd(),
  ];
  for (const step of plan.steps.filter((s) => s.checks.length > 0 || s.runs.length > 1)) {
    lines.push("", style.bold(step.id));
    for (const check of step.checks) {
      const unit = check.unit ? ` ${check.unit}` : "";
      const actual = check.actual === null || check.actual === undefined
        ? "not reported"
        : typeof check.actual === "number"
        ? `${number(check.actual)}${unit}`
        : `${JSON.stringify(check.actual)}${unit}`;
      const deviation = check.deviation === null || check.deviation === 0
        ? ""
        : `, off by ${check.deviation > 0 ? "+" : ""}${number(check.deviation)}${unit}`;
      lines.push(
        `  ${check.ok ? style.green("ok") : style.red("NO")}  ${
          check.label ?? check.field
        }: ${actual} (expected ${expectedWithUnit(check.expected, check.unit)}${deviation}${
          check.basis === "grading" ? ", grading tolerance" : ""
        })`,
      );
    }
    const others = step.runs.filter((run) => !run.credited);
    if (others.length > 0) lines.push(`  other runs: ${others.map(describeRun).join(", ")}`);
  }
  if (plan.unmatched.length > 0) {
    lines.push(
      "",
      `Unmatched (bind with run --step): ${plan.unmatched.map(describeRun).join(", ")}`,
    );
  }
  lines.push(
    "",
    `${plan.done} of ${plan.total} planned runs done${
      plan.complete ? "" : `; run the rest with: labos experiments run-plan ${plan.experimentId}`
    }`,
  );
  return `${lines.join("\n")}\n`;
}

function splitNames(values: string[] | undefined): string[] | undefined {
  const names = (values ?? []).flatMap((value) => value.split(",")).map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 ? names : undefined;
}

function describeRun(run: PlanRun): string {
  return `${run.jobId} ${run.voided ? "voided" : run.status}`;
}

/** `labos experiments create|list|show|plan|run-plan|edit|share|transition`. */
export function registerExperimentCommands(program: Command, cli: CliContext): void {
  const experiments = program.command("experiments").description("create and manage experiments");
  registerRecordCommands(experiments, cli);
  registerPlanCommands(experiments, cli);
  registerChangeCommands(experiments, cli);
}

/** `create`, `list` and `show`. */
function registerRecordCommands(experiments: Command, cli: CliContext): void {
  experiments.command("create")
    .description("create a draft experiment, optionally from a template")
    .option("--title <title>", "short title (required unless --template gives one)")
    .option("--template <key>", "create it from a template (see labos templates list)")
    .option("--purpose <text>", "what the experiment sets out to show")
    .option("--owner <name>", "who is responsible (default: the actor)")
    .option("--tag <tag>", "a tag (repeatable)", collect)
    .option("--reason <text>", "why it is created (audited)")
    .action(
      async (
        options: {
          title?: string;
          template?: string;
          purpose?: string;
          owner?: string;
          tag?: string[];
          reason?: string;
        },
        command: Command,
      ) => {
        if (options.title === undefined && options.template === undefined) {
          throw new LabosError(
            "invalid",
            `required option '--title <title>' not specified (or create it from a --template)`,
          );
        }
        const lab = await cli.lab(command);
        const experiment = await lab.createExperiment({
          title: options.title,
          template: options.template,
          purpose: options.purpose,
          owner: options.owner,
          tags: options.tag,
          reason: options.reason,
        });
        const template = experiment.template
          ? (await lab.getTemplate(experiment.template)).template
          : undefined;
        cli.emit(command, experiment, () => {
          const created = `Created ${experiment.id} (draft): ${printable(experiment.title)}\n`;
          if (!template) return created;
          return `${created}From template ${template.key} ${template.version} with ${template.steps.length} planned runs: labos experiments plan ${experiment.id}\n`;
        });
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
        const page = await (await cli.lab(command)).listExperiments(options);
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
      const lab = await cli.lab(command);
      const experiment = await lab.getExperiment(id);
      const signatures = await lab.listSignatures(id);
      const attachments = await lab.listAttachments(id);
      const { byteSize } = await import("../service/mod.ts");
      cli.emit(command, experiment, () =>
        describeExperiment(experiment, signatures, {
          style: cli.style,
          attachments: attachmentTable(attachments, byteSize),
        }));
    });
}

/** `plan` and `run-plan`: a template experiment's planned runs. */
function registerPlanCommands(experiments: Command, cli: CliContext): void {
  experiments.command("plan")
    .description("show the planned runs of a template experiment and which are done")
    .argument("<id>", "experiment id")
    .action(async (id: string, _options, command: Command) => {
      const lab = await cli.lab(command);
      const plan = await lab.experimentPlan(id);
      const number = await numberFormatter(lab);
      const { expectedWithUnit } = await import("../templates/mod.ts");
      cli.emit(
        command,
        plan,
        () => describePlan(plan, { style: cli.style, number, expectedWithUnit }),
      );
    });

  experiments.command("run-plan")
    .description("run planned steps with their default inputs (every pending step by default)")
    .argument("<id>", "experiment id")
    .option("--step <id>", "run this step, done or not (repeatable)", collect)
    .option(
      "--param <name=value>",
      "override an input field of the one --step (repeatable)",
      collect,
    )
    .action(
      async (id: string, options: { step?: string[]; param?: string[] }, command: Command) => {
        const lab = await cli.lab(command);
        const result = await lab.runPlan(id, {
          steps: options.step,
          params: options.param,
        });
        const number = await numberFormatter(lab);
        const { expectedWithUnit } = await import("../templates/mod.ts");
        cli.emit(command, result, () => {
          const lines = result.runs.length === 0
            ? ["Nothing to run: every planned step is done (use --step to run one again)"]
            : result.runs.map(({ step, result: run }) =>
              `${step}: ${run.job.module} job ${run.job.id} ${run.job.status}${
                run.job.error ? `: ${run.job.error.message}` : ""
              }`
            );
          return `${lines.join("\n")}\n\n${
            describePlan(result.plan, { style: cli.style, number, expectedWithUnit })
          }`;
        });
        if (result.runs.some(({ result: run }) => run.job.status === "failed")) cli.fail(1);
      },
    );
}

/** `edit`, `share` and `transition`: audited changes. */
function registerChangeCommands(experiments: Command, cli: CliContext): void {
  experiments.command("edit")
    .description("change an experiment's title, purpose or tags, with an audited reason")
    .argument("<id>", "experiment id")
    .option("--title <title>", "a new title")
    .option("--purpose <text>", "a new purpose (empty clears it)")
    .option("--tag <tag>", "the new tags, replacing the old ones (repeatable)", collect)
    .option("--reason <text>", "why (required, audited)")
    .action(
      async (
        id: string,
        options: { title?: string; purpose?: string; tag?: string[]; reason?: string },
        command: Command,
      ) => {
        const lab = await cli.lab(command);
        const before = await lab.getExperiment(id);
        const experiment = await lab.editExperiment(id, {
          title: options.title,
          purpose: options.purpose,
          tags: options.tag,
          reason: options.reason,
        });
        const changed = (["title", "purpose", "tags"] as const).filter((field) =>
          JSON.stringify(before[field]) !== JSON.stringify(experiment[field])
        );
        cli.emit(
          command,
          experiment,
          () => `Edited ${experiment.id}: ${changed.join(", ")} (the change is audited)\n`,
        );
      },
    );

  experiments.command("share")
    .description("share an experiment with other users, who then see and change it (audited)")
    .argument("<id>", "experiment id")
    .option("--with <names>", "usernames to share it with, comma-separated (repeatable)", collect)
    .option("--remove <names>", "usernames to stop sharing it with, comma-separated", collect)
    .option("--reason <text>", "why (audited)")
    .action(
      async (
        id: string,
        options: { with?: string[]; remove?: string[]; reason?: string },
        command: Command,
      ) => {
        const experiment = await (await cli.lab(command)).shareExperiment(id, {
          with: splitNames(options.with),
          remove: splitNames(options.remove),
          reason: options.reason,
        });
        cli.emit(
          command,
          experiment,
          () =>
            `${experiment.id} is shared with ${
              experiment.sharedWith?.join(", ") ?? "nobody"
            } (the change is audited)\n`,
        );
      },
    );

  experiments.command("transition")
    .description(
      "move an experiment to another state (draft, running, completed, failed, archived)",
    )
    .argument("<id>", "experiment id")
    .argument("<status>", "target state")
    .option("--reason <text>", "why (required, audited)")
    .action(async (id: string, status: string, options: { reason?: string }, command: Command) => {
      const experiment = await (await cli.lab(command)).transitionExperiment(id, {
        to: status,
        reason: options.reason,
      });
      cli.emit(command, experiment, () => `${experiment.id} is now ${experiment.status}\n`);
    });
}
