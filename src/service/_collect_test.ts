import assert from "node:assert/strict";
import type { Lab } from "./mod.ts";
import { folderOnlyTest, openTestLab } from "../../test/_store.ts";

async function withLab(
  fn: (lab: Lab, dataDir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-collect-" });
  try {
    await using lab = await openTestLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    await fn(lab, `${dir}/data`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function find(dir: string, name: string): Promise<string | undefined> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isFile && entry.name === name) return path;
    if (entry.isDirectory) {
      const found = await find(path, name);
      if (found) return found;
    }
  }
  return undefined;
}

async function rateLawJob(lab: Lab, temperatureK: number): Promise<string> {
  const result = await lab.run({
    module: "kinetics.integrated-rate-law",
    input: { timesS: [0, 10, 20], concentrationsM: [1, 0.5, 0.25], temperatureK },
  });
  assert.equal(result.job.status, "succeeded");
  return result.job.id;
}

Deno.test("collect: the rows follow the jobs' order and the experiment links the table", async () => {
  await withLab(async (lab) => {
    const experiment = await lab.createExperiment({ title: "k(T)" });
    const hot = await rateLawJob(lab, 320);
    const cold = await rateLawJob(lab, 300);
    const dataset = await lab.collectJobs({
      jobIds: [cold, hot],
      fields: ["input.temperatureK=T", "order"],
      experimentId: experiment.id,
    });
    assert.deepEqual(dataset.table?.values, [[300, 320], [1, 1]]);
    assert.deepEqual(dataset.table?.columns.map((column) => column.unit), ["K", "1"]);
    const linked = await lab.getExperiment(experiment.id);
    assert.deepEqual(linked.datasetIds, [dataset.id]);
    const listed = await lab.listDatasets({ kind: "collected" });
    assert.deepEqual(listed.items.map((item) => item.id), [dataset.id]);
  });
});

Deno.test("collect: a request with an unknown field is refused", async () => {
  await withLab(async (lab) => {
    const job = await rateLawJob(lab, 300);
    await assert.rejects(
      lab.collectJobs({ jobIds: [job], fields: ["order"], titel: "x" }),
      /titel/,
    );
  });
});

// Folder-only: it deletes the job's file.
folderOnlyTest("collect: doctor reports a collected table whose job is gone", async () => {
  await withLab(async (lab, dataDir) => {
    const job = await rateLawJob(lab, 300);
    const dataset = await lab.collectJobs({ jobIds: [job], fields: ["rateConstant"] });
    assert.equal((await lab.doctor()).ok, true);
    const jobFile = await find(dataDir, `${job}.json`);
    assert.ok(jobFile, "the job's file");
    await Deno.remove(jobFile);
    const report = await lab.doctor();
    assert.ok(
      report.problems.some((problem) =>
        problem.kind === "dangling-reference" && problem.path?.includes(dataset.id) &&
        problem.message === `Job "${job}" does not exist`
      ),
      JSON.stringify(report.problems),
    );
  });
});
