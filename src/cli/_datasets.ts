import * as fs from "node:fs/promises";
import * as path from "node:path";
import { type Command, Option } from "commander";
import { LabosError, quote } from "../errors.ts";
import type { Cell, Dataset } from "../records/mod.ts";
import { type CliContext, collect, wholeNumber } from "./_context.ts";
import { describeValue, previewValue, printable, table } from "./_format.ts";
/** `labos import` and `labos datasets list|show|lineage`. */
export function registerDatasetCommands(program: Command, cli: CliContext): void {
  registerImportCommand(program, cli);
  const datasets = program.command("datasets").description("inspect datasets and their lineage");
  registerDatasetReadCommands(datasets, cli);
  registerLineageCommand(datasets, cli);
}

/** `labos import`. */
function registerImportCommand(program: Command, cli: CliContext): void {
  program.command("import")
    .description("import a CSV file of instrument data as a dataset")
    .argument("<file>", "CSV file")
    .option("--title <title>", "dataset title (default: the file name)")
    .option("--experiment <id>", "link the dataset to this experiment")
    .option("--units <column=unit>", "the unit of a column (repeatable)", collect)
    .option("--decimal-comma", "read 1,5 as 1.5")
    .option("--delimiter <char>", "the field delimiter (default: detected)")
    .action(
      async (
        file: string,
        options: {
          title?: string;
          experiment?: string;
          units?: string[];
          decimalComma?: boolean;
          delimiter?: string;
        },
        command: Command,
      ) => {
        let bytes: Uint8Array;
        try {
          bytes = await fs.readFile(path.resolve(cli.io.cwd, file));
        } catch (error) {
          throw new LabosError(
            "invalid",
            `Cannot read ${quote(file)}: ${(error as Error).message}`,
          );
        }
        if (isZip(bytes) || /\.zip$/i.test(file)) {
          throw new LabosError(
            "invalid",
            `Cannot import ${quote(file)}: it is a zip archive; to restore a LabOS archive use ${
              quote(`labos import-archive ${file}`)
            }`,
          );
        }
        const dataset = await (await cli.lab(command)).importCsv({
          fileName: path.basename(file),
          bytes,
          title: options.title,
          experimentId: options.experiment,
          units: options.units,
          decimalComma: options.decimalComma,
          delimiter: options.delimiter,
        });
        // Loaded here: the command definitions load commander only.
        const { decimalCommaHint } = await import("../records/table.ts");
        const hint = options.decimalComma || !dataset.table
          ? undefined
          : decimalCommaHint(dataset.table);
        if (hint !== undefined) cli.io.stderr(`hint: ${hint}\n`);
        cli.emit(
          command,
          dataset,
          () =>
            `Imported ${dataset.id}: ${dataset.table?.rowCount} rows, columns ${
              dataset.table?.columns.map((c) =>
                printable(`${c.name} (${c.type}${c.unit ? `, ${c.unit}` : ""})`)
              )
                .join(", ")
            }\n`,
        );
      },
    );
}

/** `list`, `show` and `collect`. */
function registerDatasetReadCommands(datasets: Command, cli: CliContext): void {
  datasets.command("list")
    .description("list datasets, newest first")
    .option("--kind <kind>", "imported, module-output or collected")
    .option("--experiment <id>", "only this experiment")
    .option("--limit <n>", "page size", wholeNumber, 50)
    .option("--offset <n>", "skip this many", wholeNumber, 0)
    .action(
      async (
        options: { kind?: string; experiment?: string; limit: number; offset: number },
        command: Command,
      ) => {
        const page = await (await cli.lab(command)).listDatasets({
          ...options,
          experimentId: options.experiment,
        });
        cli.emit(command, page.items, () =>
          page.items.length === 0 ? "No datasets\n" : table(
            ["ID", "KIND", "ROWS", "CREATED", "TITLE"],
            page.items.map((d) => [
              d.id,
              d.kind,
              d.table ? String(d.table.rowCount) : "",
              d.createdAt.slice(0, 16),
              d.title,
            ]),
          ));
      },
    );

  datasets.command("show")
    .description("show one dataset")
    .argument("<id>", "dataset id")
    .action(async (id: string, _options, command: Command) => {
      const lab = await cli.lab(command);
      const dataset = await lab.getDataset(id);
      // Loaded here: the command definitions load commander only.
      const { tableRows } = await import("../records/table.ts");
      const preview = dataset.table ? tableRows(dataset.table, { limit: PREVIEW_ROWS }) : [];
      const cut = previewValue(dataset.output);
      const shown = command.optsWithGlobals().json || dataset.output === undefined ? undefined : {
        value: await lab.showOutput(dataset.provenance?.module ?? "", cut.value),
        more: cut.more,
      };
      cli.emit(command, dataset, () => describeDataset(dataset, preview, shown));
    });

  datasets.command("collect")
    .description("collect fields of several jobs into a table dataset, one row per job")
    .argument("<jobIds...>", "the jobs, one row each, in this order")
    .option(
      "--field <path[=column]>",
      "a field of each job's output, or of its input with the input. prefix (repeatable)",
      collect,
    )
    .option("--title <title>", "dataset title (default: Collected from N jobs)")
    .option("--experiment <id>", "link the dataset to this experiment")
    .option("--reason <text>", "why, kept in the audit log")
    .action(
      async (
        jobIds: string[],
        options: { field?: string[]; title?: string; experiment?: string; reason?: string },
        command: Command,
      ) => {
        const dataset = await (await cli.lab(command)).collectJobs({
          jobIds,
          fields: options.field ?? [],
          title: options.title,
          experimentId: options.experiment,
          reason: options.reason,
        });
        cli.emit(
          command,
          dataset,
          () =>
            `Collected ${dataset.id}: ${dataset.table?.rowCount} rows, columns ${
              dataset.table?.columns.map((c) =>
                printable(`${c.name}${c.unit ? ` (${c.unit})` : ""}`)
              )
                .join(", ")
            }\n`,
        );
      },
    );
}

/** `lineage`. */
function registerLineageCommand(datasets: Command, cli: CliContext): void {
  datasets.command("lineage")
    .description("print the provenance chain back to the source files")
    .argument("<id>", "dataset id")
    .option("--plot <file.svg>", "also draw the graph as SVG, as run --plot does")
    .addOption(new Option("--svg <file.svg>", "the old spelling of --plot").hideHelp())
    .action(async (id: string, options: { plot?: string; svg?: string }, command: Command) => {
      if (options.plot !== undefined && options.svg !== undefined) {
        throw new LabosError("invalid", `"--svg" is the old spelling of "--plot": give only one`);
      }
      const plot = options.plot ?? options.svg;
      const lab = await cli.lab(command);
      const svgFile = plot
        ? await (await import("../durable/files.ts")).checkOutputFile(
          path.resolve(cli.io.cwd, plot),
          {
            dataDir: lab.dataDir,
            label: options.plot === undefined ? '"--svg"' : '"--plot"',
          },
        )
        : undefined;
      const graph = await lab.datasetLineage(id);
      if (svgFile) {
        const { renderLineageSvg } = await import("../plots/mod.ts");
        await fs.writeFile(svgFile, renderLineageSvg(graph));
      }
      cli.emit(command, graph, () => {
        const labels = new Map(
          graph.nodes.map((
            n,
          ) => [
            n.id,
            printable(`${n.kind} ${n.id.startsWith("file:") ? "" : `${n.id} `}${n.label}`),
          ]),
        );
        const parents = new Map<string, string[]>();
        for (const edge of graph.edges) {
          parents.set(edge.to, [...(parents.get(edge.to) ?? []), edge.from]);
        }
        const lines: string[] = [];
        function walk(node: string, depth: number): void {
          lines.push(`${"  ".repeat(depth)}${depth ? "← " : ""}${labels.get(node)}`);
          for (const parent of parents.get(node) ?? []) walk(parent, depth + 1);
        }
        walk(id, 0);
        if (plot) lines.push(`Plot written to ${plot}`);
        return lines.join("\n") + "\n";
      });
    });
}

/** A zip file starts with a local file header (or, when empty, the end of the central directory). */
function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

const PREVIEW_ROWS = 20;

function describeDataset(
  dataset: Dataset,
  preview: Cell[][],
  shown?: { value: unknown; more: Record<string, number> },
): string {
  const lines = [
    `${dataset.id}  ${printable(dataset.title)}`,
    `kind        ${dataset.kind}`,
    `experiment  ${dataset.experimentId ?? "-"}`,
    `parents     ${dataset.parentIds.join(", ") || "-"}`,
    `created     ${dataset.createdAt} by ${printable(dataset.createdBy)}`,
  ];
  if (dataset.source) {
    lines.push(
      `source      ${
        printable(dataset.source.fileName)
      } (${dataset.source.sizeBytes} bytes, sha256 ${dataset.source.sha256})`,
    );
  }
  if (dataset.provenance) {
    const p = dataset.provenance;
    lines.push(
      `provenance  job ${p.jobId}, ${p.module}@${p.moduleVersion} (${p.moduleSource}), input sha256 ${p.inputHash}, LabOS ${p.labosVersion}`,
    );
  }
  if (dataset.collection) {
    lines.push(
      `collected   ${
        dataset.collection.fields.map((f) => printable(`${f.path} as ${f.column}`)).join(", ")
      }`,
      ...dataset.collection.jobs.map((job, row) =>
        `  row ${
          row + 1
        }    job ${job.jobId} (${job.module}@${job.moduleVersion}), dataset ${job.datasetId}`
      ),
    );
  }
  if (dataset.table) {
    const { columns, rowCount } = dataset.table;
    lines.push(
      "",
      table(
        columns.map((c) => c.unit ? `${c.name} [${c.unit}]` : c.name),
        preview.map((row) => row.map((value) => String(value ?? ""))),
      ).trimEnd(),
    );
    if (rowCount > PREVIEW_ROWS) lines.push(`… ${rowCount - PREVIEW_ROWS} more rows`);
  }
  if (dataset.output !== undefined) {
    lines.push(
      "",
      shown ? describeValue(shown.value, { more: shown.more }) : describeValue(dataset.output),
    );
  }
  return lines.join("\n") + "\n";
}
