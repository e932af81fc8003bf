/**
 * State upgrades: the v0 fixture (test/fixtures/v0, described in
 * docs/data-v0.md) through the real v0→v1 and v1→v2 steps, and the v1
 * fixture (test/fixtures/v1, tables as row objects) through v1→v2.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch, assertRejects } from "../_assert.ts";
import { cliJson, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import { hashJson, RECORD_SCHEMAS } from "../../src/records/mod.ts";
import { folderInternals } from "../../src/storage/folder/internals.ts";
import { openLab } from "../../src/service/mod.ts";
import type { MigrateReport } from "../../src/service/mod.ts";

const V0 = fileURLToPath(new URL("../fixtures/v0/data", import.meta.url));

async function copyV0(dir: string): Promise<string> {
  const dataDir = `${dir}/data`;
  await fs.cp(V0, dataDir, { recursive: true });
  return dataDir;
}

Deno.test("a v0 folder is refused by every command except migrate, which names it", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await copyV0(dir);
    const result = await runCli(["--data-dir", dataDir, "status"]);
    assertEquals(result.code, 2);
    assertMatch(
      result.stderr,
      /"schemaVersion" is 0, expected 2; run "labos migrate" to upgrade it/,
    );
  });
});

Deno.test("migrate --dry-run reports the v0→v1 and v1→v2 steps and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await copyV0(dir);
    const before = await snapshotTree(dataDir);
    const report = await cliJson<MigrateReport>(["--data-dir", dataDir, "migrate", "--dry-run"]);
    assertEquals(report.dryRun, true);
    assertEquals([report.from, report.to], [0, 2]);
    assertEquals(report.steps.map((step) => step.to), [1, 2]);
    assertEquals(report.records, { experiments: 3, datasets: 2, jobs: 2 });
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("migrate upgrades v0 to v2: records valid, before/after hashes audited, backup, doctor passes, second run no-op", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await copyV0(dir);
    const original = await snapshotTree(dataDir);
    const report = await cliJson<MigrateReport>(["--data-dir", dataDir, "migrate"]);
    assertEquals(report.changed, true);
    assertEquals(report.records, { experiments: 3, datasets: 2, jobs: 2 });
    assert(report.backup?.startsWith("backups/"));

    // The backup is a byte copy of the records, the audit log and the manifest.
    for (const [file, content] of original) {
      const copy = file.replace(dataDir, `${dataDir}/${report.backup}`);
      assertEquals(await fs.readFile(copy, "utf8"), content, copy);
    }

    const lab = openLab({ dataDir, actor: "checker" });
    const manifest = JSON.parse(await fs.readFile(`${dataDir}/labos.json`, "utf8"));
    assertEquals(manifest.schemaVersion, 2);
    assertMatch(manifest.folderId, /^lab_/);
    const experiment = await lab.getExperiment("exp_01K43Y8C00AAAAAAAAAAAAAAA2");
    assertEquals(experiment.title, "Kinetics of crystal violet");
    assertEquals(experiment.status, "running");
    assertEquals(experiment.createdAt, "2025-09-01T08:02:00.000Z");
    assertEquals(experiment.jobIds, ["job_01K43Y8C00AAAAAAAAAAAAAAA1"]);
    assertEquals(experiment.datasetIds, [
      "ds_01K43Y8C00AAAAAAAAAAAAAAA1",
      "ds_01K43Y8C00AAAAAAAAAAAAAAA2",
    ]);
    const job = await lab.getJob("job_01K43Y8C00AAAAAAAAAAAAAAA1");
    assertEquals([job.status, job.moduleSource, job.retryOf], ["succeeded", "builtin", null]);
    for (const type of ["experiment", "dataset", "job"] as const) {
      const { store } = folderInternals(lab.dataDir);
      for (const id of await store.ids(type)) {
        assert(RECORD_SCHEMAS[type].safeParse(await store.get(type, id)).success, `${type} ${id}`);
      }
    }
    const migrated = (await lab.listAudit({ action: "experiment.migrated", limit: 10 })).items;
    assertEquals(migrated.length, 3);
    for (const event of migrated) {
      assertMatch(String(event.details.beforeHash), /^[0-9a-f]{64}$/);
      assert(event.details.beforeHash !== event.details.recordHash);
    }
    const summary = (await lab.listAudit({ action: "data.migrated" })).items;
    assertEquals(summary.length, 1);
    assertEquals(summary[0].details.from, 0);
    assertEquals(summary[0].details.folderId, manifest.folderId);

    const doctor = await lab.doctor();
    assertEquals(doctor.problems, []);
    assert((await lab.verifyAudit()).ok);
    assertEquals((await lab.status()).counts, {
      experiments: 3,
      datasets: 2,
      jobs: 2,
      users: 0,
    });

    const after = await snapshotTree(dataDir);
    const again = await runCli(["--data-dir", dataDir, "migrate"]);
    assertEquals(again.code, 0);
    assertMatch(again.stdout, /nothing to migrate/);
    assertEquals(await snapshotTree(dataDir), after);
  });
});

Deno.test("migrate refuses a folder whose audit chain does not verify, unless --force with --reason", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await copyV0(dir);
    const log = `${dataDir}/audit/log.jsonl`;
    await fs.writeFile(
      log,
      (await fs.readFile(log, "utf8")).replace(`"actor":"ada"`, `"actor":"eve"`),
    );
    const before = await snapshotTree(dataDir);
    const refused = await runCli(["--data-dir", dataDir, "migrate"]);
    assertEquals(refused.code, 1);
    assertMatch(
      refused.stderr,
      /^error: Cannot migrate .*the audit log does not verify \(edited at seq 1/,
    );
    assertEquals(await snapshotTree(dataDir), before);
    const noReason = await runCli(["--data-dir", dataDir, "migrate", "--force"]);
    assertEquals(noReason.code, 2);
    assertMatch(noReason.stderr, /"--force" needs a "--reason"/);
    const lab = openLab({ dataDir, actor: "checker" });
    await assertRejects(() => lab.migrate({ force: true, reason: "  " }), /needs a "--reason"/);
    assertEquals(await snapshotTree(dataDir), before);
    const forced = await lab.migrate({ force: true, reason: "Actor typo fixed by hand in 2025" });
    assertEquals([forced.changed, forced.forced], [true, true]);
    const event =
      (await folderInternals(lab.dataDir).audit.list({ action: "data.migrated" })).events[0];
    assertEquals(event.reason, "Actor typo fixed by hand in 2025");
    assertEquals(event.details.forced, { damage: "edited", seq: 1 });
  });
});

Deno.test("migrate refuses a newer schemaVersion and a folder that is not initialised", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await copyV0(dir);
    const manifest = JSON.parse(await fs.readFile(`${dataDir}/labos.json`, "utf8"));
    await fs.writeFile(`${dataDir}/labos.json`, JSON.stringify({ ...manifest, schemaVersion: 7 }));
    const newer = await runCli(["--data-dir", dataDir, "migrate"]);
    assertEquals(newer.code, 2);
    assertMatch(newer.stderr, /newer than this LabOS/);
    const empty = await runCli(["--data-dir", `${dir}/nothing`, "migrate"]);
    assertEquals(empty.code, 2);
    assertMatch(empty.stderr, /is not initialised/);
  });
});

const V1 = fileURLToPath(new URL("../fixtures/v1/data", import.meta.url));
const RATES = "ds_01M92YBHD5EYM6G07AT91X5WNV";
const PROTO = "ds_01M92YBHPX5ADGJ8SY3X3VXC8D";

Deno.test("item 7: migrate turns a v1 folder's row tables into columns, nulls for blanks; hashes audited, doctor ok, mapping unchanged", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    await fs.cp(V1, dataDir, { recursive: true });
    const refused = await runCli(["--data-dir", dataDir, "datasets", "list"]);
    assertMatch(refused.stderr, /"schemaVersion" is 1, expected 2; run "labos migrate"/);
    const dry = await cliJson<MigrateReport>(["--data-dir", dataDir, "migrate", "--dry-run"]);
    assertEquals([dry.from, dry.to, dry.records], [1, 2, { experiments: 1, datasets: 3, jobs: 1 }]);

    const report = await cliJson<MigrateReport>(["--data-dir", dataDir, "migrate"]);
    assertEquals(report.changed, true);
    const lab = openLab({ dataDir, actor: "checker" });
    const rates = await lab.getDataset(RATES);
    assertEquals(rates.schemaVersion, 2);
    assertEquals(rates.table?.rowCount, 4);
    assertEquals(rates.table?.values, [
      [0, 60, 120, 180],
      [1.25, 1.1, null, 0.85],
      ["start", null, "mid", null],
    ]);
    assertEquals(rates.table?.columns[0], { name: "time_s", type: "integer", unit: "s" });
    // The record file keeps no cells: they are in the values file beside it.
    const file = JSON.parse(await fs.readFile(`${dataDir}/datasets/${RATES}.json`, "utf8"));
    assertEquals(Object.keys(file.table), ["columns", "rowCount", "delimiter"]);
    assertEquals(
      await fs.readFile(`${dataDir}/datasets/${RATES}.values.json`, "utf8"),
      '[[0,60,120,180],[1.25,1.1,null,0.85],["start",null,"mid",null]]',
    );

    const migrated = (await lab.listAudit({ action: "dataset.migrated", limit: 10 })).items;
    assertEquals(migrated.length, 3);
    for (const event of migrated) {
      const record = await lab.getDataset(event.target.id);
      assertEquals(event.details.recordHash, hashJson(record));
      assertEquals([event.details.fromVersion, event.details.toVersion], [1, 2]);
    }
    const doctor = await lab.doctor();
    assertEquals(doctor.problems, []);
    assert((await lab.verifyAudit()).ok);

    // The v1 run mapped __proto__ and constructor; the migrated table maps to the same input.
    const job = (await lab.listJobs()).items[0];
    const again = await lab.run({
      module: "kinetics.arrhenius",
      fromDataset: PROTO,
      map: ["temperaturesK=__proto__", "rateConstants=constructor"],
    });
    assertEquals(JSON.stringify(again.job.input), JSON.stringify(job.input));
    assertEquals(again.job.inputHash, job.inputHash);

    const after = await snapshotTree(dataDir);
    const second = await runCli(["--data-dir", dataDir, "migrate"]);
    assertMatch(second.stdout, /nothing to migrate/);
    assertEquals(await snapshotTree(dataDir), after);
  });
});
