/**
 * Regression tests for issue 11 item 3: zip bombs. Each import runs in a
 * process of its own, which reports its peak memory.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { runCli, withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { type BombEntry, writeBomb } from "./_bomb.ts";

const SCRIPT = fileURLToPath(new URL("./_import_rss.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));
/** Deno itself takes 50-80 MiB; an import that inflated the bomb in memory takes GiBs. */
const PEAK_LIMIT = 200 << 20;
const BOMB_MIB = 1024;

/** A real archive's entries and manifest, for forging. */
async function realEntries(dir: string): Promise<{
  files: Record<string, Uint8Array>;
  manifest: { files: Array<{ path: string; size: number; sha256: string }> };
}> {
  const lab = openLab({ dataDir: `${dir}/source`, actor: "tester" });
  await lab.init();
  await lab.createExperiment({ title: "Bomb carrier" });
  await lab.exportArchive(`${dir}/real.zip`);
  const files = unzipSync(await Deno.readFile(`${dir}/real.zip`));
  const manifest = JSON.parse(new TextDecoder().decode(files["labos-archive.json"]));
  delete files["labos-archive.json"];
  return { files, manifest };
}

async function importInProcess(
  file: string,
  dataDir: string,
): Promise<{ message: string | null; peak: number | null }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, SCRIPT, file, dataDir],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert(output.success, new TextDecoder().decode(output.stderr));
  return JSON.parse(stdout);
}

async function assertRefused(
  dir: string,
  entries: BombEntry[],
  expected: string,
): Promise<void> {
  const file = `${dir}/bomb-${crypto.randomUUID()}.zip`;
  await writeBomb(file, entries);
  const { message, peak } = await importInProcess(file, `${dir}/restored`);
  if (peak !== null) assert(peak < PEAK_LIMIT, `peak memory ${peak} bytes`);
  assertEquals(message?.split("\n").length, 1, message ?? "");
  assertStringIncludes(message ?? "imported", `Cannot import "${file}": ${expected}`);
  assert(!existsSync(`${dir}/restored`), "the target was created");
  assertEquals([...Deno.readDirSync(dir)].filter((e) => e.name.includes("import-")), []);
  await Deno.remove(file);
}

const manifestEntry = (manifest: unknown): BombEntry => ({
  name: "labos-archive.json",
  bytes: new TextEncoder().encode(JSON.stringify(manifest)),
});

Deno.test("item 3: a zip bomb under a lying manifest stops at the declared size, in bounded memory, leaving nothing", async () => {
  await withTempDir(async (dir) => {
    const { files, manifest } = await realEntries(dir);
    const bomb = "data/legacy/big.bin";
    const lying = {
      ...manifest,
      files: [...manifest.files, { path: bomb, size: 1000, sha256: "0".repeat(64) }],
    };
    await assertRefused(dir, [
      manifestEntry(lying),
      { name: bomb, mib: BOMB_MIB, fill: 0 },
      ...Object.entries(files).map(([name, bytes]) => ({ name, bytes })),
    ], `"${bomb}" is larger than the manifest says (1000 bytes); nothing was restored`);
  });
});

Deno.test("item 3: a manifest declaring an absurd compression ratio is refused before anything is inflated", async () => {
  await withTempDir(async (dir) => {
    const { files, manifest } = await realEntries(dir);
    const bomb = "data/legacy/big.bin";
    const size = BOMB_MIB << 20;
    const zeros = createHash("sha256");
    const mib = new Uint8Array(1 << 20);
    for (let i = 0; i < BOMB_MIB; i++) zeros.update(mib);
    const honest = {
      ...manifest,
      files: [...manifest.files, { path: bomb, size, sha256: zeros.digest("hex") }],
    };
    const declared = honest.files.reduce((sum, entry) => sum + entry.size, 0);
    await assertRefused(
      dir,
      [
        manifestEntry(honest),
        { name: bomb, mib: BOMB_MIB, fill: 0 },
        ...Object.entries(files).map(([name, bytes]) => ({ name, bytes })),
      ],
      `the manifest declares ${declared} bytes for an archive of `,
    );
  });
});

Deno.test("item 3: a manifest entry that inflates without end stops at the manifest limit", async () => {
  await withTempDir(async (dir) => {
    await assertRefused(
      dir,
      [{ name: "labos-archive.json", mib: BOMB_MIB, fill: 0x20 }],
      `labos-archive.json is larger than the limit (`,
    );
  });
});

Deno.test("item 3: --max-mib caps what an archive may hold, before anything is written", async () => {
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/source`, actor: "tester" });
    await lab.init();
    await Deno.mkdir(`${dir}/source/legacy`);
    const random = new Uint8Array(2 << 20);
    for (let at = 0; at < random.length; at += 65536) {
      crypto.getRandomValues(random.subarray(at, at + 65536));
    }
    await Deno.writeFile(`${dir}/source/legacy/raw.bin`, random);
    const exported = await lab.exportArchive(`${dir}/lab.zip`);
    const args = ["--data-dir", `${dir}/restored`, "import-archive", `${dir}/lab.zip`];
    const refused = await runCli([...args, "--max-mib", "1"]);
    assertEquals(refused.code, 2, refused.stderr);
    assertEquals(
      refused.stderr,
      `error: Cannot import "${dir}/lab.zip": the manifest declares ${exported.bytes} bytes, more than the limit of ${
        1 << 20
      } bytes; nothing was restored\n`,
    );
    assert(!existsSync(`${dir}/restored`), "the target was created");
    const restored = await runCli([...args, "--max-mib", "3"]);
    assertEquals(restored.code, 0, restored.stderr);
  });
});
