import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, REPO_ROOT, runCli, snapshotTree, withTempDir } from "../_cli.ts";

interface RunJson {
  job: {
    id: string;
    status: string;
    moduleVersion: string;
    moduleSource: string;
    outputDatasetId: string | null;
    error: { message: string } | null;
  };
  dataset: { id: string; provenance: { moduleSource: string; jobId: string } } | null;
  output: Record<string, number> | null;
}

Deno.test("labos new module scaffolds a plugin that tests green, loads via labos.jsonc and runs", async () => {
  await withTempDir(async (dir) => {
    const created = await cliJson<{ key: string; dir: string; files: string[] }>(
      ["new", "module", "lab.my-thing", "--labos", REPO_ROOT],
      { cwd: dir },
    );
    const project = `${dir}/lab-my-thing`;
    assertEquals(created.dir, project);
    assertEquals(created.files, [
      "README.md",
      "deno.json",
      "labos-module.json",
      "mod.ts",
      "mod_test.ts",
    ]);
    const manifest = JSON.parse(await Deno.readTextFile(`${project}/labos-module.json`));
    assertEquals(
      [manifest.key, manifest.version, manifest.labosApi, manifest.entry],
      ["lab.my-thing", "0.1.0", "^1.0.0", "./mod.ts"],
    );
    const denoJson = JSON.parse(await Deno.readTextFile(`${project}/deno.json`));
    assertEquals(denoJson.imports["@labos/labos"], "jsr:@labos/labos@^0.1.0");
    assertEquals(denoJson.links, [REPO_ROOT.replace(/\/$/, "")]);

    const test = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A"],
      cwd: project,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const report = new TextDecoder().decode(test.stdout) + new TextDecoder().decode(test.stderr);
    assert(test.success, report);
    assertStringIncludes(report, "4 passed");

    await Deno.writeTextFile(`${dir}/labos.jsonc`, `{ "plugins": ["./lab-my-thing"] }`);
    await cliOk(["trust"], { cwd: dir });
    await cliOk(["init"], { cwd: dir });
    const modules = await cliJson<Array<{ key: string; source: string; version: string }>>(
      ["modules", "list"],
      { cwd: dir },
    );
    assertEquals(modules.find((m) => m.key === "lab.my-thing"), {
      ...modules.find((m) => m.key === "lab.my-thing")!,
      source: project,
      version: "0.1.0",
    });

    const ok = await cliJson<RunJson>([
      "run",
      "lab.my-thing",
      "--param",
      "stockConcentrationM=1.59",
      "--param",
      "targetConcentrationM=0.1",
      "--param",
      "targetVolumeML=5000",
    ], { cwd: dir });
    assertEquals(ok.job.status, "succeeded");
    assertEquals(Number(ok.output?.stockVolumeML.toPrecision(4)), 314.5);
    assertEquals([ok.job.moduleSource, ok.job.moduleVersion], [project, "0.1.0"]);
    assertEquals(ok.dataset?.provenance, { ...ok.dataset!.provenance, moduleSource: project });
    const dataset = await cliJson<{ id: string; output: Record<string, number> }>(
      ["datasets", "show", ok.job.outputDatasetId!],
      { cwd: dir },
    );
    assertEquals(dataset.output.dilutionFactor, 15.9);

    const events = await cliJson<
      Array<{ action: string; target: { id: string }; details: Record<string, unknown> }>
    >(["audit", "list", "--limit", "50"], { cwd: dir });
    const jobEvents = events.filter((e) => e.target.id === ok.job.id);
    assertEquals(jobEvents.map((e) => e.action).sort(), [
      "job.queued",
      "job.started",
      "job.succeeded",
    ]);
    assert(jobEvents.every((e) => e.details.moduleSource === project));
    assert(events.some((e) => e.action === "dataset.created" && e.target.id === dataset.id));

    const failed = await runCli([
      "--json",
      "run",
      "lab.my-thing",
      "--param",
      "stockConcentrationM=0.1",
      "--param",
      "targetConcentrationM=1",
      "--param",
      "targetVolumeML=10",
    ], { cwd: dir });
    assertEquals(failed.code, 1);
    const failedJob = (JSON.parse(failed.stdout) as RunJson).job;
    assertEquals(failedJob.status, "failed");
    assertEquals(
      failedJob.error?.message,
      "Cannot make 1 M from a 0.1 M stock: the target must not exceed the stock",
    );
  });
});

Deno.test("labos new module refuses a bad name, a used folder or a wrong --labos, writing nothing", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/taken`);
    await Deno.writeTextFile(`${dir}/taken/keep.txt`, "mine");
    const before = await snapshotTree(dir);
    const cases: Array<[string[], string]> = [
      [["new", "module", "Lab.Thing"], `Invalid module name "Lab.Thing": expected "domain.name"`],
      [["new", "module", "lab.x", "--dir", "taken"], "it exists and is not an empty folder"],
      [["new", "module", "lab.x", "--labos", dir], `Invalid "--labos"`],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { cwd: dir });
      assertEquals(result.code, 2, args.join(" "));
      assertStringIncludes(result.stderr, message);
    }
    assertEquals(await snapshotTree(dir), before);
    const plain = await cliOk(["new", "module", "titration", "--dir", "t"], { cwd: dir });
    assertStringIncludes(plain, "Created module lab.titration");
    const denoJson = JSON.parse(await Deno.readTextFile(`${dir}/t/deno.json`));
    assertEquals(denoJson.links, undefined);
  });
});
