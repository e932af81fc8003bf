/**
 * Crash consistency: a writer process doing mixed writes is killed with
 * SIGKILL at a random moment, then the data folder is checked in process:
 * no corrupt record, no dangling reference, the audit chain verifies (or
 * has only a torn final line), `doctor --repair` fixes what is pending, and
 * every operation acknowledged before the kill is there in its acknowledged
 * state. Data folders are reused across trials so state accumulates; two
 * lanes run side by side on separate folders.
 *
 * CI runs LABOS_CRASH_TRIALS (default 200); `deno task soak` runs 1,000.
 * Every tenth trial also simulates a power cut mid-append (a torn final
 * audit line), which `doctor --repair` must move to the quarantine.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { assert, assertEquals } from "../_assert.ts";
import { folderInternals } from "../../src/storage/folder/internals.ts";
import { openLab } from "../../src/service/mod.ts";
import type { Lab } from "../../src/service/mod.ts";
import type { DoctorReport } from "../../src/service/mod.ts";
import { count, parseWriterOutput, seeded, WRITER, type WriterLine } from "./_common.ts";

const TRIALS = count("LABOS_CRASH_TRIALS", 200, 1000);
const LANES = 2;
const TRIALS_PER_FOLDER = 50;
const SEED = Number(Deno.env.get("LABOS_SEED") ?? 20261125);

interface Expectation {
  type: "experiment" | "dataset" | "job";
  check: (lab: Lab) => Promise<string | undefined>;
}

/** Runs the writer until "ready", waits a random 20–300 ms, kills it, returns its output. */
async function killedWriter(dataDir: string, seed: number, delayMs: number): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", WRITER, dataDir, String(seed)],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const decoder = new TextDecoder();
  let text = "";
  let killed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reader = child.stdout.getReader();
  const errors = new Response(child.stderr).text();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (!killed && timer === undefined && text.includes("ready\n")) {
      timer = setTimeout(() => {
        killed = true;
        child.kill("SIGKILL");
      }, delayMs);
    }
  }
  clearTimeout(timer);
  const status = await child.status;
  const stderr = await errors;
  assert(killed, `the writer ended on its own (code ${status.code}): ${stderr.slice(0, 500)}`);
  assertEquals(stderr.trim(), "", "the writer printed errors before the kill");
  return text;
}

/** What the acknowledged lines promise, plus the state an in-flight operation may have reached. */
function expectations(lines: WriterLine[]): Expectation[] {
  const out: Expectation[] = [];
  const statusOf = new Map<string, Set<string>>();
  let inFlight: WriterLine | undefined;
  for (const line of lines) {
    if ("begin" in line) {
      inFlight = line;
      continue;
    }
    inFlight = undefined;
    if (line.ack === "create" || line.ack === "transition") {
      statusOf.set(line.id!, new Set([line.status!]));
    } else if (line.ack === "batch") {
      for (const id of line.ids!) statusOf.set(id, new Set(["draft"]));
    } else if (line.ack === "run") {
      const { job, status, dataset, experiment } = line;
      out.push({
        type: "job",
        check: async (lab) => {
          const record = await folderInternals(lab.dataDir).store.find("job", job!);
          if (!record) return `acknowledged job ${job} is missing`;
          if (record.status !== status) return `job ${job} is ${record.status}, acked ${status}`;
          if (dataset && !(await folderInternals(lab.dataDir).store.find("dataset", dataset))) {
            return `acknowledged dataset ${dataset} is missing`;
          }
          if (experiment) {
            const owner = await folderInternals(lab.dataDir).store.get("experiment", experiment);
            if (!owner.jobIds.includes(job!)) return `experiment ${experiment} lacks job ${job}`;
          }
        },
      });
    } else if (line.ack === "import") {
      const { dataset, sha256, experiment } = line;
      out.push({
        type: "dataset",
        check: async (lab) => {
          const record = await folderInternals(lab.dataDir).store.find("dataset", dataset!);
          if (!record) return `acknowledged dataset ${dataset} is missing`;
          if (record.source?.sha256 !== sha256) return `dataset ${dataset} has another source`;
          if (experiment) {
            const owner = await folderInternals(lab.dataDir).store.get("experiment", experiment);
            if (!owner.datasetIds.includes(dataset!)) {
              return `experiment ${experiment} lacks dataset ${dataset}`;
            }
          }
        },
      });
    }
  }
  // The operation cut by the kill may have committed: its target state is allowed too.
  if (inFlight && "begin" in inFlight && inFlight.begin === "transition") {
    statusOf.get(inFlight.id!)?.add(inFlight.status!);
  }
  for (const [id, allowed] of statusOf) {
    out.push({
      type: "experiment",
      check: async (lab) => {
        const record = await folderInternals(lab.dataDir).store.find("experiment", id);
        if (!record) return `acknowledged experiment ${id} is missing`;
        if (!allowed.has(record.status)) {
          return `experiment ${id} is ${record.status}, acked ${[...allowed].join(" or ")}`;
        }
      },
    });
  }
  return out;
}

const ACCEPTABLE_BEFORE_REPAIR = new Set(["pending-journal", "stray-file"]);
// While a journal is pending, a transaction is half applied: these resolve by its replay.
const ACCEPTABLE_WITH_JOURNAL = new Set([
  "dangling-reference",
  "unaudited-change",
  "index-mismatch",
  "missing-record",
]);

function describe(report: DoctorReport): string {
  return report.problems.map((p) => `${p.kind}: ${p.message}`).join("; ");
}

async function tearAuditTail(lab: Lab, random: () => number): Promise<string> {
  const line =
    (await fs.readFile(folderInternals(lab.dataDir).audit.logFile, "utf8")).split("\n").at(-2) ??
      "";
  const torn = line.slice(0, 1 + Math.floor(random() * Math.max(1, line.length - 2)));
  await fs.appendFile(folderInternals(lab.dataDir).audit.logFile, torn);
  return torn;
}

async function lane(laneNo: number, trials: number, stats: LaneStats): Promise<void> {
  const random = seeded(SEED + laneNo);
  let dataDir = "";
  let lab: Lab | undefined;
  const allAcked: Expectation[] = [];
  for (let trial = 0; trial < trials; trial++) {
    if (trial % TRIALS_PER_FOLDER === 0) {
      if (lab) await finalCheck(lab, allAcked.splice(0));
      if (dataDir) await fs.rm(dataDir, { recursive: true });
      dataDir = await Deno.makeTempDir({ prefix: `labos-crash-${laneNo}-` });
      lab = openLab({ dataDir, actor: "checker" });
      await lab.init();
    }
    const delayMs = 20 + Math.floor(random() * 281);
    const seed = Math.floor(random() * 2 ** 31);
    const where = `lane ${laneNo} trial ${trial} (seed ${seed}, kill after ${delayMs} ms)`;
    const output = await killedWriter(dataDir, seed, delayMs);
    const lines = parseWriterOutput(output);
    stats.acked += lines.filter((line) => "ack" in line).length;

    let torn: string | undefined;
    if (trial % 10 === 9) torn = await tearAuditTail(lab!, random);

    const before = await lab!.doctor();
    const kinds = new Set(before.problems.map((problem) => problem.kind));
    const journal = kinds.has("pending-journal");
    for (const problem of before.problems) {
      const fine = ACCEPTABLE_BEFORE_REPAIR.has(problem.kind) ||
        (journal && ACCEPTABLE_WITH_JOURNAL.has(problem.kind)) ||
        (problem.kind === "audit-damaged" && /torn|no trailing newline/i.test(problem.message));
      assert(fine, `${where}: doctor found ${problem.kind}: ${problem.message}`);
    }
    assert(
      !before.problems.some((p) => p.kind === "corrupt-record"),
      `${where}: corrupt record`,
    );
    const verify = await folderInternals(lab!.dataDir).audit.verify();
    assert(
      verify.ok || verify.kind === "torn",
      `${where}: audit verify: ${verify.ok ? "" : verify.message}`,
    );
    if (torn !== undefined) assert(!verify.ok && verify.kind === "torn", `${where}: tear missed`);
    if (journal) stats.journals++;
    if (kinds.has("stray-file")) stats.strays++;
    if (!verify.ok) stats.torn++;

    if (before.problems.length > 0) {
      const repaired = await lab!.doctor({ repair: true });
      assert(repaired.ok, `${where}: doctor --repair left ${describe(repaired)}`);
      if (torn !== undefined) {
        const files = await fs.readdir(`${dataDir}/audit/quarantine`);
        const contents = await Promise.all(
          files.map((file) => fs.readFile(`${dataDir}/audit/quarantine/${file}`, "utf8")),
        );
        assert(contents.includes(torn), `${where}: the torn bytes are not in the quarantine`);
        const last = (await folderInternals(lab!.dataDir).audit.list({ limit: 1 })).events[0];
        assertEquals(last.action, "audit.repaired", `${where}: no audit.repaired event`);
      }
    }
    const after = await lab!.doctor();
    assertEquals(after.problems, [], `${where}: after repair: ${describe(after)}`);
    assert(
      (await folderInternals(lab!.dataDir).audit.verify()).ok,
      `${where}: verify after repair`,
    );

    const acked = expectations(lines);
    for (const expectation of acked) {
      const problem = await expectation.check(lab!);
      assert(problem === undefined, `${where}: ${problem}`);
    }
    allAcked.push(...acked.filter((item) => item.type !== "experiment"));
    stats.trials++;
  }
  if (lab) await finalCheck(lab, allAcked);
  if (dataDir) await fs.rm(dataDir, { recursive: true });
}

/** Everything acknowledged in any trial of a folder is still there at its end. */
async function finalCheck(lab: Lab, acked: Expectation[]): Promise<void> {
  for (const expectation of acked) {
    const problem = await expectation.check(lab);
    assert(problem === undefined, `final check of ${lab.dataDir}: ${problem}`);
  }
  const report = await lab.doctor();
  assertEquals(report.problems, []);
}

interface LaneStats {
  trials: number;
  acked: number;
  journals: number;
  strays: number;
  torn: number;
}

Deno.test(`crash consistency: ${TRIALS} writers killed with SIGKILL at random moments`, async () => {
  const started = performance.now();
  const stats: LaneStats[] = [];
  await Promise.all(
    Array.from({ length: LANES }, (_, laneNo) => {
      const mine = Math.floor(TRIALS / LANES) + (laneNo < TRIALS % LANES ? 1 : 0);
      const laneStats = { trials: 0, acked: 0, journals: 0, strays: 0, torn: 0 };
      stats.push(laneStats);
      return lane(laneNo, mine, laneStats);
    }),
  );
  const sum = (key: keyof LaneStats) => stats.reduce((total, s) => total + s[key], 0);
  assertEquals(sum("trials"), TRIALS);
  console.log(
    `crash: ${sum("trials")} trials, ${sum("acked")} acknowledged operations checked, ${
      sum("journals")
    } pending journals replayed, ${sum("strays")} with leftover temp files, ${
      sum("torn")
    } torn tails repaired, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
});

Deno.test("a batch cut mid-line by a power cut is completed by doctor --repair, never lost", async () => {
  const dir = await Deno.makeTempDir({ prefix: "labos-crash-batch-" });
  try {
    const lab = openLab({ dataDir: dir, actor: "ada" });
    await lab.init();
    const experiment = await lab.createExperiment({ title: "Power cut" });
    const head = await lab.auditHead();
    const logBefore = await fs.readFile(folderInternals(lab.dataDir).audit.logFile, "utf8");
    const headBefore = await fs.readFile(folderInternals(lab.dataDir).audit.headFile, "utf8");
    const inputs = [1, 2, 3].map((n) => ({
      actor: "ada",
      action: "experiment.noted",
      target: { type: "experiment", id: experiment.id },
      reason: null,
      details: { n },
    }));
    await folderInternals(lab.dataDir).audit.appendMany(inputs);
    const added = (await fs.readFile(folderInternals(lab.dataDir).audit.logFile, "utf8")).slice(
      logBefore.length,
    ).split(
      "\n",
    );
    const tornBytes = added[1].slice(0, 40);
    // What a power cut leaves: the journal, one whole line of the batch, part of the next, the old head.
    await fs.writeFile(
      folderInternals(lab.dataDir).audit.logFile,
      `${logBefore}${added[0]}\n${tornBytes}`,
    );
    await fs.writeFile(folderInternals(lab.dataDir).audit.headFile, headBefore);
    await fs.writeFile(
      `${dir}/journal.json`,
      JSON.stringify({ v: 1, baseSeq: head.seq, records: [], events: inputs }),
    );
    const before = await lab.doctor();
    assertEquals(
      before.problems.map((p) => p.kind).sort(),
      ["audit-damaged", "pending-journal"],
    );
    const repaired = await lab.doctor({ repair: true });
    assert(repaired.ok, JSON.stringify(repaired.problems));
    assert((await lab.verifyAudit()).ok);
    const noted =
      (await folderInternals(lab.dataDir).audit.list({ action: "experiment.noted" })).events;
    assertEquals(noted.map((event) => event.details.n).reverse(), [1, 2, 3]);
    const quarantined = await fs.readdir(`${dir}/audit/quarantine`);
    assertEquals(
      await fs.readFile(`${dir}/audit/quarantine/${quarantined[0]}`, "utf8"),
      tornBytes,
    );
    assertEquals(
      (await folderInternals(lab.dataDir).audit.list({ limit: 1 })).events[0].action,
      "audit.repaired",
    );
    assertEquals((await lab.doctor()).problems, []);
  } finally {
    await fs.rm(dir, { recursive: true });
  }
});
