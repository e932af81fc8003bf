/**
 * `labos eln export|import|check` through the real CLI: the export passes
 * the check, the import reports its summary as JSON, `eln check` prints one
 * line per failure and exits 1, and a refused import exits 2 with one line
 * and writes nothing.
 *
 * @module
 */
import * as path from "node:path";
import { strToU8, zipSync } from "fflate";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { cliJson, cliOk, initLab, runCli, withTempDir } from "../_cli.ts";
import type { ElnImport } from "../../src/exchange/eln/mod.ts";
import type { Experiment } from "../../src/records/mod.ts";

Deno.test("labos eln: export, check and import through the CLI", async () => {
  await withTempDir(async (dir) => {
    const source = await initLab(dir);
    const cli = (dataDir: string, args: string[]) => ["--data-dir", dataDir, ...args];
    const experiment = await cliJson<Experiment>(
      cli(source, ["experiments", "create", "--title", "Titration", "--tag", "acid"]),
    );
    await Deno.writeTextFile(path.join(dir, "notes.txt"), "pH 7 at 12.5 mL");
    await cliOk(cli(source, ["attach", experiment.id, "notes.txt"]), { cwd: dir });

    const exported = await cliOk(cli(source, ["eln", "export", experiment.id, "--out", "t.eln"]), {
      cwd: dir,
    });
    assertMatch(
      exported,
      /^Exported 1 experiment\(s\), \d+ files \(\d+ bytes\) to .*t\.eln; SHA-256 [0-9a-f]{64}\n$/,
    );
    assertEquals(
      await cliOk(["eln", "check", path.join(dir, "t.eln")]),
      "ok: 2 datasets, 3 files (LabOS)\n",
    );

    const target = path.join(dir, "target");
    await cliOk(["--data-dir", target, "init"]);
    const result = await cliJson<ElnImport>(
      cli(target, ["eln", "import", path.join(dir, "t.eln")]),
    );
    assertEquals(result.experiments.map((e) => e.title), ["Titration"]);
    assertEquals(result.skipped, []);
    const copy = await cliJson<Experiment>(
      cli(target, ["experiments", "show", result.experiments[0].id]),
    );
    assertEquals(copy.tags, ["acid"]);
  });
});

Deno.test("labos eln check: one line per failure, exit 1; a refused import exits 2 and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const bad = path.join(dir, "bad.eln");
    await Deno.writeFile(
      bad,
      zipSync({
        "bad/ro-crate-metadata.json": strToU8(JSON.stringify({
          "@graph": [
            { "@id": "ro-crate-metadata.json", "@type": "CreativeWork", about: { "@id": "./" } },
            { "@id": "./", "@type": "Dataset", hasPart: [{ "@id": "./gone.txt" }] },
          ],
        })),
        "stray.txt": strToU8("x"),
      }),
    );
    const check = await runCli(["eln", "check", bad]);
    assertEquals(check.code, 1);
    const lines = check.stdout.trim().split("\n");
    assertEquals(lines, [
      'FAILED: entry "stray.txt" is outside the root folder',
      'FAILED: the ro-crate-metadata.json descriptor does not "conformsTo" RO-Crate (found "nothing")',
      'FAILED: the ro-crate-metadata.json descriptor has no "sdPublisher"',
      'FAILED: the ro-crate-metadata.json descriptor has no "version"',
      'FAILED: "./" hasPart "./gone.txt", which is not in the graph',
    ]);

    const dataDir = await initLab(dir);
    const before = await cliJson<{ counts: unknown; auditHead: unknown }>([
      "--data-dir",
      dataDir,
      "status",
    ]);
    const slip = path.join(dir, "slip.eln");
    await Deno.writeFile(slip, zipSync({ "s/../../evil.txt": strToU8("x") }));
    const refused = await runCli(["--data-dir", dataDir, "eln", "import", slip]);
    assertEquals(refused.code, 2);
    assertEquals(refused.stderr.trim().split("\n").length, 1);
    assertMatch(refused.stderr, /is not a plain relative path/);
    const after = await cliJson<{ counts: unknown; auditHead: unknown }>([
      "--data-dir",
      dataDir,
      "status",
    ]);
    assertEquals([after.counts, after.auditHead], [before.counts, before.auditHead]);
    assert(!(await Deno.stat(path.join(dir, "..", "evil.txt")).then(() => true, () => false)));
  });
});
