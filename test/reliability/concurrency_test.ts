/**
 * Concurrency: 8 writer processes (CI: 50 operations each; `deno task
 * soak`: 200) and `labos serve` taking API writes at the same time, all on
 * one data folder, give exactly the expected records and events, an
 * unbroken chain and no lock left behind. A lock whose holder was killed is
 * taken over without anyone's help: at once when its process is dead on
 * this host, after the stale timeout when it belongs to another host.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { withTempDir } from "../_cli.ts";
import { startServe } from "../e2e/_serve.ts";
import { LOCK_FILE, withLock } from "../../src/durable/mod.ts";
import { folderInternals } from "../../src/storage/folder/internals.ts";
import { openLab } from "../../src/service/mod.ts";
import type { Lab } from "../../src/service/mod.ts";
import { count, parseWriterOutput, WRITER, type WriterLine } from "./_common.ts";

const PROCESSES = 8;
const OPERATIONS = count("LABOS_CONCURRENCY_OPS", 50, 200);
const API_WRITES = count("LABOS_CONCURRENCY_API", 40, 200);
const TOKEN = "reliability-suite-token-0123456789";
const HOLDER = fileURLToPath(new URL("./_lock_holder.ts", import.meta.url));

interface Tally {
  experiments: number;
  datasets: number;
  jobs: number;
  events: number;
}

/** Events per kind of operation, measured on a scratch folder so the test follows the code. */
async function calibrate(): Promise<Record<string, number>> {
  return await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: dir, actor: "calibration" });
    await lab.init();
    const seq = async () => (await lab.auditHead()).seq;
    const costs: Record<string, number> = {};
    const measure = async (key: string, fn: () => Promise<unknown>) => {
      const before = await seq();
      await fn();
      costs[key] = (await seq()) - before;
    };
    let id = "";
    await measure("create", async () => id = (await lab.createExperiment({ title: "c" })).id);
    await measure(
      "transition",
      () => lab.transitionExperiment(id, { to: "running", reason: "go" }),
    );
    const run = (finalTempC: number, experimentId?: string) => () =>
      lab.run({
        module: "thermo.calorimetry",
        input: { massG: 100, initialTempC: 22, finalTempC, amountMol: 0.05 },
        experimentId,
      });
    await measure("run:succeeded:exp", run(25, id));
    await measure("run:succeeded:none", run(25));
    const fail = (experimentId?: string) => () =>
      lab.run({
        module: "kinetics.arrhenius",
        input: { temperaturesK: [650, 650], rateConstants: [1.66, 7.39] },
        experimentId,
      });
    await measure("run:failed:exp", fail(id));
    await measure("run:failed:none", fail());
    const bytes = new TextEncoder().encode("a,b\n1,2\n");
    await measure(
      "import:exp",
      () => lab.importCsv({ fileName: "a.csv", bytes, experimentId: id }),
    );
    await measure("import:none", () => lab.importCsv({ fileName: "a.csv", bytes }));
    await measure(
      "batch",
      () => lab.createExperiments([{ title: "a" }, { title: "b" }, { title: "c" }]),
    );
    costs.init = 1;
    return costs;
  });
}

function tally(lines: WriterLine[], costs: Record<string, number>): Tally {
  const t: Tally = { experiments: 0, datasets: 0, jobs: 0, events: 0 };
  for (const line of lines) {
    if (!("ack" in line)) continue;
    if (line.ack === "create") {
      t.experiments++;
      t.events += costs.create;
    } else if (line.ack === "batch") {
      t.experiments += 3;
      t.events += costs.batch;
    } else if (line.ack === "transition") {
      t.events += costs.transition;
    } else if (line.ack === "import") {
      t.datasets++;
      t.events += costs[line.experiment ? "import:exp" : "import:none"];
    } else if (line.ack === "run") {
      t.jobs++;
      if (line.status === "succeeded") t.datasets++;
      t.events += costs[`run:${line.status}:${line.experiment ? "exp" : "none"}`];
    }
  }
  return t;
}

async function runWriter(dataDir: string, seed: number): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", WRITER, dataDir, String(seed), String(OPERATIONS)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, `writer ${seed} failed: ${stderr}`);
  return new TextDecoder().decode(output.stdout);
}

Deno.test(`concurrency: ${PROCESSES} processes × ${OPERATIONS} operations and ${API_WRITES} API writes on one data folder`, async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    const lab = openLab({ dataDir, actor: "checker" });
    await lab.init();
    const costs = await calibrate();
    const server = await startServe(dataDir, { env: { LABOS_TOKEN: TOKEN } });
    let api: Tally = { experiments: 0, datasets: 0, jobs: 0, events: 0 };
    try {
      const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
      const apiWrites = async () => {
        const tallied: Tally = { experiments: 0, datasets: 0, jobs: 0, events: 0 };
        for (let i = 0; i < API_WRITES; i++) {
          const run = i % 2 === 1;
          const response = await fetch(
            `${server.origin}/api/v1/${run ? "runs" : "experiments"}`,
            {
              method: "POST",
              headers,
              body: JSON.stringify(
                run
                  ? {
                    module: "thermo.calorimetry",
                    input: { massG: 50, initialTempC: 20, finalTempC: 21 + i / 10, amountMol: 0.1 },
                  }
                  : { title: `API ${i}`, tags: ["api"] },
              ),
            },
          );
          const body = await response.json();
          assertEquals(response.status, 201, JSON.stringify(body));
          if (run) {
            tallied.jobs++;
            tallied.datasets++;
            tallied.events += costs["run:succeeded:none"];
          } else {
            tallied.experiments++;
            tallied.events += costs.create;
          }
        }
        return tallied;
      };
      const [outputs, apiTally] = await Promise.all([
        Promise.all(
          Array.from({ length: PROCESSES }, (_, n) => runWriter(dataDir, 1000 + n)),
        ),
        apiWrites(),
      ]);
      api = apiTally;
      const expected: Tally = { experiments: 0, datasets: 0, jobs: 0, events: costs.init };
      for (const tallied of [api, ...outputs.map((o) => tally(parseWriterOutput(o), costs))]) {
        expected.experiments += tallied.experiments;
        expected.datasets += tallied.datasets;
        expected.jobs += tallied.jobs;
        expected.events += tallied.events;
      }
      for (const output of outputs) assert(output.trimEnd().endsWith("done"));
      const runs = outputs.flatMap((o) => parseWriterOutput(o)).filter((l) =>
        "ack" in l && l.ack === "run"
      );
      assert(
        runs.some((l) => "status" in l && l.status === "failed"),
        "no failed run was exercised",
      );
      await checkFolder(lab, expected);
    } finally {
      const stopped = await server.stop();
      assertEquals(stopped.code, 0, stopped.stderr);
    }
    await assertNoLock(dataDir);
    console.log(
      `concurrency: ${PROCESSES} × ${OPERATIONS} operations + ${API_WRITES} API writes: ${
        (await lab.auditHead()).seq
      } events, exact counts`,
    );
  });
});

async function checkFolder(lab: Lab, expected: Tally): Promise<void> {
  const status = await lab.status();
  assertEquals(
    { ...status.counts, events: status.auditHead.seq },
    {
      experiments: expected.experiments,
      datasets: expected.datasets,
      jobs: expected.jobs,
      users: 0,
      events: expected.events,
    },
  );
  for (const type of ["experiment", "dataset", "job"] as const) {
    assertEquals(
      (await folderInternals(lab.dataDir).store.ids(type)).length,
      await folderInternals(lab.dataDir).store.count(type),
    );
  }
  const verify = await lab.verifyAudit();
  assert(verify.ok && verify.warnings.length === 0, JSON.stringify(verify));
  let seq = 0;
  for await (const event of folderInternals(lab.dataDir).audit.scan()) {
    assertEquals(event.seq, ++seq);
  }
  const report = await lab.doctor();
  assertEquals(report.problems, []);
}

async function assertNoLock(dataDir: string): Promise<void> {
  for (const name of [LOCK_FILE, `${LOCK_FILE}.break`]) {
    assert(!(await fs.stat(`${dataDir}/${name}`).then(() => true, () => false)), `${name} left`);
  }
}

Deno.test("a lock whose holder was killed is recovered at once (dead process on this host)", async () => {
  await withTempDir(async (dataDir) => {
    const lab = openLab({ dataDir, actor: "checker" });
    await lab.init();
    const holder = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", HOLDER, dataDir],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).spawn();
    const reader = holder.stdout.getReader();
    let text = "";
    while (!text.includes("locked")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    await holder.stdout.cancel();
    assert((await fs.stat(`${dataDir}/${LOCK_FILE}`)).isFile(), "the holder took the lock");
    holder.kill("SIGKILL");
    await holder.status;
    const started = performance.now();
    await lab.createExperiment({ title: "After the crash" });
    const waited = performance.now() - started;
    assert(waited < 3000, `took ${waited} ms`);
    await assertNoLock(dataDir);
    assert((await lab.verifyAudit()).ok);
  });
});

Deno.test("a lock of another host is taken over once it is older than the stale timeout", async () => {
  await withTempDir(async (dataDir) => {
    const lab = openLab({ dataDir, actor: "checker" });
    await lab.init();
    const lockPath = `${dataDir}/${LOCK_FILE}`;
    const foreign = JSON.stringify({
      pid: 4_000_000,
      host: "another-host.invalid",
      token: "foreign",
      acquiredAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    // Old mtime: stale for the default 15 s timeout, taken over at once.
    await fs.writeFile(lockPath, foreign);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(lockPath, hourAgo, hourAgo);
    const started = performance.now();
    await lab.createExperiment({ title: "Stale foreign lock" });
    assert(performance.now() - started < 3000);
    await assertNoLock(dataDir);

    // Fresh mtime: the writer waits for the stale timeout, then takes over.
    await fs.writeFile(lockPath, foreign);
    const waitedFrom = performance.now();
    const answer = await withLock(dataDir, () => Promise.resolve(42), {
      staleMs: 400,
      timeoutMs: 10_000,
    });
    const waited = performance.now() - waitedFrom;
    assertEquals(answer, 42);
    assert(waited >= 350, `took over after ${waited} ms, before the lock was stale`);
    await assertNoLock(dataDir);

    // A fresh foreign lock within the timeout: the writer gives up and names the holder.
    await fs.writeFile(lockPath, foreign);
    const error = await assertRejects(
      () => withLock(dataDir, () => Promise.resolve(1), { staleMs: 60_000, timeoutMs: 300 }),
      /another LabOS process \(pid 4000000 on "another-host\.invalid"\)/,
    );
    assertEquals((error as { kind?: string }).kind, "locked");
    await fs.rm(lockPath);
  });
});
