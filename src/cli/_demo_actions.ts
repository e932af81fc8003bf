import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { Command } from "commander";
import { readAsset } from "../../assets/mod.ts";
import { loadConfig } from "../config/mod.ts";
import { displayOptions, type Lab, openLab, type RunResult } from "../service/mod.ts";
import type { CliContext } from "./_context.ts";
import { describeValue, json, table } from "./_format.ts";

/** What `labos demo --json` prints: one object describing what the tour made. */
export interface DemoSummary {
  /** The demo data folder. */
  dataDir: string;
  /** False when the folder existed and was reused. */
  initialised: boolean;
  /** The experiments, newest first. */
  experiments: Array<{ id: string; title: string; status: string }>;
  /** The dataset imported from the bundled CSV. */
  importedDatasetId: string;
  /** Each analysis job, its output dataset and plot file. */
  jobs: Array<{
    label: string;
    id: string;
    module: string;
    status: string;
    datasetId: string | null;
    experimentId: string | null;
    plot: string | null;
  }>;
  /** Where the plots were written. */
  plotsDir: string;
  /** The template plan of the calorimetry experiment. */
  plan: { experimentId: string; done: number; total: number };
  /** The lineage of the fitted rate law, from the dataset back to its file. */
  lineage: Array<{ kind: string; id: string }>;
  /** The audit verification. */
  audit: { ok: true; events: number; head: string } | { ok: false; message: string };
}

async function exampleInput(
  lab: Lab,
  key: string,
  name: string,
): Promise<Record<string, unknown>> {
  const example = (await lab.getModule(key)).examples.find((e) => e.name === name);
  if (!example) throw new Error(`Module ${key} has no example ${name}`);
  return example.input;
}

/** `labos demo`: a guided tour on a demo data folder. */
export async function runDemo(cli: CliContext, command: Command): Promise<void> {
  const globals = command.optsWithGlobals() as {
    dataDir?: string;
    actor?: string;
    json?: boolean;
  };
  const config = loadConfig({
    cwd: cli.io.cwd,
    env: cli.io.env,
    dataDir: globals.dataDir ?? path.join(cli.io.cwd, "labos-demo"),
    actor: globals.actor ?? "demo",
  });
  const lab = openLab({
    dataDir: config.dataDir,
    actor: config.actor,
    display: displayOptions(config),
  });
  const { style } = cli;
  // With --json the tour is silent and one object describes what it made.
  const say = (text = "") => globals.json ? undefined : cli.io.stdout(`${text}\n`);
  const plotsDir = path.join(config.dataDir, "plots");

  say(style.bold(`LabOS demo in ${config.dataDir}`));
  const init = await lab.init();
  say(
    init.created
      ? "1. Initialised the data folder"
      : "1. Data folder already initialised: reusing it",
  );

  const [calorimetry, kinetics, isotopes, calibration] = await lab.createExperiments([
    { template: "coffee-cup-calorimetry" },
    {
      title: "Crystal violet fading kinetics",
      purpose: "Find the rate law of crystal violet with hydroxide",
      tags: ["kinetics", "teaching"],
    },
    {
      title: "Identify a halogenated unknown",
      purpose: "Match the M, M+2, M+4 pattern of dichloromethane",
      tags: ["ms"],
    },
    {
      title: "NADH calibration at 340 nm",
      purpose: "Calibrate absorbance against concentration",
      tags: ["spectroscopy"],
    },
  ]);
  say(
    `2. Created four draft experiments; ${calorimetry.id} from the coffee-cup calorimetry template`,
  );

  const csvName = "kinetics_crystal_violet.csv";
  const imported = await lab.importCsv({
    fileName: csvName,
    bytes: new TextEncoder().encode(readAsset(`demo/${csvName}`)),
    title: "Crystal violet absorbance at 590 nm",
    experimentId: kinetics.id,
    units: ["time_s=s", "absorbance_590nm=1", "concentration_M=mol/L"],
  });
  say(
    `3. Imported the bundled ${csvName} as ${imported.id} (${imported.table?.rowCount} rows)`,
  );

  const runs: Array<[string, RunResult]> = [];
  runs.push([
    "Rate law fitted from the imported table",
    await lab.run({
      module: "kinetics.integrated-rate-law",
      fromDataset: imported.id,
      map: ["timesS=time_s", "concentrationsM=concentration_M"],
      experimentId: kinetics.id,
    }),
  ]);
  const planned = await lab.runPlan(calorimetry.id);
  for (const { step, result } of planned.runs) {
    const { template } = await lab.getTemplate("coffee-cup-calorimetry");
    const title = template.steps.find((s) => s.id === step)?.title ?? step;
    runs.push([`${title} (planned step "${step}" of the template)`, result]);
  }
  runs.push([
    "Isotope pattern of CH2Cl2",
    await lab.run({
      module: "ms.isotope-pattern",
      input: { formula: "CH2Cl2" },
      experimentId: isotopes.id,
    }),
  ]);
  runs.push([
    "Beer–Lambert calibration for NADH",
    await lab.run({
      module: "spectroscopy.beer-lambert",
      input: await exampleInput(lab, "spectroscopy.beer-lambert", "nadh-340-nm"),
      experimentId: calibration.id,
    }),
  ]);
  runs.push([
    "Arrhenius fit for ethanal decomposition",
    await lab.run({
      module: "kinetics.arrhenius",
      input: await exampleInput(lab, "kinetics.arrhenius", "ethanal-decomposition"),
      experimentId: kinetics.id,
    }),
  ]);
  await fs.mkdir(plotsDir, { recursive: true });
  say(`4. Ran ${runs.length} analysis jobs; plots are in ${plotsDir}`);
  const jobs: DemoSummary["jobs"] = [];
  for (const [label, result] of runs) {
    const { job, dataset } = result;
    const svg = await lab.jobPlotSvg(job.id);
    const plotFile = path.join(plotsDir, `${job.module}.svg`);
    if (svg) await fs.writeFile(plotFile, svg);
    jobs.push({
      label,
      id: job.id,
      module: job.module,
      status: job.status,
      datasetId: dataset?.id ?? null,
      experimentId: job.experimentId,
      plot: svg ? plotFile : null,
    });
    say();
    say(style.bold(`   ${label}`));
    say(
      `   ${job.module}@${job.moduleVersion}  job ${job.id} ${job.status} in ${job.durationMs} ms`,
    );
    say(
      `   dataset ${dataset?.id}  input sha256 ${job.inputHash.slice(0, 16)}…  output sha256 ${
        job.outputHash?.slice(0, 16)
      }…`,
    );
    if (job.inputDatasetIds.length) {
      say(`   computed from dataset ${job.inputDatasetIds.join(", ")}`);
    }
    if (svg) say(`   plot ${plotFile}`);
    const shown = await lab.showOutput(job.module, result.output);
    say(summarise(shown).split("\n").map((line) => `     ${line}`).join("\n"));
  }

  const checks = planned.plan.steps.flatMap((step) => step.checks);
  say();
  say(
    `5. Template plan: ${planned.plan.done} of ${planned.plan.total} planned runs done, ${
      checks.filter((check) => check.ok).length
    } of ${checks.length} outputs as expected (labos experiments plan ${calorimetry.id})`,
  );
  await lab.transitionExperiment(calorimetry.id, {
    to: "completed",
    reason: "Both planned runs agree with the published values",
  });
  await lab.transitionExperiment(isotopes.id, {
    to: "archived",
    reason: "Merged into next week's session",
  });
  say();
  say(`6. Completed ${calorimetry.id} and archived ${isotopes.id}, each with a reason`);

  const lineage = await lab.datasetLineage(runs[0][1].dataset!.id);
  say(
    `7. Lineage of the fitted rate law: ${
      lineage.nodes.map((n) => `${n.kind} ${n.kind === "file" ? n.label : n.id}`).join(" ← ")
    }`,
  );

  const page = await lab.listExperiments({ limit: 4 });
  say();
  say(
    table(
      ["ID", "STATUS", "JOBS", "TITLE"],
      page.items.map((e) => [e.id, e.status, String(e.jobIds.length), e.title]),
    ).replace(/\n$/, ""),
  );
  say();
  const result = await lab.verifyAudit();
  if (globals.json) {
    const summary: DemoSummary = {
      dataDir: config.dataDir,
      initialised: init.created,
      experiments: page.items.map((e) => ({ id: e.id, title: e.title, status: e.status })),
      importedDatasetId: imported.id,
      jobs,
      plotsDir,
      plan: { experimentId: calorimetry.id, done: planned.plan.done, total: planned.plan.total },
      lineage: lineage.nodes.map((node) => ({ kind: node.kind, id: node.id })),
      audit: result.ok
        ? { ok: true, events: result.events, head: result.head }
        : { ok: false, message: result.message },
    };
    cli.io.stdout(json(summary));
  }
  if (result.ok) {
    say(
      `8. Audit log verified: ${style.green(`ok: ${result.events} events, head ${result.head}`)}`,
    );
  } else {
    say(`8. Audit log ${style.red("FAILED")}: ${result.message}`);
    cli.fail(1);
  }
  say();
  say(`Next: labos --data-dir ${config.dataDir} audit list --limit 10`);
}

function summarise(output: unknown): string {
  if (output === null || typeof output !== "object") return String(output);
  const scalars = Object.fromEntries(
    Object.entries(output as Record<string, unknown>).filter(([, value]) =>
      typeof value === "string"
    ),
  );
  const peaks = (output as { peaks?: unknown[] }).peaks;
  const text = describeValue(scalars);
  if (!Array.isArray(peaks)) return text;
  // Every peak the module kept (above its threshold): the M+4 of Cl₂ is the fifth.
  return [
    `${text}`,
    `peaks (${peaks.length}):`,
    ...peaks.map((peak) => `  ${peakLine(peak)}`),
  ]
    .join("\n");
}

// One peak as "mz 83.95, abundance 100": the displayed values, without JSON quotes.
function peakLine(peak: unknown): string {
  if (peak === null || typeof peak !== "object") return String(peak);
  return Object.entries(peak as Record<string, unknown>)
    .filter(([, value]) => typeof value !== "object")
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
}
