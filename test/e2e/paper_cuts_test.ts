/**
 * Issue 12 item 7: `demo --json`, `serve --json`, `jobs rerun` without
 * `--check`, `datasets lineage --plot` saying where it wrote, the zip hint
 * of `labos import`, and editing an experiment from the CLI, the API and
 * the panel, each change audited with a reason.
 *
 * @module
 */
import { zipSync } from "fflate";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { CLI_PATH, cliJson, cliOk, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { createApp, csrfToken } from "../../src/server/mod.ts";

Deno.test("demo --json prints one object describing what the tour made, and nothing else", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/demo`;
    const summary = await cliJson<{
      dataDir: string;
      experiments: Array<{ id: string }>;
      importedDatasetId: string;
      jobs: Array<{ id: string; status: string; datasetId: string | null; plot: string | null }>;
      audit: { ok: boolean; events: number };
    }>(["--data-dir", dataDir, "demo"]);
    assertEquals(summary.dataDir, dataDir);
    assertEquals(summary.experiments.length, 4);
    assert(summary.jobs.length >= 5, `${summary.jobs.length} jobs`);
    for (const job of summary.jobs) {
      assertEquals(job.status, "succeeded");
      const shown = await cliJson<{ id: string; outputDatasetId: string }>([
        "--data-dir",
        dataDir,
        "jobs",
        "show",
        job.id,
      ]);
      assertEquals(shown.outputDatasetId, job.datasetId);
      if (job.plot) assert((await Deno.stat(job.plot)).isFile);
    }
    const imported = await cliJson<{ kind: string }>([
      "--data-dir",
      dataDir,
      "datasets",
      "show",
      summary.importedDatasetId,
    ]);
    assertEquals(imported.kind, "imported");
    assertEquals(summary.audit.ok, true);
  });
});

Deno.test("serve --json prints one JSON line with the url, port and pid once listening", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        CLI_PATH,
        "--json",
        "--data-dir",
        dataDir,
        "serve",
        "--port",
        "0",
      ],
      env: { NO_COLOR: "1", LABOS_ACTOR: "tester" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    try {
      const line = JSON.parse(out.split("\n")[0]) as { url: string; port: number; pid: number };
      assertEquals(Object.keys(line).sort(), ["pid", "port", "url"]);
      assertEquals(line.pid, child.pid);
      assertEquals(new URL(line.url).port, String(line.port));
      const health = await fetch(`http://127.0.0.1:${line.port}/api/v1/health`);
      assertEquals((await health.json()).ok, true);
    } finally {
      child.kill("SIGTERM");
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        out += value;
      }
      await child.status;
      await child.stderr.cancel();
    }
    assertEquals(out.trim().split("\n").length, 1, out);
  });
});

Deno.test("jobs rerun checks a job without --check; --check is still accepted", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const run = await cliJson<{ job: { id: string } }>([
      "--data-dir",
      dataDir,
      "run",
      "ms.isotope-pattern",
      "--param",
      "formula=CH2Cl2",
    ]);
    const plain = await runCli(["--data-dir", dataDir, "jobs", "rerun", run.job.id]);
    assertEquals(plain.code, 0, plain.stderr);
    assertMatch(plain.stdout, /^ok: Output is byte-identical/);
    const old = await cliJson<{ matches: boolean }>([
      "--data-dir",
      dataDir,
      "jobs",
      "rerun",
      run.job.id,
      "--check",
    ]);
    assertEquals(old.matches, true);
  });
});

Deno.test("datasets lineage --plot and run --plot both say where they wrote; --svg still works", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const runPlot = `${dir}/rate.svg`;
    const run = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "kinetics.arrhenius",
      "--param",
      "temperaturesK=[300,310,320]",
      "--param",
      "rateConstants=[0.01,0.02,0.04]",
      "--plot",
      runPlot,
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stdout, `Plot written to ${runPlot}`);
    const datasetId = /dataset (ds\w*|dataset_\w+)/.exec(run.stdout)?.[1] ??
      (await cliJson<Array<{ id: string }>>(["--data-dir", dataDir, "datasets", "list"]))[0].id;
    const lineagePlot = `${dir}/lineage.svg`;
    const lineage = await runCli([
      "--data-dir",
      dataDir,
      "datasets",
      "lineage",
      datasetId,
      "--plot",
      lineagePlot,
    ]);
    assertEquals(lineage.code, 0, lineage.stderr);
    assertStringIncludes(lineage.stdout, `Plot written to ${lineagePlot}`);
    assertStringIncludes(await Deno.readTextFile(lineagePlot), "<svg");
    const oldFile = `${dir}/old.svg`;
    const old = await cliOk([
      "--data-dir",
      dataDir,
      "datasets",
      "lineage",
      datasetId,
      "--svg",
      oldFile,
    ]);
    assertStringIncludes(old, `Plot written to ${oldFile}`);
    const both = await runCli([
      "--data-dir",
      dataDir,
      "datasets",
      "lineage",
      datasetId,
      "--svg",
      oldFile,
      "--plot",
      lineagePlot,
    ]);
    assertEquals(both.code, 2);
  });
});

Deno.test("import of a zip file hints import-archive and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const before = await snapshotTree(dataDir);
    const zip = `${dir}/lab-backup.zip`;
    await Deno.writeFile(zip, zipSync({ "manifest.json": new TextEncoder().encode("{}") }));
    const result = await runCli(["--data-dir", dataDir, "import", zip]);
    assertEquals(result.code, 2);
    assertEquals(
      result.stderr,
      `error: Cannot import "${zip}": it is a zip archive; to restore a LabOS archive use "labos import-archive ${zip}"\n`,
    );
    // The bytes decide, not the name.
    const renamed = `${dir}/export.csv`;
    await Deno.copyFile(zip, renamed);
    const named = await runCli(["--data-dir", dataDir, "import", renamed]);
    assertEquals(named.code, 2);
    assertStringIncludes(named.stderr, "import-archive");
    assertEquals(await snapshotTree(dataDir), before);
  });
});

interface EditedEvent {
  action: string;
  reason: string;
  details: {
    changed: string[];
    before: Record<string, unknown>;
    after: Record<string, unknown>;
  };
}

Deno.test("experiments edit changes title, purpose and tags from the CLI, each change audited with its reason", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const created = await cliJson<{ id: string }>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "Cofee cup",
      "--tag",
      "thermo",
    ]);
    const edited = await cliJson<{ title: string; purpose: string; tags: string[] }>([
      "--data-dir",
      dataDir,
      "experiments",
      "edit",
      created.id,
      "--title",
      "Coffee cup",
      "--purpose",
      "Heat of neutralisation",
      "--tag",
      "thermo",
      "--tag",
      "group-3",
      "--reason",
      "Fix the typo",
    ]);
    assertEquals(
      [edited.title, edited.purpose, edited.tags],
      ["Coffee cup", "Heat of neutralisation", ["thermo", "group-3"]],
    );
    const [event] = await cliJson<EditedEvent[]>([
      "--data-dir",
      dataDir,
      "audit",
      "list",
      "--action",
      "experiment.edited",
    ]);
    assertEquals(event.reason, "Fix the typo");
    assertEquals(event.details.changed, ["title", "purpose", "tags"]);
    assertEquals(event.details.before.title, "Cofee cup");
    assertEquals(event.details.after.tags, ["thermo", "group-3"]);

    const before = await snapshotTree(dataDir);
    const noReason = await runCli([
      "--data-dir",
      dataDir,
      "experiments",
      "edit",
      created.id,
      "--title",
      "Other",
    ]);
    assertEquals(noReason.code, 2);
    assertStringIncludes(noReason.stderr, '"reason" is required');
    const same = await runCli([
      "--data-dir",
      dataDir,
      "experiments",
      "edit",
      created.id,
      "--title",
      "Coffee cup",
      "--reason",
      "Again",
    ]);
    assertEquals(same.code, 2);
    assertStringIncludes(same.stderr, "Nothing changed");
    const blank = await runCli([
      "--data-dir",
      dataDir,
      "experiments",
      "edit",
      created.id,
      "--title",
      " ",
      "--reason",
      "Blank",
    ]);
    assertEquals(blank.code, 2);
    assertEquals(await snapshotTree(dataDir), before);
    const verify = await cliOk(["--data-dir", dataDir, "audit", "verify"]);
    assertMatch(verify, /^ok: /);
  });
});

Deno.test("experiments edit: PATCH /api/v1/experiments/:id and the panel form make the same audited change", async () => {
  await withTempDir(async (dir) => {
    const token = "paper-cuts-token-0123456789abcdef";
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const app = createApp({ lab, token, port: 8323 });
    const request = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("host", "127.0.0.1:8323");
      if (!headers.has("cookie") && !path.startsWith("/?token=")) {
        headers.set("authorization", `Bearer ${token}`);
      }
      return Promise.resolve(app.request(`http://127.0.0.1:8323${path}`, { ...init, headers }));
    };
    const experiment = await lab.createExperiment({ title: "Draft title", tags: ["a"] });
    const patched = await request(`/api/v1/experiments/${experiment.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "API title", reason: "Renamed through the API" }),
    });
    assertEquals(patched.status, 200);
    assertEquals((await patched.json()).title, "API title");
    const misspelt = await request(`/api/v1/experiments/${experiment.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ titel: "x", reason: "typo" }),
    });
    assertEquals(misspelt.status, 400);
    assertStringIncludes((await misspelt.json()).error.message, 'did you mean "title"?');

    const login = await request(`/?token=${token}`);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const page = await (await request(`/experiments/${experiment.id}`, { headers: { cookie } }))
      .text();
    assertStringIncludes(page, `action="/experiments/${experiment.id}/edit"`);
    const form = (fields: Record<string, string>) =>
      request(`/experiments/${experiment.id}/edit`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({ _csrf: csrfToken(token), ...fields }).toString(),
      });
    const noReason = await form({ title: "Form title", purpose: "", tags: "a", reason: "" });
    assertEquals(noReason.status, 400);
    const saved = await form({
      title: "API title",
      purpose: "Set from the panel",
      tags: "a, b",
      reason: "Purpose and tags from the panel",
    });
    assertEquals(saved.status, 303);
    const after = await lab.getExperiment(experiment.id);
    assertEquals([after.title, after.purpose, after.tags], [
      "API title",
      "Set from the panel",
      ["a", "b"],
    ]);
    const events = (await lab.listAudit({ action: "experiment.edited" }))
      .items as unknown as EditedEvent[];
    assertEquals(
      events.map((event) => [event.reason, event.details.changed]),
      [["Purpose and tags from the panel", ["purpose", "tags"]], ["Renamed through the API", [
        "title",
      ]]],
    );
    const shown =
      await (await request(saved.headers.get("location") ?? "", { headers: { cookie } }))
        .text();
    assertStringIncludes(shown, "Edited purpose, tags");
    assert((await lab.verifyAudit()).ok);
  });
});
