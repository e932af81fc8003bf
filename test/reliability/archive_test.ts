/**
 * Backups and exchange: `labos export` and `labos import-archive`.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { strToU8, unzipSync, zipSync } from "fflate";
import { assert, assertEquals, assertMatch, assertRejects } from "../_assert.ts";
import { cliJson, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import { checkEntryName } from "../../src/exchange/archive.ts";
import type { ArchiveManifest } from "../../src/exchange/archive.ts";
import { sha256Hex } from "../../src/records/mod.ts";
import { openLab } from "../../src/service/mod.ts";

async function populated(dataDir: string): Promise<void> {
  const lab = openLab({ dataDir, actor: "ada" });
  await lab.init();
  const experiment = await lab.createExperiment({ title: "Archive me 🧪", tags: ["x"] });
  await lab.transitionExperiment(experiment.id, { to: "running", reason: "Go" });
  await lab.run({
    module: "thermo.calorimetry",
    input: { massG: 100, initialTempC: 22, finalTempC: 28.9, amountMol: 0.05 },
    experimentId: experiment.id,
  });
  await lab.importCsv({
    fileName: "r.csv",
    bytes: new TextEncoder().encode("t,c\n0,1\n1,0.5\n"),
    experimentId: experiment.id,
  });
}

Deno.test("export writes every file with its SHA-256; import-archive restores an identical, verifying folder", async () => {
  await withTempDir(async (dir) => {
    await populated(`${dir}/data`);
    const exported = await cliJson<{ files: number; audit: { seq: number; hash: string } }>([
      "--data-dir",
      `${dir}/data`,
      "export",
      "--out",
      `${dir}/backup.zip`,
    ]);
    const entries = unzipSync(await fs.readFile(`${dir}/backup.zip`));
    const names = Object.keys(entries);
    assertEquals(names[0], "labos-archive.json");
    const manifest = JSON.parse(
      new TextDecoder().decode(entries["labos-archive.json"]),
    ) as ArchiveManifest;
    assertEquals(manifest.files.length, exported.files);
    assertEquals(manifest.audit, exported.audit);
    for (const file of manifest.files) {
      assertEquals(sha256Hex(entries[file.path]), file.sha256, file.path);
      assertEquals(entries[file.path].byteLength, file.size);
    }
    assert(manifest.files.some((file) => file.path === "data/audit/log.jsonl"));
    assert(!names.some((name) => name.endsWith("labos.lock")));

    const restored = await runCli([
      "--data-dir",
      `${dir}/restored`,
      "import-archive",
      `${dir}/backup.zip`,
    ]);
    assertEquals(restored.code, 0, restored.stderr);
    const original = await snapshotTree(`${dir}/data`);
    const copy = await snapshotTree(`${dir}/restored`);
    assertEquals(
      [...copy].map(([file, text]) => [file.replace(`${dir}/restored`, ""), text]),
      [...original].map(([file, text]) => [file.replace(`${dir}/data`, ""), text]),
    );
    const lab = openLab({ dataDir: `${dir}/restored`, actor: "checker" });
    assertEquals((await lab.doctor()).problems, []);
    assert((await lab.verifyAudit()).ok);
    assertEquals(
      await fs.readdir(dir).then((names) => names.filter((n) => n.includes("import-"))),
      [],
    );
  });
});

Deno.test("export refuses an existing file, a name without .zip, a file inside the data folder and a damaged log", async () => {
  await withTempDir(async (dir) => {
    await populated(`${dir}/data`);
    const lab = openLab({ dataDir: `${dir}/data`, actor: "ada" });
    await fs.writeFile(`${dir}/exists.zip`, "keep me");
    await assertRejects(() => lab.exportArchive(`${dir}/exists.zip`), /the file exists/);
    assertEquals(await fs.readFile(`${dir}/exists.zip`, "utf8"), "keep me");
    await assertRejects(() => lab.exportArchive(`${dir}/backup.tar`), /must end in "\.zip"/);
    await assertRejects(
      () => lab.exportArchive(`${dir}/data/inside.zip`),
      /inside the data folder/,
    );
    const log = `${dir}/data/audit/log.jsonl`;
    await fs.writeFile(
      log,
      (await fs.readFile(log, "utf8")).replace(`"actor":"ada"`, `"actor":"eve"`),
    );
    await assertRejects(
      () => lab.exportArchive(`${dir}/damaged.zip`),
      /damaged at seq 1 \(edited\)/,
    );
    assertEquals((await fs.readdir(dir)).filter((name) => name.endsWith(".tmp")), []);
  });
});

/** Writes a zip whose manifest matches its files, then applies `change` to the entries. */
async function craft(
  dir: string,
  change: (entries: Record<string, Uint8Array>, manifest: ArchiveManifest) => void,
): Promise<string> {
  const file = `${dir}/good.zip`;
  if (!(await fs.stat(file).then(() => true, () => false))) {
    await populated(`${dir}/source`);
    await openLab({ dataDir: `${dir}/source`, actor: "ada" }).exportArchive(file);
  }
  const entries = unzipSync(await fs.readFile(file));
  const manifest = JSON.parse(new TextDecoder().decode(entries["labos-archive.json"]));
  delete entries["labos-archive.json"];
  change(entries, manifest);
  const out = `${dir}/crafted-${crypto.randomUUID()}.zip`;
  await fs.writeFile(
    out,
    zipSync({ "labos-archive.json": strToU8(JSON.stringify(manifest)), ...entries }),
  );
  return out;
}

const HOSTILE: Array<
  [string, (e: Record<string, Uint8Array>, m: ArchiveManifest) => void, RegExp]
> = [
  ["path traversal with ..", (e, m) => {
    e["data/../../escape.txt"] = strToU8("x");
    m.files.push({ path: "data/../../escape.txt", size: 1, sha256: sha256Hex("x") });
  }, /Refusing archive entry "data\/\.\.\/\.\.\/escape\.txt"/],
  ["an absolute path", (e) => {
    e["/tmp/escape.txt"] = strToU8("x");
  }, /Refusing archive entry "\/tmp\/escape\.txt"/],
  ["an entry outside data/", (e) => {
    e["evil.sh"] = strToU8("x");
  }, /Refusing archive entry "evil\.sh"/],
  ["a backslash path", (e) => {
    e["data\\..\\escape.txt"] = strToU8("x");
  }, /Refusing archive entry/],
  ["a file not in the manifest", (e) => {
    e["data/extra.json"] = strToU8("{}");
  }, /entry "data\/extra\.json" is not in the manifest/],
  ["a changed file", (e) => {
    const name = Object.keys(e).find((n) => n.startsWith("data/experiments/"))!;
    e[name] = strToU8(new TextDecoder().decode(e[name]).replace("Archive me", "Archive mE"));
  }, /does not match the manifest/],
  ["a missing file", (e) => {
    delete e[Object.keys(e).find((n) => n.startsWith("data/jobs/"))!];
  }, /file\(s\) of the manifest are missing/],
  ["an edited audit log with a matching manifest", (e, m) => {
    const text = new TextDecoder().decode(e["data/audit/log.jsonl"]).replace(
      `"actor":"ada"`,
      `"actor":"eve"`,
    );
    e["data/audit/log.jsonl"] = strToU8(text);
    const entry = m.files.find((f) => f.path === "data/audit/log.jsonl")!;
    entry.sha256 = sha256Hex(text);
  }, /the archived audit log does not verify \(edited at seq 1/],
];

for (const [name, change, pattern] of HOSTILE) {
  Deno.test(`import-archive refuses ${name} and leaves nothing behind`, async () => {
    await withTempDir(async (dir) => {
      const file = await craft(dir, change);
      const result = await runCli(["--data-dir", `${dir}/target`, "import-archive", file]);
      assert(result.code === 2 || result.code === 1, `exit ${result.code}`);
      assertEquals(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
      assertMatch(result.stderr, pattern);
      assert(!(await fs.stat(`${dir}/target`).then(() => true, () => false)), "target created");
      assertEquals((await fs.readdir(dir)).filter((n) => n.includes("import-")), []);
      assert(!(await fs.stat("/tmp/escape.txt").then(() => true, () => false)));
      assert(!(await fs.stat(`${dir}/escape.txt`).then(() => true, () => false)));
    });
  });
}

Deno.test("import-archive refuses a non-empty data folder and a file that is not a zip", async () => {
  await withTempDir(async (dir) => {
    await populated(`${dir}/data`);
    await openLab({ dataDir: `${dir}/data`, actor: "ada" }).exportArchive(`${dir}/b.zip`);
    const before = await snapshotTree(`${dir}/data`);
    const full = await runCli(["--data-dir", `${dir}/data`, "import-archive", `${dir}/b.zip`]);
    assertEquals(full.code, 2);
    assertMatch(full.stderr, /is not empty; restore into a new or empty folder/);
    assertEquals(await snapshotTree(`${dir}/data`), before);
    await fs.mkdir(`${dir}/empty`);
    const ok = await runCli(["--data-dir", `${dir}/empty`, "import-archive", `${dir}/b.zip`]);
    assertEquals(ok.code, 0, ok.stderr);
    await fs.writeFile(`${dir}/junk.zip`, "not a zip at all");
    const junk = await runCli(["--data-dir", `${dir}/other`, "import-archive", `${dir}/junk.zip`]);
    assertEquals(junk.code, 2);
    assertMatch(junk.stderr, /^error: Cannot import .*(no labos-archive\.json|not a readable zip)/);
  });
});

Deno.test("checkEntryName accepts plain relative paths under data/ only", () => {
  assertEquals(checkEntryName("data/audit/log.jsonl"), "audit/log.jsonl");
  for (
    const name of [
      "data",
      "data/",
      "data//x",
      "data/./x",
      "../data/x",
      "data/x/../../y",
      "x/y",
      "data/a\u0000b",
    ]
  ) {
    let refused = false;
    try {
      checkEntryName(name);
    } catch {
      refused = true;
    }
    assert(refused, name);
  }
});
