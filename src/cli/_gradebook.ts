import * as path from "node:path";
import type { Command } from "commander";
import { LabosError } from "../errors.ts";
import type { Gradebook, GradebookDistribution } from "../service/mod.ts";
import type { CliContext } from "./_context.ts";
import { table, truncate } from "./_format.ts";

/** The options of `labos gradebook`. */
interface GradebookOptions {
  template?: string;
  csv?: boolean;
  plot?: string;
  step?: string;
  field?: string;
}

/** `labos gradebook`: per student and assigned template, steps, checks and sign-off. */
export function registerGradebookCommand(program: Command, cli: CliContext): void {
  program.command("gradebook")
    .description(
      "per student and assigned template: steps done, checks within tolerance, sign-off (staff)",
    )
    .option("--template <key>", "only this template's rows")
    .option("--csv", "CSV on stdout: a header row, one row per student and template")
    .option(
      "--plot <file.svg>",
      "write the class distribution of one output of one step as SVG",
    )
    .option("--step <id>", "the step of --plot (default: the first with an expected value)")
    .option("--field <path>", "the output of --plot (default: the step's first expected value)")
    .action(async (options: GradebookOptions, command: Command) => {
      const json = command.optsWithGlobals().json === true;
      if (options.csv && json) {
        throw new LabosError("invalid", `"--csv" and "--json" cannot be combined: choose one`);
      }
      if (
        options.plot === undefined && (options.step !== undefined || options.field !== undefined)
      ) {
        throw new LabosError(
          "invalid",
          `"--step" and "--field" choose what "--plot" draws: add --plot FILE.svg`,
        );
      }
      const lab = await cli.lab(command);
      const request = { template: options.template };
      if (options.csv) {
        cli.io.stdout(await lab.gradebookCsv(request));
        return;
      }
      const book = await lab.gradebook(request);
      let spread: GradebookDistribution | undefined;
      let plotFile: string | undefined;
      if (options.plot !== undefined) {
        const { checkOutputFile } = await import("../durable/files.ts");
        plotFile = await checkOutputFile(path.resolve(cli.io.cwd, options.plot), {
          dataDir: lab.dataDir,
          label: '"--plot"',
        });
        spread = await lab.gradebookDistribution({
          template: options.template,
          step: options.step,
          field: options.field,
        });
        const { atomicWriteFile } = await import("../durable/mod.ts");
        await atomicWriteFile(plotFile, spread.svg);
      }
      const distribution = spread && { ...spread, svg: undefined, plot: options.plot };
      cli.emit(
        command,
        distribution ? { ...book, distribution } : book,
        () => describeGradebook(book, spread && { spread, file: options.plot as string }),
      );
    });
}

function describeGradebook(
  book: Gradebook,
  plot?: { spread: GradebookDistribution; file: string },
): string {
  const lines: string[] = [];
  if (book.rows.length === 0) {
    lines.push("No assigned labs yet: labos assign TEMPLATE --to NAME,NAME");
  } else {
    lines.push(
      table(
        ["STUDENT", "TEMPLATE", "EXPERIMENT", "STATUS", "STEPS", "CHECKS", "SIGN-OFF"],
        book.rows.map((row) => [
          row.student,
          truncate(row.template, 32),
          row.experimentId,
          row.experimentStatus,
          `${row.stepsDone}/${row.stepsTotal}`,
          `${row.checksOk}/${row.checksTotal}`,
          row.signOff.map((entry) =>
            `${entry.meaning} by ${entry.signer}${entry.matches ? "" : " (no longer matches)"}`
          ).join("; ") || "-",
        ]),
      ).trimEnd(),
    );
  }
  if (plot) {
    const { spread, file } = plot;
    lines.push(
      "",
      `Wrote ${file}: ${spread.label} (${spread.field}) of step ${spread.step}, ${spread.values.length} student(s)${
        spread.accepted ? `, accepted ${spread.accepted.expected}` : ""
      }${spread.missing.length ? `; no value yet: ${spread.missing.join(", ")}` : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
