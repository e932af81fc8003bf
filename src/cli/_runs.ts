import { Buffer } from "node:buffer";
import * as fs from "node:fs/promises";
import process from "node:process";
import * as path from "node:path";
import { type Command, Option } from "commander";
import { LabosError, quote } from "../errors.ts";
import type { InputConversion, Job } from "../records/mod.ts";
import type { Lab, RunResult, ShownValue } from "../service/mod.ts";
import { type CliContext, collect, wholeNumber } from "./_context.ts";
import { describeValue, previewValue, printable, table, truncate } from "./_format.ts";

interface RunOptions {
  input?: string;
  param?: string[];
  fromDataset?: string;
  map?: string[];
  skipBlankRows?: boolean;
  experiment?: string;
  step?: string;
  plot?: string;
  batch?: string;
}

/** `labos run` and `labos jobs list|show|retry|rerun`. */
export function registerRunCommands(program: Command, cli: CliContext): void {
  program.command("run")
    .description("run an analysis module; every run becomes a job and an output dataset")
    .argument("<key>", "module key, e.g. thermo.calorimetry")
    .option("--input <file>", "input JSON file, or - for stdin")
    .option(
      "--param <name=value>",
      "an input field (repeatable): a number, text, JSON, or 600,650 for a list",
      collect,
    )
    .option("--from-dataset <id>", "take array inputs from a table dataset (imported or collected)")
    .option(
      "--map <field=column>",
      "map a dataset column to a list field, or to field[].name of a list of objects (repeatable)",
      collect,
    )
    .option(
      "--skip-blank-rows",
      "leave out rows with a blank mapped cell (recorded on the job)",
    )
    .option("--experiment <id>", "link the job and dataset to this experiment")
    .option(
      "--step <id>",
      "the template step of --experiment this run is for (see experiments plan)",
    )
    .option("--plot <file.svg>", "write the result's plot as SVG")
    .option("--batch <file.jsonl>", "run one job per line of a JSON Lines file")
    .action(async (key: string, options: RunOptions, command: Command) => {
      const lab = await cli.lab(command);
      if (options.batch !== undefined) {
        if (
          options.input || options.param || options.fromDataset || options.plot || options.step
        ) {
          throw new LabosError(
            "invalid",
            `"--batch" cannot be combined with "--input", "--param", "--from-dataset", "--step" or "--plot"`,
          );
        }
        await runBatchCommand(cli, command, key, options);
        return;
      }
      if (options.plot !== undefined && !(await lab.getModule(key)).plots) {
        throw new LabosError("invalid", `Invalid "--plot": module ${quote(key)} draws no plot`);
      }
      const plotFile = options.plot === undefined
        ? undefined
        : await (await import("../durable/files.ts")).checkOutputFile(
          path.resolve(cli.io.cwd, options.plot),
          {
            dataDir: lab.dataDir,
            label: '"--plot"',
          },
        );
      const input = options.input === undefined ? undefined : await readInput(options.input);
      const result = await lab.run({
        module: key,
        input,
        params: options.param,
        fromDataset: options.fromDataset,
        map: options.map,
        skipBlankRows: options.skipBlankRows,
        experimentId: options.experiment,
        step: options.step,
      });
      // The job is recorded: a plot that cannot be drawn or written is a warning, never a failure.
      let plotted = false;
      if (options.plot !== undefined && result.job.status === "succeeded" && plotFile) {
        try {
          const svg = await lab.jobPlotSvg(result.job.id);
          if (svg) {
            await fs.writeFile(plotFile, svg);
            plotted = true;
          }
        } catch (error) {
          const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0];
          cli.io.stderr(
            `warning: job ${result.job.id} ${result.job.status}, but its plot could not be written to ${
              quote(options.plot)
            }: ${reason}\n`,
          );
        }
      }
      if (command.optsWithGlobals().json) writeRunJson(cli, result);
      else {
        const shown = await shownOutput(lab, command, result);
        const plot = plotted ? options.plot : undefined;
        cli.emit(command, result, () => describeRun(result, { plot, shown }));
      }
      printWarnings(cli, result.job);
      if (result.job.status === "failed") cli.fail(1);
    });

  const jobs = program.command("jobs").description("inspect, retry and recheck jobs");

  jobs.command("list")
    .description("list jobs, newest first")
    .option("--status <status>", "only this state")
    .option("--module <key>", "only this module")
    .option("--experiment <id>", "only this experiment")
    .option("--limit <n>", "page size", wholeNumber, 50)
    .option("--offset <n>", "skip this many", wholeNumber, 0)
    .action(
      async (
        options: {
          status?: string;
          module?: string;
          experiment?: string;
          limit: number;
          offset: number;
        },
        command: Command,
      ) => {
        const page = await (await cli.lab(command)).listJobs({
          ...options,
          experimentId: options.experiment,
        });
        cli.emit(
          command,
          page.items,
          () => page.items.length === 0 ? "No jobs\n" : jobTable(page.items),
        );
      },
    );

  jobs.command("show")
    .description("show one job")
    .argument("<id>", "job id")
    .action(async (id: string, _options, command: Command) => {
      const job = await (await cli.lab(command)).getJob(id);
      cli.emit(command, job, () => describeJob(job));
    });

  jobs.command("void")
    .description("void a job: it stays, struck through, but counts for no plan step or grade")
    .argument("<id>", "job id")
    .option("--reason <text>", "why (required, audited)")
    .action(async (id: string, options: { reason?: string }, command: Command) => {
      const job = await (await cli.lab(command)).voidJob(id, { reason: options.reason });
      cli.emit(
        command,
        job,
        () => `Voided ${job.id}: it counts for no plan step (the reason is audited)\n`,
      );
    });

  jobs.command("retry")
    .description("run a job's input again as a new job linked by retryOf")
    .argument("<id>", "job id")
    .action(async (id: string, _options, command: Command) => {
      const lab = await cli.lab(command);
      const result = await lab.retryJob(id);
      const shown = await shownOutput(lab, command, result);
      cli.emit(command, result, () => describeRun(result, { shown }));
      printWarnings(cli, result.job);
      if (result.job.status === "failed") cli.fail(1);
    });

  jobs.command("rerun")
    .description("rerun a job and check that its output is byte-identical")
    .argument("<id>", "job id")
    .addOption(new Option("--check", "accepted for scripts written for older versions").hideHelp())
    .action(async (id: string, _options, command: Command) => {
      const check = await (await cli.lab(command)).checkRerun(id);
      const { style } = cli;
      cli.emit(
        command,
        check,
        () => `${check.matches ? style.green("ok") : style.red("MISMATCH")}: ${check.message}\n`,
      );
      if (!check.matches) cli.fail(1);
    });
}

async function readInput(source: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    if (source === "-") text = await readStdin();
    else {
      // TextDecoder is several times faster than readFile's "utf8" on a large input, and
      // faster again on a plain Uint8Array view than on the Buffer itself.
      const bytes = await fs.readFile(source);
      text = decodeUtf8(bytes);
      // Read once and decoded: its pages, already touched, take the input's canonical text.
      (await import("../records/canonical.ts")).recycleBytes(bytes);
    }
  } catch (error) {
    throw new LabosError(
      "invalid",
      `Cannot read "--input" ${quote(source)}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LabosError(
      "invalid",
      `Cannot parse "--input" ${quote(source)}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new LabosError("invalid", `Invalid "--input" ${quote(source)}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks).toString("utf8");
}

async function runBatchCommand(
  cli: CliContext,
  command: Command,
  key: string,
  options: RunOptions,
): Promise<void> {
  const file = options.batch as string;
  let text: string;
  try {
    text = await fs.readFile(path.resolve(cli.io.cwd, file), "utf8");
  } catch (error) {
    throw new LabosError(
      "invalid",
      `Cannot read "--batch" ${quote(file)}: ${(error as Error).message}`,
    );
  }
  const inputs: Array<Record<string, unknown>> = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new LabosError(
        "invalid",
        `Cannot parse "--batch" ${quote(file)}: line ${index + 1}: ${(error as Error).message}`,
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new LabosError(
        "invalid",
        `Invalid "--batch" ${quote(file)}: line ${index + 1}: expected a JSON object`,
      );
    }
    inputs.push(value as Record<string, unknown>);
  }
  if (inputs.length === 0) {
    throw new LabosError("invalid", `Invalid "--batch" ${quote(file)}: no input lines`);
  }
  const started = performance.now();
  const showBar = cli.io.isTTY && !command.optsWithGlobals().json;
  const lab = await cli.lab(command);
  const results = await lab.runBatch(
    { module: key, inputs, experimentId: options.experiment },
    {
      onProgress: ({ done, total }) => {
        if (!showBar) return;
        const width = 30;
        const filled = Math.round((done / total) * width);
        cli.io.stderr(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`);
        if (done === total) cli.io.stderr("\n");
      },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const failed = results.filter((r) => r.job.status === "failed").length;
  results.forEach((r, i) => printWarnings(cli, r.job, `line ${i + 1}: `));
  const json = command.optsWithGlobals().json === true;
  const { mainOutputFields, mainResult } = await import("../service/mod.ts");
  const main = json ? [] : mainOutputFields(await lab.getModule(key));
  const mains = main.length === 0 ? [] : await Promise.all(
    results.map(async (r) =>
      r.output === null ? "-" : mainResult(await lab.showOutput(key, r.output), main)
    ),
  );
  cli.emit(command, results, () =>
    table(
      ["LINE", "JOB", "STATUS", "MS", "DATASET", ...(main.length > 0 ? ["RESULT"] : [])],
      results.map((r, i) => [
        String(i + 1),
        r.job.id,
        r.job.status,
        String(r.job.durationMs ?? ""),
        r.dataset?.id ?? truncate(r.job.error?.message ?? "", 50),
        ...(main.length > 0 ? [mains[i]] : []),
      ]),
    ) +
    `${results.length} jobs: ${results.length - failed} succeeded, ${failed} failed in ${
      seconds.toFixed(2)
    } s (${(results.length / seconds).toFixed(1)} jobs/s)\n`);
  if (failed > 0) cli.fail(1);
}

/**
 * `--json` of a run, written part by part: the same text as one
 * JSON.stringify(result, null, 2), but a result too large for one string
 * (a big input and a big output together) still prints, each part that is
 * too large on one compact line, so that a recorded success never ends in
 * an error.
 */
function writeRunJson(cli: CliContext, result: RunResult): void {
  const entries = Object.entries(result);
  cli.io.stdout("{\n");
  entries.forEach(([key, value], index) => {
    let text: string;
    try {
      text = JSON.stringify(value, null, 2).replaceAll("\n", "\n  ");
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      text = JSON.stringify(value);
    }
    cli.io.stdout(`  ${JSON.stringify(key)}: ${text}${index < entries.length - 1 ? "," : ""}\n`);
  });
  cli.io.stdout("}\n");
}

/** A job's warnings on stderr, one line each, in text and JSON mode alike. */
function printWarnings(cli: CliContext, job: Job, prefix = ""): void {
  for (const warning of job.warnings ?? []) {
    cli.io.stderr(`${prefix}${cli.style.yellow("warning")}: ${warning}\n`);
  }
}

/**
 * The output as text shows it (display settings), cut to the rows printed;
 * nothing for `--json`, which keeps full precision.
 */
async function shownOutput(
  lab: Lab,
  command: Command,
  result: RunResult,
): Promise<{ value: ShownValue; more: Record<string, number> } | null> {
  if (command.optsWithGlobals().json || result.output === null) return null;
  const preview = previewValue(result.output);
  return { value: await lab.showOutput(result.job.module, preview.value), more: preview.more };
}

function describeRun(
  result: RunResult,
  options: { plot?: string; shown: { value: ShownValue; more: Record<string, number> } | null },
): string {
  const { plot, shown } = options;
  const { job } = result;
  const lines = [
    `Job ${job.id} ${job.status} (${job.module}@${job.moduleVersion}, ${job.durationMs} ms)`,
  ];
  if (job.error) lines.push(`error: ${job.error.message}`);
  for (const conversion of job.conversions ?? []) {
    lines.push(`Converted ${describeConversion(conversion)}`);
  }
  if (job.mapping) lines.push(describeSkipped(job.mapping.skippedLines));
  if (result.dataset) lines.push(`Dataset ${result.dataset.id}`);
  if (job.experimentId) {
    lines.push(`Experiment ${job.experimentId}${job.step ? `, step ${job.step}` : ""}`);
  }
  if (result.output !== null) {
    lines.push(
      "",
      shown ? describeValue(shown.value, { more: shown.more }) : describeValue(result.output),
    );
  }
  if (plot && job.status === "succeeded") lines.push(`Plot written to ${plot}`);
  return lines.join("\n") + "\n";
}

function describeSkipped(lines: number[]): string {
  if (lines.length === 0) return "Skipped no rows: no mapped cell was blank";
  return `Skipped ${lines.length} ${
    lines.length === 1 ? "row" : "rows"
  } with a blank mapped cell: CSV ${lines.length === 1 ? "line" : "lines"} ${lines.join(", ")}`;
}

function jobTable(jobs: Job[]): string {
  return table(
    ["ID", "STATUS", "MODULE", "FINISHED", "EXPERIMENT"],
    jobs.map((
      j,
    ) => [
      j.id,
      j.voided ? `${j.status} (voided)` : j.status,
      `${j.module}@${j.moduleVersion}`,
      j.finishedAt ?? "-",
      j.experimentId ?? "-",
    ]),
  );
}

function describeJob(job: Job): string {
  return [
    `${job.id}  ${job.module}@${job.moduleVersion} (${job.moduleSource})`,
    `status      ${job.status}`,
    `input       ${
      job.inputOmitted
        ? `not stored (${
          (job.inputOmitted.bytes / 1048576).toFixed(1)
        } MiB; the job failed, so only its hash is kept)`
        : truncate(JSON.stringify(job.input) ?? "null", 2000)
    }`,
    `inputHash   ${job.inputHash}`,
    `output      ${job.outputDatasetId ?? "-"}${
      job.outputHash ? ` (sha256 ${job.outputHash})` : ""
    }`,
    `experiment  ${job.experimentId ?? "-"}${job.step ? `, step ${job.step}` : ""}`,
    ...(job.voided
      ? [`voided      ${job.voided.at} by ${job.voided.by}: ${printable(job.voided.reason)}`]
      : []),
    `retryOf     ${job.retryOf ?? "-"}`,
    `queued      ${job.queuedAt}`,
    `started     ${job.startedAt ?? "-"}`,
    `finished    ${job.finishedAt ?? "-"} (${job.durationMs ?? "-"} ms)`,
    `by          ${job.createdBy}, LabOS ${job.labosVersion}`,
    ...(job.error ? [`error       ${job.error.message}`] : []),
    ...(job.conversions ?? []).map((c) => `converted   ${describeConversion(c)}`),
    ...(job.warnings ?? []).map((warning) => `warning     ${warning}`),
    ...(job.mapping ? [`mapping     ${describeSkipped(job.mapping.skippedLines)}`] : []),
    "",
  ].join("\n");
}

function describeConversion(conversion: InputConversion): string {
  const { field, column, from, to, factor, offset } = conversion;
  const formula = `× ${factor}${
    offset === undefined ? "" : ` ${offset < 0 ? "−" : "+"} ${Math.abs(offset)}`
  }`;
  return `${field}${
    column === undefined ? "" : ` (column ${column})`
  } from ${from} to ${to}: ${formula}`;
}
