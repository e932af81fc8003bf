/**
 * Importing the earlier Python LabOS: the fixtures of
 * test/fixtures/legacy/root (made by make_fixtures.py with real python3),
 * with both record shapes, every status, a bad sidecar, a malformed file, an
 * unknown status and a broken chain.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { runCli, snapshotTree, withTempDir } from "../_cli.ts";
import { sha256Hex } from "../../src/records/mod.ts";
import type { Dataset, Experiment, Job } from "../../src/records/mod.ts";
import { folderInternals } from "../../src/storage/folder/internals.ts";
import { openLab } from "../../src/service/mod.ts";
import type { Lab, LegacyImportReport } from "../../src/service/mod.ts";

const ROOT = fileURLToPath(new URL("../fixtures/legacy/root", import.meta.url));

async function byLegacyId<T extends Experiment | Dataset | Job>(
  lab: Lab,
  type: "experiment" | "dataset" | "job",
): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  for (const id of await folderInternals(lab.dataDir).store.ids(type)) {
    const record = await folderInternals(lab.dataDir).store.get(type, id) as T;
    if (record.legacyId) found.set(record.legacyId, record);
  }
  return found;
}

Deno.test("migrate --from-legacy imports every legacy shape, reports every failure, and a second run is a no-op", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    const first = await runCli(["--data-dir", dataDir, "--json", "migrate", "--from-legacy", ROOT]);
    assertEquals(first.code, 1, "verification failures in the source exit 1");
    const report = JSON.parse(first.stdout) as LegacyImportReport;
    const outcome = Object.fromEntries(report.records.map((r) => [r.source, r]));
    assertEquals(report.counts, { imported: 16, alreadyImported: 0, skipped: 2 });
    assertEquals(outcome["data/jobs/JOB-9999.json"].outcome, "skipped");
    assertMatch(outcome["data/jobs/JOB-9999.json"].problems[0], /^malformed: not valid JSON/);
    assertEquals(outcome["data/experiments/EXP-0099.json"].outcome, "skipped");
    assertMatch(
      outcome["data/experiments/EXP-0099.json"].problems[0],
      /unknown experiment status "paused"/,
    );
    assertEquals(outcome["data/experiments/EXP-0003.json"].checksum, "mismatch");
    assertEquals(outcome["data/experiments/EXP-0001.json"].checksum, "ok");
    assertEquals(outcome["data/experiments/EXP-0004.json"].checksum, "absent");
    assertEquals(outcome["data/experiments/EXP-0001.json"].chainVerified, true);
    assertEquals(outcome["data/experiments/EXP-0002.json"].chainVerified, false);
    assertEquals(outcome["data/jobs/JOB-0004.json"].chainVerified, false);
    assertEquals(report.chains.map((c) => [c.source, c.ok, c.line ?? null]), [
      ["data/audit/2024-03-01.jsonl", true, null],
      ["data/audit/2024-03-02.jsonl", false, 2],
    ]);
    assertMatch(report.chains[1].problem!, /the line was edited/);

    const lab = openLab({ dataDir, actor: "checker" });
    assert((await lab.verifyAudit()).ok);
    assertEquals((await lab.doctor()).problems, []);

    const experiments = await byLegacyId<Experiment>(lab, "experiment");
    const datasets = await byLegacyId<Dataset>(lab, "dataset");
    const jobs = await byLegacyId<Job>(lab, "job");
    assertEquals([experiments.size, datasets.size, jobs.size], [5, 5, 6]);
    const statuses = (map: Map<string, { status: string }>) =>
      Object.fromEntries([...map].map(([id, record]) => [id, record.status]));
    assertEquals(statuses(experiments), {
      "EXP-0001": "running",
      "EXP-0002": "completed",
      "EXP-0003": "draft",
      "EXP-0004": "failed",
      "demo-1": "draft",
    });
    assertEquals(statuses(jobs), {
      "JOB-0001": "succeeded",
      "JOB-0002": "queued",
      "JOB-0003": "running",
      "JOB-0004": "failed",
      "JOB-0005": "failed",
      "demo-job-1": "succeeded",
    });
    const e1 = experiments.get("EXP-0001")!;
    assertEquals(e1.title, "Kinetik — Kristallviolett ü 🧪");
    assertEquals(e1.createdAt, "2024-03-01T09:00:00.123Z");
    assertEquals(
      e1.updatedAt,
      "2024-03-01T09:00:00.123Z",
      "10:00+01:00 is 09:00Z, not before createdAt",
    );
    assertEquals(e1.tags, ["kinetics", "UV-Vis", "bad-tag"]);
    const legacy = e1.legacy as { fields: Record<string, unknown>; copy: string; sha256: string };
    assertEquals(legacy.fields.status, "active");
    assertEquals(legacy.fields.tags, ["kinetics", "UV Vis", "bad tag!"]);
    assertEquals(legacy.fields.signature, "ed25519:3f9a");
    assertEquals(
      (legacy.fields.inputs as { big: unknown }).big,
      "12345678901234567890",
      "an int beyond 2^53 is kept exactly, as a string",
    );
    assertEquals(
      e1.jobIds,
      ["JOB-0001", "JOB-0002", "JOB-0003"].map((id) => jobs.get(id)!.id).sort(),
    );
    assertEquals(e1.datasetIds, [datasets.get("DS-0001")!.id]);
    assertEquals(jobs.get("JOB-0001")!.experimentId, e1.id);
    assertEquals(jobs.get("JOB-0005")!.error, { message: "Cancelled in the legacy LabOS" });
    assertEquals(
      (jobs.get("JOB-0005")!.legacy as { fields: { status: string } }).fields.status,
      "cancelled",
    );
    assertEquals(jobs.get("JOB-0002")!.startedAt, null);
    assertEquals(jobs.get("JOB-0001")!.durationMs, 4500);
    assertEquals(jobs.get("demo-job-1")!.experimentId, experiments.get("demo-1")!.id);
    assertEquals(datasets.get("DS-0003")!.kind, "imported");
    assertEquals(
      (datasets.get("DS-0003")!.legacy as { fields: { dataset_type: string } }).fields.dataset_type,
      "training",
    );
    assertEquals(experiments.get("demo-1")!.createdAt, "2024-03-01T09:00:00.250Z");

    // The original files are copied byte for byte.
    const copy = await fs.readFile(`${dataDir}/${legacy.copy}`);
    assertEquals(copy, await fs.readFile(`${ROOT}/data/experiments/EXP-0001.json`));
    assertEquals(sha256Hex(copy), legacy.sha256);
    for (
      const name of [
        "audit/2024-03-02.jsonl",
        "jobs/JOB-9999.json",
        "experiments/EXP-0001.json.backup.1",
      ]
    ) {
      assertEquals(
        await fs.readFile(`${dataDir}/legacy/data/${name}`),
        await fs.readFile(`${ROOT}/data/${name}`),
      );
    }

    // One data.imported event per record, naming the file, its hash and the verification.
    const imported = (await lab.listAudit({ action: "data.imported", limit: 100 })).items;
    assertEquals(imported.length, 16);
    const e2event = imported.find((event) => event.target.id === experiments.get("EXP-0002")!.id)!;
    assertEquals(e2event.details.source, {
      file: "data/experiments/EXP-0002.json",
      sha256: sha256Hex(await fs.readFile(`${ROOT}/data/experiments/EXP-0002.json`)),
      sizeBytes: (await fs.stat(`${ROOT}/data/experiments/EXP-0002.json`)).size,
    });
    assertEquals([e2event.details.checksumVerified, e2event.details.chainVerified], [true, false]);

    // A second run imports nothing and writes nothing.
    const before = await snapshotTree(dataDir);
    const second = await runCli([
      "--data-dir",
      dataDir,
      "--json",
      "migrate",
      "--from-legacy",
      ROOT,
    ]);
    const again = JSON.parse(second.stdout) as LegacyImportReport;
    assertEquals(again.counts, { imported: 0, alreadyImported: 16, skipped: 2 });
    assertEquals(again.copied, 0);
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("migrate --from-legacy --dry-run writes nothing; a clean legacy root exits 0", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    await runCli(["--data-dir", dataDir, "init"]);
    const before = await snapshotTree(dataDir);
    const dry = await runCli([
      "--data-dir",
      dataDir,
      "migrate",
      "--from-legacy",
      ROOT,
      "--dry-run",
    ]);
    assertEquals(dry.code, 1);
    assertMatch(dry.stdout, /Would import 16 records .*dry run, nothing written/);
    assertEquals(await snapshotTree(dataDir), before);

    const clean = `${dir}/clean`;
    await fs.mkdir(`${clean}/data/experiments`, { recursive: true });
    await fs.mkdir(`${clean}/data/audit`, { recursive: true });
    for (const name of ["EXP-0001.json", "EXP-0001.json.sha256", "demo-1.json"]) {
      await fs.copyFile(`${ROOT}/data/experiments/${name}`, `${clean}/data/experiments/${name}`);
    }
    await fs.copyFile(
      `${ROOT}/data/audit/2024-03-01.jsonl`,
      `${clean}/data/audit/2024-03-01.jsonl`,
    );
    const ok = await runCli(["--data-dir", dataDir, "migrate", "--from-legacy", clean]);
    assertEquals(ok.code, 0, ok.stderr + ok.stdout);
    assertMatch(ok.stdout, /Imported 2 records/);

    const missing = await runCli([
      "--data-dir",
      dataDir,
      "migrate",
      "--from-legacy",
      `${dir}/nope`,
    ]);
    assertEquals(missing.code, 2);
    assertMatch(missing.stderr, /^error: Cannot import from .*it has no "data" folder/);
  });
});

Deno.test("a legacy record changed after its import is imported again as a new version, and the old copy is kept", async () => {
  await withTempDir(async (dir) => {
    const root = `${dir}/legacy`;
    await fs.mkdir(`${root}/data/experiments`, { recursive: true });
    const file = `${root}/data/experiments/EXP-0004.json`;
    await fs.copyFile(`${ROOT}/data/experiments/EXP-0004.json`, file);
    const lab = openLab({ dataDir: `${dir}/data`, actor: "checker" });
    const first = await lab.importLegacy(root);
    assertEquals(first.counts.imported, 1);
    const record = JSON.parse(await fs.readFile(file, "utf8"));
    await fs.writeFile(
      file,
      JSON.stringify({ ...record, title: "Failed synthesis (revised)" }, null, 2),
    );
    const second = await lab.importLegacy(root);
    assertEquals(second.counts.imported, 1);
    assertMatch(
      second.records[0].problems.join(" "),
      /a different version of this record was imported before/,
    );
    const copies = await fs.readdir(`${dir}/data/legacy/data/experiments`);
    assertEquals(copies.length, 2);
    assertEquals((await lab.doctor()).problems, []);
  });
});
