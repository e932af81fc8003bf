/**
 * `labos attach`: files of any type attached to an experiment, listed by
 * `experiments show`, refused in one line (exit 2) when missing, a folder,
 * too large or for an unknown experiment; carried by `labos export` and
 * `import-archive`; checked by `doctor`, whose repair moves orphans aside.
 *
 * @module
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import type { AuditEvent } from "../../src/audit/mod.ts";
import type { Attachment, Experiment } from "../../src/records/mod.ts";

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function blobPath(dataDir: string, sha256: string): string {
  return path.join(dataDir, "blobs", "sha256", sha256.slice(0, 2), sha256);
}

Deno.test("labos attach stores the file, experiments show lists it, and bad input is one line with exit 2", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const cli = (args: string[]) => ["--data-dir", dataDir, ...args];
    const experiment = await cliJson<Experiment>(cli(["experiments", "create", "--title", "X"]));
    const photo = new Uint8Array(3000).map((_, i) => i % 251);
    await Deno.writeFile(path.join(dir, "setup.jpg"), photo);

    const text = await cliOk(
      cli([
        "attach",
        experiment.id,
        "setup.jpg",
        "--title",
        "Set-up",
        "--reason",
        "for the report",
      ]),
      { cwd: dir },
    );
    assertMatch(
      text,
      new RegExp(
        `^Attached setup\\.jpg \\(2\\.9 KiB, sha256 ${
          sha(photo).slice(0, 12)
        }\\) to ${experiment.id} as att_[0-9A-Z]{26}\\n$`,
      ),
    );
    const attachment = await cliJson<Attachment>(
      cli(["attach", experiment.id, path.join(dir, "setup.jpg")]),
    );
    assertEquals(attachment.mediaType, "image/jpeg");
    assertEquals(attachment.sha256, sha(photo));
    assertEquals(await Deno.readFile(blobPath(dataDir, attachment.sha256)), photo);

    const shown = await cliOk(cli(["experiments", "show", experiment.id]));
    assertMatch(
      shown,
      new RegExp(
        `ATTACHMENT +TITLE +FILE +SIZE +SHA-256\\n-+ +-+ +-+ +-+ +-+\\natt_\\w+ +Set-up +setup\\.jpg +2\\.9 KiB +${
          sha(photo).slice(0, 12)
        }\\natt_\\w+ +- +setup\\.jpg +2\\.9 KiB +${sha(photo).slice(0, 12)}\\n`,
      ),
    );
    const events = await cliJson<AuditEvent[]>(
      cli(["audit", "list", "--action", "attachment.added"]),
    );
    assertEquals(events.length, 2);
    assertEquals(events[1].reason, "for the report");

    await Deno.mkdir(path.join(dir, "folder"));
    await Deno.writeFile(path.join(dir, "big.raw"), new Uint8Array(2048));
    const before = await snapshotTree(dataDir);
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [
        ["attach", experiment.id, "missing.pdf"],
        /^error: Cannot attach "missing\.pdf": no such file ".*missing\.pdf"\n$/,
      ],
      [
        ["attach", experiment.id, "folder"],
        /^error: Cannot attach "folder": ".*folder" is a folder, not a file\n$/,
      ],
      [
        ["attach", experiment.id, "big.raw"],
        /^error: Cannot attach "big\.raw": the file is 2 KiB, larger than the limit of 1000 bytes \("attachments\.maxBytes"\)\n$/,
        { LABOS_ATTACHMENT_MAX_BYTES: "1000" },
      ],
      [
        ["attach", "exp_01JAAAAAAAAAAAAAAAAAAAAAAA", "big.raw"],
        /^error: No experiment with id "exp_01JAAAAAAAAAAAAAAAAAAAAAAA"\n$/,
      ],
      [
        ["attach", experiment.id, "big.raw"],
        /^error: Invalid LABOS_ATTACHMENT_MAX_BYTES: expected a whole number of bytes, at least 1: current value is "10k"\n$/,
        { LABOS_ATTACHMENT_MAX_BYTES: "10k" },
      ],
    ];
    for (const [args, message, env] of cases) {
      const result = await runCli(cli(args), { cwd: dir, env });
      assertEquals(result.code, 2, result.stderr);
      assertMatch(result.stderr, message);
      assertEquals(result.stdout, "");
    }
    // The limit from labos.jsonc, and the environment over it.
    await Deno.writeTextFile(
      path.join(dir, "labos.jsonc"),
      '{ "attachments": { "maxBytes": 2000 } }',
    );
    const fromFile = await runCli(cli(["attach", experiment.id, "big.raw"]), { cwd: dir });
    assertEquals(fromFile.code, 2);
    assertStringIncludes(fromFile.stderr, "larger than the limit of 2000 bytes");
    assertEquals(await snapshotTree(dataDir), before);
    const config = await cliJson<
      { settings: Array<{ key: string; value: unknown; source: string }> }
    >(
      cli(["config", "show"]),
      { cwd: dir, env: { LABOS_ATTACHMENT_MAX_BYTES: "4096" } },
    );
    assertEquals(config.settings.find((row) => row.key === "attachments.maxBytes"), {
      key: "attachments.maxBytes",
      value: 4096,
      source: "env",
    });
    await cliOk(cli(["attach", experiment.id, "big.raw"]), {
      cwd: dir,
      env: { LABOS_ATTACHMENT_MAX_BYTES: "4096" },
    });
  });
});

Deno.test("labos export carries attachments and blobs, import-archive restores them byte for byte", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const cli = (args: string[]) => ["--data-dir", dataDir, ...args];
    const experiment = await cliJson<Experiment>(cli(["experiments", "create", "--title", "X"]));
    const raw = crypto.getRandomValues(new Uint8Array(50_000));
    await Deno.writeFile(path.join(dir, "run 1.raw"), raw);
    const attachment = await cliJson<Attachment>(
      cli(["attach", experiment.id, path.join(dir, "run 1.raw"), "--title", "Raw"]),
    );
    await cliOk(cli(["export", "--out", path.join(dir, "lab.zip")]));
    const restored = path.join(dir, "restored");
    await cliOk(["--data-dir", restored, "import-archive", path.join(dir, "lab.zip")]);
    assertEquals(await Deno.readFile(blobPath(restored, attachment.sha256)), raw);
    const back = await cliJson<Experiment>([
      "--data-dir",
      restored,
      "experiments",
      "show",
      experiment.id,
    ]);
    assertEquals(back.attachmentIds, [attachment.id]);
    const doctor = await runCli(["--data-dir", restored, "doctor"]);
    assertEquals(doctor.code, 0, doctor.stdout);
    assertStringIncludes(doctor.stdout, "1 attachments");
    assertStringIncludes(
      await cliOk(["--data-dir", restored, "experiments", "show", experiment.id]),
      "run 1.raw",
    );
  });
});

Deno.test("doctor reports a missing, a tampered and an orphan blob; --repair moves the orphan aside, audited", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const cli = (args: string[]) => ["--data-dir", dataDir, ...args];
    const experiment = await cliJson<Experiment>(cli(["experiments", "create", "--title", "X"]));
    const attach = async (name: string, bytes: Uint8Array) => {
      await Deno.writeFile(path.join(dir, name), bytes);
      return await cliJson<Attachment>(cli(["attach", experiment.id, path.join(dir, name)]));
    };
    const kept = await attach("kept.txt", new TextEncoder().encode("kept"));
    const gone = await attach("gone.txt", new TextEncoder().encode("gone"));
    const edited = await attach("edited.txt", new TextEncoder().encode("edited"));
    const resized = await attach("resized.txt", new TextEncoder().encode("resized"));
    await Deno.remove(blobPath(dataDir, gone.sha256));
    await Deno.writeTextFile(blobPath(dataDir, edited.sha256), "EDITED");
    await Deno.writeTextFile(blobPath(dataDir, resized.sha256), "resized, longer");
    const orphanBytes = new TextEncoder().encode("nobody names me");
    const orphan = blobPath(dataDir, sha(orphanBytes));
    await Deno.mkdir(path.dirname(orphan), { recursive: true });
    await Deno.writeFile(orphan, orphanBytes);

    const checked = await runCli(cli(["doctor"]));
    assertEquals(checked.code, 1, checked.stdout + checked.stderr);
    const lines = checked.stdout.split("\n");
    const line = (kind: string, needle: string) =>
      lines.find((text) => text.startsWith(kind) && text.includes(needle));
    assert(line("missing-blob", `"gone.txt" of attachment ${gone.id} is missing`), checked.stdout);
    assert(
      line("damaged-blob", `"edited.txt" of attachment ${edited.id} is damaged: its SHA-256 is`),
    );
    assert(
      line(
        "damaged-blob",
        `"resized.txt" of attachment ${resized.id} is damaged: it holds 15 bytes, expected 7`,
      ),
    );
    assert(
      line("orphan-blob", `Orphan blob ${sha(orphanBytes).slice(0, 12)}…: no attachment names it`),
    );
    assert(!checked.stdout.includes(kept.id), checked.stdout);

    const repaired = await runCli(cli(["doctor", "--repair"]));
    assertEquals(repaired.code, 1, repaired.stdout);
    const moved = repaired.stdout.split("\n").find((text) => text.startsWith("repaired"));
    assertMatch(
      moved ?? "",
      /^repaired {2}.*: Orphan blob \w+…: no attachment names it; moved to .*quarantine\/blobs\/\d+-[0-9a-f]{64}$/,
    );
    const target = (moved ?? "").split("moved to ")[1];
    assertEquals(await Deno.readFile(target), orphanBytes);
    assert(!(await Deno.stat(orphan).then(() => true, () => false)));
    const quarantined = await cliJson<AuditEvent[]>(
      cli(["audit", "list", "--action", "data.quarantined"]),
    );
    assertEquals(quarantined.length, 1);
    assertEquals(
      quarantined[0].reason,
      "labos doctor --repair: orphan blob (no attachment names it)",
    );
    // The missing and damaged blobs are reported, never "repaired": only an archive restores them.
    assertStringIncludes(repaired.stdout, "missing-blob");
    assertStringIncludes(repaired.stdout, "damaged-blob");
    const again = await runCli(cli(["doctor"]));
    assert(!again.stdout.includes("orphan-blob"), again.stdout);
  });
});
