/**
 * A writer for the crash and concurrency suites: mixed operations through
 * the library API, in a loop. It prints `ready`, then before each operation
 * a `{"begin":…}` line and after it returns a `{"ack":…}` line (written
 * synchronously, so an acknowledged operation is on stdout before the next
 * one starts).
 *
 * ```sh
 * deno run -A test/reliability/_writer.ts DATA_DIR SEED [OPERATIONS]
 * ```
 *
 * Without OPERATIONS it runs until killed. Some runs are large (50,000
 * points), so that kills also land inside the commit of a staged record.
 *
 * @module
 */
import { openLab } from "../../src/service/mod.ts";
import { EXPERIMENT_TRANSITIONS, type ExperimentStatus } from "../../src/records/mod.ts";

const [dataDir, seedText, limitText] = Deno.args;
const limit = limitText === undefined ? Infinity : Number(limitText);
let seed = Number(seedText) >>> 0 || 1;
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const encoder = new TextEncoder();
function say(value: unknown): void {
  const bytes = encoder.encode(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

const lab = openLab({ dataDir, actor: `writer-${seedText}` });
await lab.init();
const mine = new Map<string, ExperimentStatus>();
const pick = (where: (status: ExperimentStatus) => boolean): string | undefined => {
  const ids = [...mine].filter(([, status]) => where(status)).map(([id]) => id);
  return ids.length === 0 ? undefined : ids[Math.floor(random() * ids.length)];
};
say("ready");

for (let i = 0; i < limit; i++) {
  const roll = random();
  if (roll < 0.3 || mine.size === 0) {
    say({ begin: "create" });
    const experiment = await lab.createExperiment({
      title: `Trial ${seedText} #${i} ✓`,
      tags: ["crash"],
    });
    mine.set(experiment.id, experiment.status);
    say({ ack: "create", id: experiment.id, status: experiment.status });
  } else if (roll < 0.55) {
    const id = pick((status) => EXPERIMENT_TRANSITIONS[status].length > 0)!;
    if (id === undefined) continue;
    const allowed = EXPERIMENT_TRANSITIONS[mine.get(id)!].filter((to) =>
      to !== "archived" || random() < 0.2
    );
    if (allowed.length === 0) continue;
    const to = allowed[Math.floor(random() * allowed.length)];
    say({ begin: "transition", id, status: to });
    const after = await lab.transitionExperiment(id, { to, reason: `step ${i}` });
    mine.set(id, after.status);
    say({ ack: "transition", id, status: after.status });
  } else if (roll < 0.75) {
    const experimentId = pick((status) => status === "running");
    say({ begin: "run", experiment: experimentId ?? null });
    // One run in six fails in the module (equal temperatures): a failed job, no dataset.
    // One in five is large: its job record is staged (written once, named by the journal).
    const kind = random();
    const { job, dataset } = await lab.run(
      kind < 1 / 5
        ? { module: "kinetics.arrhenius", input: bigArrhenius(), experimentId }
        : kind < 1 / 5 + 1 / 6
        ? {
          module: "kinetics.arrhenius",
          input: { temperaturesK: [650, 650], rateConstants: [1.66, 7.39] },
          experimentId,
        }
        : {
          module: "thermo.calorimetry",
          input: {
            massG: 100,
            initialTempC: 22,
            finalTempC: 22 + Math.round(random() * 100) / 10 + 0.1,
            amountMol: 0.05,
          },
          experimentId,
        },
    );
    say({
      ack: "run",
      job: job.id,
      status: job.status,
      dataset: dataset?.id ?? null,
      experiment: experimentId ?? null,
    });
  } else if (roll < 0.9) {
    const experimentId = pick((status) => status === "draft" || status === "running");
    const csv = `time_s,value\n${
      Array.from({ length: 5 }, (_, k) => `${k},${(random() * 10).toFixed(3)}`).join("\n")
    }\n`;
    say({ begin: "import", experiment: experimentId ?? null });
    const dataset = await lab.importCsv({
      fileName: `r${i}.csv`,
      bytes: encoder.encode(csv),
      experimentId,
    });
    say({
      ack: "import",
      dataset: dataset.id,
      sha256: dataset.source?.sha256,
      experiment: experimentId ?? null,
    });
  } else {
    say({ begin: "batch" });
    const made = await lab.createExperiments([
      { title: `Batch ${i} a` },
      { title: `Batch ${i} b` },
      { title: `Batch ${i} c` },
    ]);
    for (const experiment of made) mine.set(experiment.id, experiment.status);
    say({ ack: "batch", ids: made.map((experiment) => experiment.id) });
  }
}
say("done");

/** An Arrhenius input of 50,000 points: a job record of about 1.7 MB, above the staging size. */
function bigArrhenius(): { temperaturesK: number[]; rateConstants: number[] } {
  const temperaturesK: number[] = [];
  const rateConstants: number[] = [];
  for (let k = 0; k < 50_000; k++) {
    const t = 300 + k / 100 + random() / 1000;
    temperaturesK.push(t);
    rateConstants.push(1e12 * Math.exp(-80_000 / (8.314462618 * t)) * (1 + random() / 100));
  }
  return { temperaturesK, rateConstants };
}
