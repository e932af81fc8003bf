import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import denoConfig from "../../deno.json" with { type: "json" };

interface Experiment {
  id: string;
  status: string;
  title: string;
  tags: string[];
}

function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, `expected one line, got: ${stderr}`);
  assertMatch(lines[0], pattern);
  assert(!/\bat .*:\d+:\d+/.test(stderr), "no stack trace");
}

Deno.test("--version prints the deno.json version", async () => {
  const out = await cliOk(["--version"]);
  assertEquals(out.trim(), `labos ${denoConfig.version}`);
});

Deno.test("init creates the layout and manifest, and a second run changes nothing", async () => {
  await withTempDir(async (dir) => {
    const first = await runCli(["--data-dir", `${dir}/data`, "init"]);
    assertEquals(first.code, 0);
    assertStringIncludes(first.stdout, "Initialised");
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/data/labos.json`));
    assertEquals(manifest.format, "labos-data");
    assertEquals(manifest.schemaVersion, 2);
    for (const folder of ["experiments", "datasets", "jobs", "audit"]) {
      assert((await Deno.stat(`${dir}/data/${folder}`)).isDirectory);
    }
    const before = await snapshotTree(`${dir}/data`);
    const second = await runCli(["--data-dir", `${dir}/data`, "init"]);
    assertEquals(second.code, 0);
    assertStringIncludes(second.stdout, "nothing changed");
    assertEquals(await snapshotTree(`${dir}/data`), before);
  });
});

Deno.test("a data folder with a newer schemaVersion is refused", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const manifest = JSON.parse(await Deno.readTextFile(`${dataDir}/labos.json`));
    await Deno.writeTextFile(
      `${dataDir}/labos.json`,
      JSON.stringify({ ...manifest, schemaVersion: 99 }),
    );
    const result = await runCli(["--data-dir", dataDir, "status"]);
    assertEquals(result.code, 2);
    assertOneLineError(result.stderr, /schemaVersion.*99.*newer/);
  });
});

Deno.test("the data folder comes from --data-dir, then LABOS_DATA_DIR, then labos.jsonc, then ./data", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/labos.jsonc`,
      `// lab settings\n{ "dataDir": "from-file", }\n`,
    );
    const status = async (args: string[], env: Record<string, string> = {}) => {
      await cliOk([...args, "init"], { cwd: dir, env });
      return (await cliJson<{ dataDir: string }>([...args, "status"], { cwd: dir, env })).dataDir;
    };
    const real = await Deno.realPath(dir);
    assertEquals(await status([]), `${real}/from-file`);
    assertEquals(await status([], { LABOS_DATA_DIR: "from-env" }), `${real}/from-env`);
    assertEquals(
      await status(["--data-dir", "from-flag"], { LABOS_DATA_DIR: "from-env" }),
      `${real}/from-flag`,
    );
    await Deno.remove(`${dir}/labos.jsonc`);
    assertEquals(await status([]), `${real}/data`);
  });
});

Deno.test("experiments: create, list, show and the full lifecycle, with --json", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const a = await cliJson<Experiment>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "Calorimetry",
      "--tag",
      "thermo",
    ]);
    assertMatch(a.id, /^exp_[0-9A-Z]{26}$/);
    assertEquals(a.status, "draft");
    const b = await cliJson<Experiment>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "Kinetics",
    ]);
    const list = await cliJson<Experiment[]>(["--data-dir", dataDir, "experiments", "list"]);
    assertEquals(list.map((e) => e.id), [b.id, a.id], "newest first");
    const tagged = await cliJson<Experiment[]>([
      "--data-dir",
      dataDir,
      "experiments",
      "list",
      "--tag",
      "thermo",
    ]);
    assertEquals(tagged.map((e) => e.id), [a.id]);
    const paged = await cliJson<Experiment[]>([
      "--data-dir",
      dataDir,
      "experiments",
      "list",
      "--limit",
      "1",
      "--offset",
      "1",
    ]);
    assertEquals(paged.map((e) => e.id), [a.id]);

    for (const [to, reason] of [["running", "Start"], ["completed", "Done"], ["archived", "Old"]]) {
      const moved = await cliJson<Experiment>([
        "--data-dir",
        dataDir,
        "experiments",
        "transition",
        a.id,
        to,
        "--reason",
        reason,
      ]);
      assertEquals(moved.status, to);
    }
    const shown = await cliJson<Experiment>(["--data-dir", dataDir, "experiments", "show", a.id]);
    assertEquals(shown.status, "archived");
    const archived = await cliJson<Experiment[]>([
      "--data-dir",
      dataDir,
      "experiments",
      "list",
      "--status",
      "archived",
    ]);
    assertEquals(archived.map((e) => e.id), [a.id]);

    const events = await cliJson<
      Array<{ action: string; reason: string; details: Record<string, unknown> }>
    >([
      "--data-dir",
      dataDir,
      "audit",
      "list",
      "--target",
      a.id,
    ]);
    assertEquals(events.map((e) => e.action), [
      "experiment.transitioned",
      "experiment.transitioned",
      "experiment.transitioned",
      "experiment.created",
    ]);
    assertEquals(events[0].reason, "Old");
    assertEquals(events[0].details.before, {
      status: "completed",
      updatedAt: (events[1].details.after as { updatedAt: string }).updatedAt,
    });
    const verify = await runCli(["--data-dir", dataDir, "audit", "verify"]);
    assertEquals(verify.code, 0);
    assertMatch(verify.stdout, /^ok: 6 events, head [0-9a-f]{64}\n$/);
  });
});

Deno.test("bad input exits 2 with one line, no stack trace and no write", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const exp = await cliJson<Experiment>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "T",
    ]);
    const before = await snapshotTree(dataDir);
    const cases: Array<[string[], RegExp]> = [
      [["experiments", "transition", exp.id, "running"], /"reason" is required/],
      [["experiments", "transition", exp.id, "running", "--reason", "  "], /"reason" is required/],
      [
        ["experiments", "transition", exp.id, "finished", "--reason", "x"],
        /Unknown status "finished": expected one of draft, running/,
      ],
      [
        ["experiments", "transition", exp.id, "completed", "--reason", "x"],
        /from "draft" to "completed": allowed targets are "running", "archived"/,
      ],
      [["experiments", "show", "exp_01ARZ3NDEKTSV4RRFFQ69G5FAV"], /No experiment with id/],
      [["experiments", "show", "../../etc/passwd"], /Invalid experiment id/],
      [["experiments", "list", "--status", "weird"], /Unknown status "weird"/],
      [["experiments", "list", "--limit", "ten"], /--limit.*invalid.*whole number/i],
      [["experiments", "create"], /required option '--title/],
      [["experiments", "frobnicate"], /unknown command/],
      [["audit", "list", "--since", "yesterday"], /Invalid "since" "yesterday"/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(["--data-dir", dataDir, ...args]);
      assertEquals(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assertOneLineError(result.stderr, pattern);
      assertEquals(result.stdout, "");
    }
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("a malformed labos.jsonc exits 2 naming the line and column", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/labos.jsonc`, `{\n  "dataDir": "x"\n  "oops": 1\n}\n`);
    const result = await runCli(["init"], { cwd: dir });
    assertEquals(result.code, 2);
    assertOneLineError(result.stderr, /labos\.jsonc: line 3, column 3: Comma expected/);
    await Deno.writeTextFile(`${dir}/labos.jsonc`, `{ "dataDir": 42 }`);
    const typed = await runCli(["init"], { cwd: dir });
    assertEquals(typed.code, 2);
    assertOneLineError(typed.stderr, /"dataDir" must be a string: current value is 42/);
    const entries = [...Deno.readDirSync(dir)].map((e) => e.name);
    assertEquals(entries, ["labos.jsonc"], "nothing written");
  });
});

Deno.test("a corrupt record file exits 2 on read, and doctor reports its path", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const exp = await cliJson<Experiment>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "T",
    ]);
    const file = `${dataDir}/experiments/${exp.id}.json`;
    await Deno.writeTextFile(file, '{"id": "broken"');
    const show = await runCli(["--data-dir", dataDir, "experiments", "show", exp.id]);
    assertEquals(show.code, 2);
    assertOneLineError(show.stderr, /Corrupt experiment record .*\.json: not valid JSON/);
    const doctor = await runCli(["--data-dir", dataDir, "doctor"]);
    assertEquals(doctor.code, 1);
    assertStringIncludes(doctor.stdout, file);
    assertStringIncludes(doctor.stdout, "corrupt-record");
  });
});

Deno.test("doctor passes on a healthy folder and flags a record edited outside LabOS", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const exp = await cliJson<Experiment>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "T",
    ]);
    const ok = await runCli(["--data-dir", dataDir, "doctor"]);
    assertEquals(ok.code, 0, ok.stdout);
    assertMatch(ok.stdout, /^ok: 1 experiments/m);
    const file = `${dataDir}/experiments/${exp.id}.json`;
    const record = JSON.parse(await Deno.readTextFile(file));
    await Deno.writeTextFile(file, JSON.stringify({ ...record, status: "completed" }, null, 2));
    const bad = await runCli(["--data-dir", dataDir, "doctor"]);
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stdout, "edited outside LabOS");
  });
});

Deno.test("audit head, verify after tampering, and export", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await cliOk(["--data-dir", dataDir, "experiments", "create", "--title", "A"]);
    const head = await cliJson<{ seq: number; hash: string }>([
      "--data-dir",
      dataDir,
      "audit",
      "head",
    ]);
    assertEquals(head.seq, 2);
    await cliOk(["--data-dir", dataDir, "audit", "export", "--out", `${dir}/copy.jsonl`]);
    const log = await Deno.readTextFile(`${dataDir}/audit/log.jsonl`);
    await Deno.writeTextFile(`${dataDir}/audit/log.jsonl`, log.replace('"A"', '"B"'));
    const verify = await runCli(["--data-dir", dataDir, "audit", "verify"]);
    assertEquals(verify.code, 1);
    assertMatch(verify.stdout, /seq 2.*edited/);
  });
});

Deno.test("4 processes x 25 creates at once leave 100 experiments and an unbroken chain", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const writers = ["p1", "p2", "p3", "p4"].map(async (actor) => {
      for (let i = 0; i < 25; i++) {
        await cliOk([
          "--data-dir",
          dataDir,
          "--actor",
          actor,
          "experiments",
          "create",
          "--title",
          `${actor} ${i}`,
        ]);
      }
    });
    await Promise.all(writers);
    const status = await cliJson<{ counts: { experiments: number }; auditHead: { seq: number } }>([
      "--data-dir",
      dataDir,
      "status",
    ]);
    assertEquals(status.counts.experiments, 100);
    assertEquals(status.auditHead.seq, 101);
    const verify = await runCli(["--data-dir", dataDir, "audit", "verify"]);
    assertEquals(verify.code, 0, verify.stdout);
    assertStringIncludes(verify.stdout, "ok: 101 events");
    const seqs = (await Deno.readTextFile(`${dataDir}/audit/log.jsonl`)).trimEnd().split("\n")
      .map((line) => JSON.parse(line).event.seq);
    assertEquals(seqs, Array.from({ length: 101 }, (_, i) => i + 1));
    assert(![...Deno.readDirSync(dataDir)].some((e) => e.name.startsWith("labos.lock")));
  });
});

Deno.test("doctor rebuilds a damaged id index, moving the old one aside", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const a = await cliJson<Experiment>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "A",
    ]);
    const b = await cliJson<Experiment>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "B",
    ]);
    await Deno.writeTextFile(`${dataDir}/indexes/experiments.ids`, `${a.id}\n`);
    const found = await runCli(["--data-dir", dataDir, "doctor"]);
    assertEquals(found.code, 1);
    assertStringIncludes(found.stdout, "index-mismatch");
    const repaired = await runCli(["--data-dir", dataDir, "doctor", "--repair"]);
    assertEquals(repaired.code, 0, repaired.stdout);
    assertEquals([...Deno.readDirSync(`${dataDir}/quarantine/indexes`)].length, 1);
    const list = await cliJson<Experiment[]>(["--data-dir", dataDir, "experiments", "list"]);
    assertEquals(list.map((e) => e.id), [b.id, a.id]);
    const events = await cliJson<Array<{ action: string }>>([
      "--data-dir",
      dataDir,
      "audit",
      "list",
      "--limit",
      "1",
    ]);
    assertEquals(events[0].action, "data.quarantined");
    assertEquals((await runCli(["--data-dir", dataDir, "audit", "verify"])).code, 0);
  });
});
