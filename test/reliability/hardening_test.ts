/**
 * Regression tests for issue 11 (hardening): one test per item, each named
 * after its item number.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { CLI_PATH, CONFIG_HOME, runCli, withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import type { Lab } from "../../src/service/mod.ts";
import { createApp, csrfToken } from "../../src/server/mod.ts";
import { describeValue, table } from "../../src/cli/_format.ts";
import { z } from "zod";
import { defineModule, ModuleError, ModuleRegistry } from "../../module.ts";
import { hashJson } from "../../src/records/mod.ts";
import { executableModule } from "../../src/plugins/_executable.ts";
import type { ModuleManifest } from "../../src/plugins/_manifest.ts";
import { importArchive } from "../../src/exchange/archive.ts";
import { FolderStorage } from "../../src/storage/folder/mod.ts";
import type { LabStorage, RestoreSink } from "../../src/storage/mod.ts";
import { LabosError } from "../../src/errors.ts";

const TOKEN = "hardening-test-token-0123456789abcdef";
const PORT = 8321;
const ORIGIN = `http://127.0.0.1:${PORT}`;

interface Panel {
  lab: Lab;
  dir: string;
  /** A request with this server's Host and, unless `auth: false`, the bearer token. */
  request(path: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  /** A signed-in browser session's cookie header. */
  session(): Promise<string>;
}

async function withPanel(
  fn: (panel: Panel) => Promise<void>,
  env: Record<string, string> = {},
  options: { debug?: boolean } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-hardening-" });
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, Deno.env.get(key)]));
  for (const [key, value] of Object.entries(env)) Deno.env.set(key, value);
  try {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const app = createApp({ lab, token: TOKEN, port: PORT, debug: options.debug });
    const request = (path: string, init: RequestInit & { auth?: boolean } = {}) => {
      const headers = new Headers(init.headers);
      headers.set("host", `127.0.0.1:${PORT}`);
      if (init.auth !== false && !headers.has("cookie")) {
        headers.set("authorization", `Bearer ${TOKEN}`);
      }
      return Promise.resolve(app.request(`${ORIGIN}${path}`, { ...init, headers }));
    };
    const session = async () => {
      const response = await request(`/?token=${TOKEN}`, { auth: false });
      return (response.headers.get("set-cookie") ?? "").split(";")[0];
    };
    await fn({ lab, dir, request, session });
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) Deno.env.delete(key);
      else Deno.env.set(key, value);
    }
    await Deno.remove(dir, { recursive: true });
  }
}

function form(fields: Record<string, string>, cookie: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ...fields, _csrf: csrfToken(TOKEN) }).toString(),
  };
}

const HALF_LIFE = fileURLToPath(new URL("../fixtures/plugins/half_life.mjs", import.meta.url));

/** A plugin that leaves a marker file when it is imported, then provides half_life. */
async function plantPlugin(dir: string): Promise<string> {
  await Deno.copyFile(HALF_LIFE, `${dir}/half_life.mjs`);
  await Deno.writeTextFile(
    `${dir}/planted.mjs`,
    `import { writeFileSync } from "node:fs";
writeFileSync(new URL("./marker", import.meta.url), "loaded");
export { default } from "./half_life.mjs";
`,
  );
  await Deno.writeTextFile(
    `${dir}/labos.jsonc`,
    JSON.stringify({ dataDir: "./data", plugins: ["./planted.mjs"] }),
  );
  return `${dir}/marker`;
}

Deno.test("item 1: an untrusted labos.jsonc loads no plugin code until `labos trust`; an edit untrusts it; --config is trusted", async () => {
  await withTempDir(async (dir) => {
    const marker = await plantPlugin(dir);
    const env = { LABOS_CONFIG_HOME: `${dir}/config-home` };
    const untrusted = await runCli(["modules", "list"], { cwd: dir, env });
    assertEquals(untrusted.code, 0, untrusted.stderr);
    assert(!existsSync(marker), "the planted plugin was imported");
    assertEquals(untrusted.stderr.trimEnd().split("\n").length, 1);
    assertMatch(
      untrusted.stderr,
      /^warning: 1 plugin\(s\) skipped: .*labos\.jsonc" is not trusted/,
    );
    assertStringIncludes(untrusted.stderr, `"labos trust"`);
    assert(!untrusted.stdout.includes("fixture.half-life"));
    const shown = await runCli(["--json", "config", "show"], { cwd: dir, env });
    assertEquals(JSON.parse(shown.stdout).trusted, false);

    const trust = await runCli(["trust"], { cwd: dir, env });
    assertEquals(trust.code, 0, trust.stderr);
    assertMatch(trust.stdout, /^trusted .*labos\.jsonc \(sha256 [0-9a-f]{64}\)\n$/);
    assert(existsSync(`${dir}/config-home/trusted.json`));
    assert(!existsSync(marker), "labos trust loads no plugin");
    const trusted = await runCli(["modules", "list"], { cwd: dir, env });
    assertEquals(trusted.stderr, "");
    assertStringIncludes(trusted.stdout, "fixture.half-life");
    assert(existsSync(marker));
    await Deno.remove(marker);

    // Edited after it was trusted: untrusted again, like direnv.
    await Deno.writeTextFile(
      `${dir}/labos.jsonc`,
      JSON.stringify({ dataDir: "./data", plugins: ["./planted.mjs"] }) + "\n",
    );
    const edited = await runCli(["modules", "list"], { cwd: dir, env });
    assertStringIncludes(edited.stderr, "is not trusted");
    assert(!existsSync(marker));

    // A file named with --config is trusted; its paths are relative to it.
    await Deno.mkdir(`${dir}/elsewhere`);
    const explicit = await runCli(
      ["--config", `${dir}/labos.jsonc`, "modules", "list"],
      { cwd: `${dir}/elsewhere`, env },
    );
    assertEquals(explicit.stderr, "");
    assertStringIncludes(explicit.stdout, "fixture.half-life");

    const missing = await runCli(["--config", "nope.jsonc", "status"], { cwd: dir, env });
    assertEquals(missing.code, 2);
    assertEquals(
      missing.stderr,
      `error: Invalid --config "nope.jsonc": expected an existing labos.jsonc file\n`,
    );
  });
});

Deno.test("item 1: audit, doctor, status, export, import-archive, migrate and init load no plugins, even trusted ones", async () => {
  await withTempDir(async (dir) => {
    const marker = await plantPlugin(dir);
    const env = { LABOS_CONFIG_HOME: `${dir}/config-home` };
    assertEquals((await runCli(["trust"], { cwd: dir, env })).code, 0);
    const commands = [
      ["init"],
      ["status"],
      ["doctor"],
      ["audit", "verify"],
      ["audit", "head"],
      ["audit", "export", "--out", `${dir}/audit.jsonl`],
      ["export", "--out", `${dir}/lab.zip`],
      ["migrate", "--dry-run"],
      ["--data-dir", `${dir}/restored`, "import-archive", `${dir}/lab.zip`],
    ];
    for (const args of commands) {
      const result = await runCli(args, { cwd: dir, env });
      assertEquals(result.code, 0, `labos ${args.join(" ")}: ${result.stderr}`);
      assert(!existsSync(marker), `labos ${args.join(" ")} loaded a plugin`);
    }
  });
});

Deno.test("item 14: the token login redirects only to same-origin paths", async () => {
  await withPanel(async ({ request }) => {
    for (const path of ["//evil.example/", "//evil.example/x?y=1", "/\\evil.example/"]) {
      const response = await request(`${path.replace(/\?.*/, "")}?token=${TOKEN}`, {
        auth: false,
      });
      assertEquals(response.status, 303, path);
      const location = response.headers.get("location") ?? "";
      assertEquals(new URL(location, ORIGIN).origin, ORIGIN, `${path} -> ${location}`);
      assert(!location.startsWith("//"), location);
    }
    const normal = await request(`/experiments?status=draft&token=${TOKEN}`, { auth: false });
    assertEquals(normal.headers.get("location"), "/experiments?status=draft");
  });
});

Deno.test("item 15: the /mode back= check holds against tabs, newlines and CRLF", async () => {
  await withPanel(async ({ request, session }) => {
    const cookie = await session();
    for (
      const back of [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/x\r\nSet-Cookie: a=b",
        " //evil.example",
        "/\\evil.example",
      ]
    ) {
      const response = await request("/mode", form({ mode: "lab", back }, cookie));
      assertEquals(response.status, 303, JSON.stringify(back));
      assertEquals(response.headers.get("location"), "/", JSON.stringify(back));
    }
    const ok = await request("/mode", form({ mode: "lab", back: "/audit?page=2" }, cookie));
    assertEquals(ok.headers.get("location"), "/audit?page=2");
  });
});

Deno.test("item 29: a builder-mode 500 page shows a stack trace only on a LABOS_DEBUG=1 server", async () => {
  for (const debug of [false, true]) {
    await withPanel(
      async ({ lab, request }) => {
        // Every request acts through lab.as(…), a Lab of its own: patch them all.
        const acting = lab.as;
        lab.as = (principal) => {
          const scoped = acting.call(lab, principal);
          scoped.getExperiment = () => Promise.reject(new Error("disk on fire"));
          return scoped;
        };
        const response = await request("/experiments/EXP-0001", {
          headers: { cookie: "labos_mode=builder", authorization: `Bearer ${TOKEN}` },
        });
        assertEquals(response.status, 500);
        const page = await response.text();
        assertStringIncludes(page, "disk on fire");
        assertEquals(page.includes('<pre class="stack">'), debug, `debug ${debug}`);
        assertEquals(page.includes("file://"), debug, `debug ${debug}`);
      },
      {},
      { debug },
    );
  }
});

Deno.test("item 24: invalid UTF-8 and unpaired surrogates in a JSON body are 400, and nothing is stored", async () => {
  await withPanel(async ({ lab, request }) => {
    const encoder = new TextEncoder();
    const bodies: Uint8Array<ArrayBuffer>[] = [
      new Uint8Array([...encoder.encode('{"title":"Titr'), 0xff, 0xfe, ...encoder.encode('"}')]),
      new Uint8Array([...encoder.encode('{"title":"'), 0xc3, ...encoder.encode('x"}')]),
      encoder.encode('{"title":"Lone \\ud800 surrogate"}'),
    ];
    for (const body of bodies) {
      const response = await request("/api/v1/experiments", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      assertEquals(response.status, 400);
      const answer = await response.json();
      assertEquals(answer.error.kind, "invalid");
      assertMatch(answer.error.message, /UTF-8/);
    }
    assertEquals((await lab.listExperiments()).items.length, 0);
    const ok = await request("/api/v1/experiments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: encoder.encode('{"title":"Titration ✓ \\ud83d\\ude00"}'),
    });
    assertEquals(ok.status, 201);
  });
});

/** Imports a CSV through the API and returns the dataset. */
async function importCsv(
  request: Panel["request"],
  csv: string,
): Promise<
  { id: string; table: { columns: Array<{ name: string }>; rowCount: number; values: unknown[][] } }
> {
  const response = await request("/api/v1/datasets/import?fileName=t.csv", {
    method: "POST",
    headers: { "content-type": "text/csv" },
    body: csv,
  });
  assertEquals(response.status, 201, await response.clone().text());
  return await response.json();
}

Deno.test("item 4: the CSV download neutralises formula cells and keeps numbers such as -3.2", async () => {
  await withPanel(async ({ request }) => {
    const csv = [
      "label,value",
      `"=HYPERLINK(""http://evil"")",-3.2`,
      "+cmd,+4",
      "-2+3,1e-3",
      "@SUM(A1),-.5",
      `"\tTAB",7`,
      `"\rCR",8`,
      "plain,9",
      "",
    ].join("\n");
    const dataset = await importCsv(request, csv);
    const download = await request(`/api/v1/datasets/${dataset.id}/download`);
    assertEquals(download.status, 200);
    const lines = (await download.text()).split("\r\n");
    assertEquals(lines.slice(0, 8), [
      "label,value",
      `"'=HYPERLINK(""http://evil"")",-3.2`,
      `"'+cmd",4`,
      `"'-2+3",0.001`,
      `"'@SUM(A1)",-0.5`,
      `"'\tTAB",7`,
      `"'\rCR",8`,
      "plain,9",
    ]);
  });
});

Deno.test("item 6: columns named __proto__ and constructor keep their values in records, mapping, pages and API", async () => {
  await withPanel(async ({ lab, request }) => {
    const csv = "__proto__,constructor,toString\n650,1.66,a\n700,7.39,b\n750,28.1,c\n";
    const imported = await importCsv(request, csv);
    // Tables are stored column by column: names only in "columns", never as object keys.
    const names = ["__proto__", "constructor", "toString"];
    const values = [[650, 700, 750], [1.66, 7.39, 28.1], ["a", "b", "c"]];
    const stored = await lab.getDataset(imported.id);
    const api = await (await request(`/api/v1/datasets/${imported.id}`)).json();
    for (const table of [imported.table, stored.table, api.table]) {
      assertEquals(table.columns.map((column: { name: string }) => column.name), names);
      assertEquals(table.values, values);
      assertEquals(table.rowCount, 3);
    }

    const doctor = await lab.doctor();
    assertEquals(doctor.problems, []);
    assert(doctor.ok);

    const run = await lab.run({
      module: "kinetics.arrhenius",
      fromDataset: imported.id,
      map: ["temperaturesK=__proto__", "rateConstants=constructor"],
    });
    assertEquals(run.job.status, "succeeded");
    assertEquals(
      JSON.stringify(run.job.input),
      '{"temperaturesK":[650,700,750],"rateConstants":[1.66,7.39,28.1]}',
    );

    const page = await (await request(`/datasets/${imported.id}`)).text();
    assertStringIncludes(page, "650");
    assert(!page.includes("function"), "a cell showed Object.prototype.constructor");
    const download = await (await request(`/api/v1/datasets/${imported.id}/download`)).text();
    assertEquals(
      download,
      "__proto__,constructor,toString\r\n650,1.66,a\r\n700,7.39,b\r\n750,28.1,c\r\n",
    );
    assertEquals((await lab.doctor()).ok, true);
  });
});

Deno.test("item 7: tables are stored as column arrays with nulls for blanks, near the CSV's size", async () => {
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const header = Array.from({ length: 100 }, (_, i) => `c${i}`).join(",");
    const stored = async (name: string, csv: string) => {
      const bytes = new TextEncoder().encode(csv);
      const dataset = await lab.importCsv({ fileName: name, bytes });
      let size = 0;
      for (const entry of Deno.readDirSync(`${dir}/data/datasets`)) {
        if (entry.name.startsWith(dataset.id)) {
          size += Deno.statSync(`${dir}/data/datasets/${entry.name}`).size;
        }
      }
      return { dataset, ratio: size / bytes.byteLength };
    };

    const blank = await stored("blank.csv", `${header}\n${`${",".repeat(99)}\n`.repeat(2000)}`);
    assertEquals(blank.dataset.table?.rowCount, 2000);
    assertEquals(blank.dataset.table?.values.length, 100);
    assert(blank.dataset.table?.values.every((column) => column.every((cell) => cell === null)));
    // Row objects took about 20 characters per blank cell; a null in a column takes 5.
    assert(blank.ratio < 6, `blank cells stored at ${blank.ratio.toFixed(1)}x the CSV`);

    const row = Array.from({ length: 100 }, (_, i) => (i * 0.37 + 1.5).toFixed(4)).join(",");
    const numbers = await stored("numbers.csv", `${header}\n${`${row}\n`.repeat(500)}`);
    assertEquals(numbers.dataset.table?.values[1][499], 1.87);
    assert(numbers.ratio < 1.5, `numbers stored at ${numbers.ratio.toFixed(2)}x the CSV`);
    assertEquals(await lab.getDataset(numbers.dataset.id), numbers.dataset);
    assertEquals((await lab.doctor()).problems, []);
  });
});

Deno.test("item 7: a dataset past the size limit is refused before anything is written, naming the file, its size and the limit", async () => {
  await withTempDir(async (dir) => {
    assertEquals((await runCli(["--data-dir", `${dir}/data`, "init"], { cwd: dir })).code, 0);
    const log = () => Deno.readTextFileSync(`${dir}/data/audit/log.jsonl`);
    const before = log();
    const file = await Deno.open(`${dir}/big.csv`, { write: true, create: true });
    await file.write(new TextEncoder().encode("a,b\n"));
    const chunk = new TextEncoder().encode("1,2\n".repeat(1 << 18));
    for (let i = 0; i < 65; i++) await file.write(chunk);
    file.close();
    const result = await runCli(["--data-dir", `${dir}/data`, "import", "big.csv"], { cwd: dir });
    assertEquals(result.code, 2, result.stderr);
    assertEquals(
      result.stderr,
      'error: Cannot import "big.csv": the file is 65 MiB, more than the 64 MiB limit of a dataset\n',
    );

    // The limits are set in labos.jsonc.
    Deno.writeTextFileSync(`${dir}/labos.jsonc`, '{ "limits": { "datasetCells": 1000 } }');
    Deno.writeTextFileSync(`${dir}/wide.csv`, `a,b,c,d\n${"1,2,3,4\n".repeat(251)}`);
    const wide = await runCli(["--data-dir", `${dir}/data`, "import", "wide.csv"], { cwd: dir });
    assertEquals(wide.code, 2, wide.stderr);
    assertEquals(
      wide.stderr,
      'error: Cannot import "wide.csv": its table of 4 columns passes the 1,000-cell limit of a dataset at line 252 (the file is 2 KiB)\n',
    );
    assertEquals(log(), before);
    assertEquals([...Deno.readDirSync(`${dir}/data/datasets`)], []);
  });
});

Deno.test("item 7: lists never read a dataset's values; show and doctor report damaged values", async () => {
  await withPanel(async ({ lab, dir, request }) => {
    const experiment = await lab.createExperiment({ title: "Kinetics" });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const bytes = new TextEncoder().encode(`t,c\n0,1\n${i},2\n`);
      const dataset = await lab.importCsv({
        fileName: `run${i}.csv`,
        bytes,
        experimentId: experiment.id,
      });
      ids.push(dataset.id);
    }
    const data = `${dir}/data`;
    // Every values file is damaged: a list that read one would fail.
    for (const id of ids) Deno.writeTextFileSync(`${data}/datasets/${id}.values.json`, "[[0,");

    const list = await runCli(["--data-dir", data, "datasets", "list", "--json"]);
    assertEquals(list.code, 0, list.stderr);
    const items = JSON.parse(list.stdout);
    assertEquals(items.map((item: { id: string }) => item.id), [...ids].reverse());
    assertEquals(items[0].table, {
      columns: [{ name: "t", type: "integer" }, { name: "c", type: "integer" }],
      rowCount: 2,
      delimiter: ",",
    });
    const api = await request("/api/v1/datasets");
    assertEquals(api.status, 200);
    assertEquals((await api.json()).items.length, 3);
    for (const page of ["/datasets", `/experiments/${experiment.id}`]) {
      const response = await request(page);
      assertEquals(response.status, 200, page);
      assertStringIncludes(await response.text(), "run2.csv");
    }

    const show = await runCli(["--data-dir", data, "datasets", "show", ids[0]]);
    assertEquals(show.code, 2);
    assertMatch(show.stderr, /its values file .*\.values\.json is not valid JSON/);
    let doctor = await lab.doctor();
    assertEquals(doctor.problems.filter((p) => p.kind === "corrupt-record").length, 3);

    Deno.removeSync(`${data}/datasets/${ids[0]}.values.json`);
    Deno.writeTextFileSync(`${data}/datasets/${ids[1]}.values.json`, "[[0,1],[1,3]]");
    Deno.writeTextFileSync(`${data}/datasets/${ids[2]}.values.json`, "[[0,2],[1,2]]");
    doctor = await lab.doctor();
    const messages = doctor.problems.map((p) => `${p.kind}: ${p.message}`).join("\n");
    assertMatch(messages, /corrupt-record: .*its values file .*\.values\.json is missing/);
    // The experiment still lists the unreadable dataset.
    assertMatch(messages, new RegExp(`dangling-reference: Dataset "${ids[0]}" does not exist`));
    // Edited values change the record's hash: the edit is reported, the untouched rewrite is not.
    assertMatch(messages, /unaudited-change: The dataset differs from its last audited state/);
    assertEquals(doctor.problems.length, 3, messages);
  });
});

Deno.test("item 8: output files refuse an existing file unless --force, and any path inside the data folder, symlinks resolved (item 22)", async () => {
  await withTempDir(async (dir) => {
    const data = `${dir}/data`;
    const cli = (args: string[]) => runCli(["--data-dir", data, ...args], { cwd: dir });
    assertEquals((await cli(["init"])).code, 0);
    const head = await Deno.readTextFile(`${data}/audit/head.json`);
    const snapshot = async () => {
      const files: string[] = [];
      for await (const entry of Deno.readDir(data)) files.push(entry.name);
      return [files.sort(), await Deno.readTextFile(`${data}/audit/head.json`)];
    };
    const before = await snapshot();

    const inside = await cli(["audit", "export", "--out", `${data}/audit/head.json`, "--force"]);
    assertEquals(inside.code, 2);
    assertMatch(
      inside.stderr,
      /^error: Invalid "--out" ".*head\.json": it is inside the data folder/,
    );
    assertEquals(inside.stderr.split("\n").length, 2);
    assertEquals(await Deno.readTextFile(`${data}/audit/head.json`), head);

    await Deno.symlink(data, `${dir}/link`);
    await Deno.symlink(`${data}/audit/log.jsonl`, `${dir}/log-link.jsonl`);
    for (
      const args of [
        ["audit", "export", "--out", `${dir}/link/copy.jsonl`],
        ["audit", "export", "--out", `${dir}/log-link.jsonl`, "--force"],
        ["export", "--out", `${dir}/link/backup.zip`],
        ["export", "--out", `${data}/backup.zip`],
        ["run", "kinetics.arrhenius", "--param", "x=1", "--plot", `${dir}/link/fit.svg`],
      ]
    ) {
      const result = await cli(args);
      assertEquals(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assertStringIncludes(result.stderr, "inside the data folder");
    }
    assertEquals(await snapshot(), before);

    await Deno.writeTextFile(`${dir}/mine.jsonl`, "precious\n");
    const existing = await cli(["audit", "export", "--out", `${dir}/mine.jsonl`]);
    assertEquals(existing.code, 2);
    assertEquals(
      existing.stderr,
      `error: Invalid "--out" "${dir}/mine.jsonl": the file exists; choose another name or pass --force\n`,
    );
    assertEquals(await Deno.readTextFile(`${dir}/mine.jsonl`), "precious\n");
    const forced = await cli(["audit", "export", "--out", `${dir}/mine.jsonl`, "--force"]);
    assertEquals(forced.code, 0, forced.stderr);
    assert(!(await Deno.readTextFile(`${dir}/mine.jsonl`)).includes("precious"));
    const fresh = await cli(["audit", "export", "--out", `${dir}/fresh.jsonl`]);
    assertEquals(fresh.code, 0, fresh.stderr);
  });
});

/** Whether text holds a control character other than the newline ending each line. */
function hasControls(text: string): boolean {
  return [...text].some((char) => char !== "\n" && (char < " " || char === "\x7f"));
}

Deno.test("item 10: control characters in titles, purposes and actors show escaped in text output and are stored as given", async () => {
  await withTempDir(async (dir) => {
    const data = `${dir}/data`;
    const title = "Real\r\x1b[2KEXP-FORGED  approved\nrow\b\x07";
    const actor = "eve\x1b[1A";
    const cli = (args: string[], env: Record<string, string> = {}) =>
      runCli(["--data-dir", data, ...args], { cwd: dir, env });
    assertEquals((await cli(["init"])).code, 0);
    const created = await cli(
      ["--json", "experiments", "create", "--title", title, "--purpose", "p\x1b]0;x\x07q"],
      { LABOS_ACTOR: actor },
    );
    assertEquals(created.code, 0, created.stderr);
    const experiment = JSON.parse(created.stdout);
    assertEquals(experiment.title, title, "stored as given");
    assertEquals(experiment.createdBy, actor);

    const list = await cli(["experiments", "list"]);
    assertEquals(list.code, 0);
    assert(!hasControls(list.stdout), JSON.stringify(list.stdout));
    assertEquals(list.stdout.trimEnd().split("\n").length, 3, "one row per experiment");
    assertStringIncludes(list.stdout, "Real\\r\\e[2KEXP-FORGED");
    assertStringIncludes(list.stdout, "eve\\e[1A");

    const show = await cli(["experiments", "show", experiment.id]);
    assert(!hasControls(show.stdout), JSON.stringify(show.stdout));
    assertStringIncludes(show.stdout, "approved\\nrow\\b\\x07");
    assertStringIncludes(show.stdout, "p\\e]0;x\\x07q");

    const audit = await cli(["audit", "list"]);
    assert(!hasControls(audit.stdout), JSON.stringify(audit.stdout));
    const json = JSON.parse((await cli(["--json", "experiments", "show", experiment.id])).stdout);
    assertEquals(json.title, title);
  });
});

Deno.test("item 28: a bad tag says what a tag may contain and quotes it", async () => {
  await withPanel(async ({ lab, request }) => {
    const response = await request("/api/v1/experiments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Titration", tags: ["bad tag!"] }),
    });
    assertEquals(response.status, 400);
    const { error } = await response.json();
    assert(!error.message.includes("regex"), error.message);
    assertStringIncludes(
      error.message,
      `"tags.0" must hold only letters, digits, ".", "_", ":" and "-", starting with a letter or digit: current value is "bad tag!"`,
    );
    assertEquals((await lab.listExperiments()).items.length, 0);
  });
});

Deno.test("item 5: a module that sorts its input in place cannot change the recorded input or its hash", async () => {
  const sorter = defineModule({
    key: "test.sorter",
    version: "1.0.0",
    title: "Sorter",
    domain: "test",
    summary: "Sorts in place",
    method: "Array.prototype.sort on the input",
    citations: [],
    limitations: [],
    learnerNotes: [],
    examples: [],
    input: z.object({
      values: z.array(z.number()),
      nested: z.object({ list: z.array(z.number()) }),
    }),
    output: z.object({ first: z.number() }),
    run(input) {
      input.values.sort((a, b) => a - b);
      input.nested.list.reverse();
      (input as Record<string, unknown>).extra = true;
      return { first: input.values[0] };
    },
  });
  const registry = new ModuleRegistry();
  registry.register(sorter);
  const dir = await Deno.makeTempDir({ prefix: "labos-hardening-" });
  try {
    const lab = openLab({ dataDir: dir, actor: "tester", modules: registry });
    await lab.init();
    const given = { values: [3, 1, 2], nested: { list: [1, 2, 3] } };
    // A long array is not frozen (its canonical bytes are pinned): the module still runs on its own copy.
    const long = Array.from({ length: 5000 }, (_, i) => 5000 - i);
    const big = await lab.run({
      module: "test.sorter",
      input: { values: long, nested: { list: long } },
    });
    assertEquals(big.output, { first: 1 });
    assertEquals(big.job.input, { values: long, nested: { list: long } });
    assertEquals((await lab.getJob(big.job.id)).inputHash, hashJson(big.job.input));
    assert((await lab.checkRerun(big.job.id)).matches);
    const result = await lab.run({ module: "test.sorter", input: given });
    assertEquals(result.job.status, "succeeded", JSON.stringify(result.job.error));
    assertEquals(result.output, { first: 1 });
    assertEquals(result.job.input, given);
    assertEquals(result.job.inputHash, hashJson(given));
    const stored = await lab.getJob(result.job.id);
    assertEquals(stored.input, given);
    assertEquals(hashJson(stored.input), stored.inputHash);
    assertEquals(result.dataset?.provenance?.inputHash, hashJson(given));
    assertEquals(given, { values: [3, 1, 2], nested: { list: [1, 2, 3] } }, "the caller's object");
    const check = await lab.checkRerun(result.job.id);
    assert(check.matches, check.message);
    assertEquals((await lab.doctor()).ok, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const PYTHON = await new Deno.Command("python3", { args: ["--version"] }).output().then(
  (output) => output.success,
  () => false,
);

/** An executable Python plugin, written to a temporary folder. */
async function pythonPlugin(dir: string, code: string, timeoutMs = 5000) {
  await Deno.writeTextFile(`${dir}/plugin.py`, code);
  const manifest: ModuleManifest = {
    key: "test.python",
    version: "1.0.0",
    labosApi: "^1.0.0",
    command: ["python3", "plugin.py"],
    title: "Test",
    summary: "Test plugin",
    method: "Test",
    inputSchema: { type: "object" },
  };
  return executableModule(manifest, {
    dir,
    limits: { timeoutMs, maxOutputBytes: 1 << 20, maxStderrBytes: 4096 },
  });
}

Deno.test({
  name: "item 13: executable plugins get an allow-listed environment, never LABOS_TOKEN",
  ignore: !PYTHON,
  fn: async () => {
    await withTempDir(async (dir) => {
      const module = await pythonPlugin(
        dir,
        `import json, os, sys
json.load(sys.stdin)
json.dump({"output": {"env": dict(os.environ)}}, sys.stdout)
`,
      );
      const saved = Deno.env.get("LABOS_TOKEN");
      Deno.env.set("LABOS_TOKEN", "super-secret-token-0123456789");
      Deno.env.set("AWS_SECRET_ACCESS_KEY", "also-secret");
      try {
        const output = await module.run({}, { progress() {} }) as { env: Record<string, string> };
        const names = Object.keys(output.env);
        assert(!names.includes("LABOS_TOKEN"), names.join(" "));
        assert(!names.includes("AWS_SECRET_ACCESS_KEY"), names.join(" "));
        assert(!names.some((name) => name.startsWith("LABOS_")), names.join(" "));
        assert(!JSON.stringify(output.env).includes("super-secret"));
        assert(output.env.PATH.endsWith(Deno.env.get("PATH") ?? "?"), "PATH is kept");
      } finally {
        if (saved === undefined) Deno.env.delete("LABOS_TOKEN");
        else Deno.env.set("LABOS_TOKEN", saved);
        Deno.env.delete("AWS_SECRET_ACCESS_KEY");
      }
    });
  },
});

Deno.test({
  name: "item 12: a plugin that times out is stopped with every process it started",
  ignore: !PYTHON || Deno.build.os === "windows",
  fn: async () => {
    await withTempDir(async (dir) => {
      const module = await pythonPlugin(
        dir,
        `import subprocess, sys, time
child = subprocess.Popen(["sleep", "300"])
with open("child.pid", "w") as f:
    f.write(str(child.pid))
time.sleep(300)
`,
        // Generous: under load Python can take over a second to start and write child.pid.
        5000,
      );
      let failed = false;
      try {
        await module.run({}, { progress() {} });
      } catch (error) {
        failed = true;
        assertMatch((error as Error).message, /did not answer within 5000 ms and was stopped/);
      }
      assert(failed);
      const pid = (await Deno.readTextFile(`${dir}/child.pid`)).trim();
      let alive = true;
      for (let i = 0; i < 40 && alive; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const ps = await new Deno.Command("ps", { args: ["-o", "stat=", "-p", pid] }).output();
        const stat = new TextDecoder().decode(ps.stdout).trim();
        alive = ps.success && !stat.startsWith("Z");
      }
      assert(!alive, `the plugin's child ${pid} still runs`);
    });
  },
});

Deno.test("item 27: a manifest whose entry points outside its folder is refused", async () => {
  await withTempDir(async (dir) => {
    await Deno.copyFile(HALF_LIFE, `${dir}/half_life.mjs`);
    await Deno.mkdir(`${dir}/plugin`);
    const manifest = (entry: string) =>
      JSON.stringify({
        key: "fixture.half-life",
        version: "2.0.1",
        labosApi: "^1.0.0",
        entry,
      });
    await Deno.writeTextFile(`${dir}/plugin/labos-module.json`, manifest("../half_life.mjs"));
    await Deno.writeTextFile(
      `${dir}/labos.jsonc`,
      JSON.stringify({ dataDir: "./data", plugins: ["./plugin"] }),
    );
    const env = { LABOS_CONFIG_HOME: `${dir}/config-home` };
    const run = async () => {
      assertEquals((await runCli(["trust"], { cwd: dir, env })).code, 0);
      return await runCli(["modules", "list"], { cwd: dir, env });
    };
    const outside = await run();
    assertEquals(
      outside.stderr,
      `warning: plugin "./plugin" skipped: Invalid "entry" "../half_life.mjs" in labos-module.json: expected a file inside the plugin folder "${dir}/plugin"\n`,
    );
    assert(!outside.stdout.includes("fixture.half-life"));

    // A symbolic link inside the folder that leads out of it is refused too.
    await Deno.symlink(`${dir}/half_life.mjs`, `${dir}/plugin/link.mjs`);
    await Deno.writeTextFile(`${dir}/plugin/labos-module.json`, manifest("./link.mjs"));
    const linked = await run();
    assertStringIncludes(linked.stderr, `Invalid "entry" "./link.mjs"`);

    await Deno.copyFile(HALF_LIFE, `${dir}/plugin/mod.mjs`);
    await Deno.writeTextFile(`${dir}/plugin/labos-module.json`, manifest("./mod.mjs"));
    const inside = await run();
    assertEquals(inside.stderr, "");
    assertStringIncludes(inside.stdout, "fixture.half-life");
  });
});

Deno.test("items 2 and 18: archives never carry a journal, a lock or temporary files, and import refuses them", async () => {
  const { unzipSync, zipSync } = await import("fflate");
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    await lab.createExperiment({ title: "Titration" });
    await Deno.writeTextFile(`${dir}/data/experiments/.exp_x.json.abc123.tmp`, "{}");
    await Deno.writeTextFile(`${dir}/data/labos.lock.break`, "{}");
    await lab.exportArchive(`${dir}/clean.zip`);
    const entries = unzipSync(await Deno.readFile(`${dir}/clean.zip`));
    const names = Object.keys(entries);
    assert(!names.some((name) => /journal|labos\.lock|\.tmp$/.test(name)), names.join(" "));

    const manifest = JSON.parse(new TextDecoder().decode(entries["labos-archive.json"]));
    for (
      const [extra, content] of [
        ["data/journal.json", '{"writes":[]}\n'],
        ["data/labos.lock", '{"pid":1}\n'],
        ["data/experiments/.exp_1.json.0a1b2c.tmp", "{}"],
      ]
    ) {
      const bytes = new TextEncoder().encode(content);
      const forged = {
        ...manifest,
        files: [...manifest.files, {
          path: extra,
          size: bytes.length,
          sha256: hashBytes(bytes),
        }],
      };
      const files: Record<string, Uint8Array> = {
        "labos-archive.json": new TextEncoder().encode(JSON.stringify(forged, null, 2) + "\n"),
      };
      for (const name of names) if (name !== "labos-archive.json") files[name] = entries[name];
      files[extra] = bytes;
      await Deno.writeFile(`${dir}/forged.zip`, zipSync(files));
      const restored = openLab({ dataDir: `${dir}/restored`, actor: "tester" });
      let message = "";
      try {
        await restored.importArchive(`${dir}/forged.zip`);
      } catch (error) {
        message = (error as Error).message;
      }
      assertEquals(
        message,
        `Cannot import "${dir}/forged.zip": entry "${extra}" is a journal, lock or temporary file, which archives never hold`,
      );
      assert(!existsSync(`${dir}/restored`), "nothing written");
    }
  });
});

Deno.test("item 2: a restore cross-checks every record against its last audited hash; an edited record with a rehashed manifest is refused", async () => {
  const { unzipSync, zipSync } = await import("fflate");
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const experiment = await lab.createExperiment({ title: "Titration" });
    await lab.exportArchive(`${dir}/clean.zip`);
    const entries = unzipSync(await Deno.readFile(`${dir}/clean.zip`));
    const manifest = JSON.parse(new TextDecoder().decode(entries["labos-archive.json"]));
    const record = `data/experiments/${experiment.id}.json`;
    const { seq } = (await lab.listAudit({ limit: 1 })).items[0];

    /** Rewrites the archive with `change` applied and the manifest rehashed to match. */
    async function forge(change: (files: Record<string, Uint8Array>) => void): Promise<string> {
      const files: Record<string, Uint8Array> = { ...entries };
      delete files["labos-archive.json"];
      change(files);
      const listed = Object.keys(files).sort().map((name) => ({
        path: name,
        size: files[name].byteLength,
        sha256: hashBytes(files[name]),
      }));
      const forged = { ...manifest, files: listed };
      const file = `${dir}/forged-${crypto.randomUUID()}.zip`;
      await Deno.writeFile(
        file,
        zipSync({
          "labos-archive.json": new TextEncoder().encode(JSON.stringify(forged, null, 2) + "\n"),
          ...files,
        }),
      );
      return file;
    }

    const cases: Array<[(files: Record<string, Uint8Array>) => void, string]> = [
      [
        (files) => {
          const text = new TextDecoder().decode(files[record]).replace("Titration", "Titrati0n");
          files[record] = new TextEncoder().encode(text);
        },
        `the archived experiment "${experiment.id}" differs from its last audited state (seq ${seq}): it was edited outside LabOS; nothing was restored`,
      ],
      [
        (files) => {
          delete files[record];
        },
        `the archived experiment "${experiment.id}" was audited at seq ${seq} but its file is missing; nothing was restored`,
      ],
      [
        (files) => {
          const text = new TextDecoder().decode(files[record]).replaceAll(
            experiment.id,
            "exp_01ARZ3NDEKTSV4RRFFQ69G5FAV",
          );
          files["data/experiments/exp_01ARZ3NDEKTSV4RRFFQ69G5FAV.json"] = new TextEncoder().encode(
            text,
          );
        },
        `the archived experiment "exp_01ARZ3NDEKTSV4RRFFQ69G5FAV" has no audit event: it was not written by LabOS; nothing was restored`,
      ],
    ];
    for (const [change, expected] of cases) {
      const file = await forge(change);
      const result = await runCli(["--data-dir", `${dir}/restored`, "import-archive", file], {
        cwd: dir,
      });
      assertEquals(result.code, 1, result.stderr);
      assertEquals(result.stderr, `error: Cannot import "${file}": ${expected}\n`);
      assert(!existsSync(`${dir}/restored`), "nothing written");
      assertEquals([...Deno.readDirSync(dir)].filter((e) => e.name.includes("import-")), []);
    }
    const corrupt = await forge((files) => {
      files[record] = new TextEncoder().encode("{");
    });
    const refused = await runCli(["--data-dir", `${dir}/restored`, "import-archive", corrupt]);
    assertEquals(refused.code, 1, refused.stderr);
    assertStringIncludes(
      refused.stderr,
      `: "data/experiments/${experiment.id}.json" is not a valid record (not valid JSON`,
    );
    assert(!existsSync(`${dir}/restored`), "nothing written");
    // The untouched archive still restores.
    const restored = openLab({ dataDir: `${dir}/restored`, actor: "tester" });
    assertEquals((await restored.importArchive(`${dir}/clean.zip`)).files, manifest.files.length);
  });
});

/** A data folder whose disk fills up (ENOSPC) when `full` says so, as a real full disk would. */
function fillingDisk(
  storage: LabStorage,
  full: (path: string, step: "create" | "write") => boolean,
): LabStorage {
  const enospc = () =>
    Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  return new Proxy(storage, {
    get(target, key) {
      if (key === "restore") {
        return <T>(fill: (sink: RestoreSink) => Promise<T>, options: { context: string }) =>
          target.restore((sink) =>
            fill({
              ...sink,
              async create(path) {
                if (full(path, "create")) throw enospc();
                const handle = await sink.create(path);
                return {
                  async write(chunk: Uint8Array) {
                    if (full(path, "write")) throw enospc();
                    await handle.write(chunk);
                  },
                  close: () => handle.close(),
                };
              },
            }), options);
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("item 20: a full disk during import is reported as ENOSPC, naming the file, and nothing is left", async () => {
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    await lab.createExperiment({ title: "Titration" });
    await lab.exportArchive(`${dir}/backup.zip`);
    const file = `${dir}/backup.zip`;
    for (
      const [path, step] of [["audit/log.jsonl", "write"], ["labos.json", "create"]] as const
    ) {
      const storage = fillingDisk(
        new FolderStorage(`${dir}/restored`),
        (at, now) => at === path && now === step,
      );
      let error: unknown;
      try {
        await importArchive(storage, file);
      } catch (caught) {
        error = caught;
      }
      assert(error instanceof LabosError, String(error));
      assertEquals(
        error.message,
        `Cannot import "${file}": the disk is full (ENOSPC) while writing "data/${path}"; nothing was restored`,
      );
      assertEquals(error.exitCode, 1);
      assert(!existsSync(`${dir}/restored`), "nothing written");
      assertEquals([...Deno.readDirSync(dir)].map((entry) => entry.name).sort(), [
        "backup.zip",
        "data",
      ]);
    }
    // The same archive restores on a disk with room.
    await importArchive(new FolderStorage(`${dir}/restored`), file);
  });
});

function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("item 10: module outputs and table cells show control characters escaped", () => {
  assertEquals(
    describeValue({ note: "ok\r\x1b[1Aforged", rows: [{ a: 1 }, { b: "\x1b[2J" }] }),
    "note  ok\\r\\e[1Aforged\n\nrows:\na  b\n-  -----\n1\n   \\e[2J",
  );
  assertEquals(table(["A"], [["x\u202ey"]]), "A\n--------\nx\\u202ey\n");
});

Deno.test("item 23: init refuses a non-empty foreign folder unless --force, and export archives only LabOS's own files", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await Deno.mkdir(`${home}/.ssh`, { recursive: true });
    await Deno.writeTextFile(`${home}/.ssh/id_ed25519`, "secret key");
    await Deno.writeTextFile(`${home}/notes.txt`, "mine");
    const refused = await runCli(["--data-dir", home, "init"], { cwd: dir });
    assertEquals(refused.code, 2, refused.stderr);
    assertEquals(
      refused.stderr,
      `error: Cannot initialise "${home}": the folder is not empty and not a LabOS data folder (it holds ".ssh" and 1 more); choose a new or empty folder, or pass --force\n`,
    );
    assertEquals([...Deno.readDirSync(home)].map((entry) => entry.name).sort(), [
      ".ssh",
      "notes.txt",
    ]);

    const forced = await runCli(["--data-dir", home, "init", "--force"], { cwd: dir });
    assertEquals(forced.code, 0, forced.stderr);
    const again = await runCli(["--data-dir", home, "init"], { cwd: dir });
    assertEquals(again.code, 0, again.stderr);
    const exported = await runCli(["--data-dir", home, "export", "--out", `${dir}/lab.zip`], {
      cwd: dir,
    });
    assertEquals(exported.code, 0, exported.stderr);
    const { unzipSync } = await import("fflate");
    const names = Object.keys(unzipSync(await Deno.readFile(`${dir}/lab.zip`)));
    assert(names.includes("data/labos.json"), names.join(" "));
    assert(!names.some((name) => /ssh|notes/.test(name)), names.join(" "));

    // An empty folder, a missing one and a half-initialised LabOS folder need no --force.
    await Deno.mkdir(`${dir}/partial/experiments`, { recursive: true });
    const partial = await runCli(["--data-dir", `${dir}/partial`, "init"], { cwd: dir });
    assertEquals(partial.code, 0, partial.stderr);
  });
});

Deno.test("item 19: a refused import leaves behind no parent folder it created", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/bad.zip`, "not a zip");
    const target = `${dir}/new/nested/data`;
    const refused = await runCli(["--data-dir", target, "import-archive", `${dir}/bad.zip`], {
      cwd: dir,
    });
    assertEquals(refused.code, 2, refused.stderr);
    assertEquals(refused.stderr.trimEnd().split("\n").length, 1, refused.stderr);
    assert(!existsSync(`${dir}/new`), "the parent folders were left behind");
    const missing = await runCli(
      ["--data-dir", target, "import-archive", `${dir}/missing.zip`],
      { cwd: dir },
    );
    assertStringIncludes(missing.stderr, "no such file");
    assert(!existsSync(`${dir}/new`), "the parent folders were left behind");
    assertEquals([...Deno.readDirSync(dir)].map((entry) => entry.name), ["bad.zip"]);
  });
});

Deno.test("item 26: module errors are one line; the details go to the job record, capped", async () => {
  const failing = (key: string, run: () => never) =>
    defineModule({
      key,
      version: "1.0.0",
      title: "Failing",
      domain: "test",
      summary: "Fails",
      method: "Throws",
      citations: [],
      limitations: [],
      learnerNotes: [],
      examples: [],
      input: z.object({}),
      output: z.object({}),
      run,
    });
  const registry = new ModuleRegistry();
  registry.register(failing("test.lines", () => {
    throw new ModuleError(`Bad calibration\n  at point 3\n${"detail ".repeat(10_000)}`);
  }));
  registry.register(failing("test.zod", () => {
    z.object({ a: z.number(), b: z.string() }).parse({});
    throw new Error("unreachable");
  }));
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester", modules: registry });
    await lab.init();
    const lines = await lab.run({ module: "test.lines", input: {} });
    assertEquals(lines.job.status, "failed");
    assertEquals(lines.job.error?.message, "Bad calibration");
    assertStringIncludes(lines.job.error?.detail ?? "", "at point 3");
    assert((lines.job.error?.detail ?? "").length <= 8 * 1024 + 40, "the details are capped");
    assertEquals(lines.job.error?.stack, undefined, "no stack trace without LABOS_DEBUG=1");
    const zod = await lab.run({ module: "test.zod", input: {} });
    assertEquals(zod.job.status, "failed");
    const message = zod.job.error?.message ?? "";
    assert(!message.includes("\n"), message);
    assertMatch(message, /^Unexpected error in module: /);
    assertStringIncludes(zod.job.error?.detail ?? "", '"b"');
    assertEquals((await lab.getJob(zod.job.id)).error?.message, message);
  });
});

Deno.test("item 25: a cell too big to store is refused with the size and the limit, exit 2, nothing written", async () => {
  await withTempDir(async (dir) => {
    assertEquals((await runCli(["--data-dir", `${dir}/data`, "init"], { cwd: dir })).code, 0);
    const before = await Deno.readTextFile(`${dir}/data/audit/log.jsonl`);
    const file = await Deno.open(`${dir}/big.csv`, { write: true, create: true });
    await file.write(new TextEncoder().encode("note\n"));
    const chunk = new Uint8Array(1 << 20).fill(1);
    // 60 M control characters: under the 64 MiB file limit, but six characters each in JSON.
    for (let i = 0; i < 60; i++) await file.write(chunk);
    await file.write(new TextEncoder().encode("\n"));
    file.close();
    const result = await runCli(["--data-dir", `${dir}/data`, "import", "big.csv"], { cwd: dir });
    assertEquals(result.code, 2, result.stderr);
    assertMatch(
      result.stderr,
      /^error: Cannot import "big\.csv": the record would take \d+ MiB to store, more than the 256 MiB limit\n$/,
    );
    assertEquals(await Deno.readTextFile(`${dir}/data/audit/log.jsonl`), before);
    assertEquals([...Deno.readDirSync(`${dir}/data/datasets`)], []);
  });
});

Deno.test("item 9: a damaged journal.json blocks writes with a pointer to doctor --repair, which quarantines it and says what was lost", async () => {
  await withTempDir(async (dir) => {
    const data = `${dir}/data`;
    const lab = openLab({ dataDir: data, actor: "tester" });
    await lab.init();
    await lab.createExperiment({ title: "Before" });
    await Deno.writeTextFile(`${data}/journal.json`, '{"v":1,"baseSeq":2,"reco');
    let message = "";
    try {
      await lab.createExperiment({ title: "Blocked" });
    } catch (error) {
      message = (error as Error).message;
    }
    assertEquals(
      message,
      `Cannot write to ${data}: journal.json, left by an interrupted write, is damaged (not valid JSON); run "labos doctor --repair" to move it aside`,
    );
    const checked = await runCli(["--data-dir", data, "doctor"], { cwd: dir });
    assertEquals(checked.code, 1, checked.stderr);
    assertStringIncludes(checked.stdout, "damaged-journal");
    assert(existsSync(`${data}/journal.json`), "plain doctor moves nothing");

    const repaired = await runCli(["--data-dir", data, "doctor", "--repair"], { cwd: dir });
    assertEquals(repaired.code, 0, repaired.stdout + repaired.stderr);
    assertStringIncludes(repaired.stdout, "That write is lost");
    assertStringIncludes(repaired.stdout, `"labos import-archive"`);
    assert(!existsSync(`${data}/journal.json`));
    const moved = [...Deno.readDirSync(`${data}/quarantine/data`)].map((entry) => entry.name);
    assertEquals(moved.length, 1);
    assertMatch(moved[0], /^\d+-journal\.json$/);
    const { items } = await lab.listAudit({ limit: 1 });
    assertEquals(items[0].action, "data.quarantined");
    assertEquals((items[0].details as { from: string }).from, "journal.json");
    await lab.createExperiment({ title: "After" });
    assertEquals((await lab.doctor()).ok, true);
  });
});

/**
 * Runs the CLI with `dataDir` read-only: a read-only bind mount in a user
 * namespace (Linux), else without write permission when not root.
 * Undefined when neither is possible here.
 */
async function runCliReadOnly(
  dataDir: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  if (Deno.build.os === "linux") {
    const probe = await new Deno.Command("unshare", {
      args: [
        "-Urm",
        "sh",
        "-c",
        'mount --bind -o ro "$0" "$0" && ! touch "$0/.probe" 2>/dev/null',
        dataDir,
      ],
      stdout: "null",
      stderr: "null",
    }).output().catch(() => undefined);
    if (probe?.success) {
      const output = await new Deno.Command("unshare", {
        args: [
          "-Urm",
          "sh",
          "-c",
          'mount --bind -o ro "$0" "$0" && exec "$@"',
          dataDir,
          Deno.execPath(),
          "run",
          "-A",
          "--quiet",
          CLI_PATH,
          ...args,
        ],
        cwd,
        env: { NO_COLOR: "1", LABOS_ACTOR: "tester", LABOS_CONFIG_HOME: CONFIG_HOME },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const decoder = new TextDecoder();
      return {
        code: output.code,
        stdout: decoder.decode(output.stdout),
        stderr: decoder.decode(output.stderr),
      };
    }
  }
  if (Deno.build.os === "windows" || Deno.uid() === 0) return undefined;
  const folders = [
    dataDir,
    ...["audit", "experiments", "datasets", "jobs", "indexes"].map((name) => `${dataDir}/${name}`),
  ];
  for (const folder of folders) await Deno.chmod(folder, 0o555);
  try {
    return await runCli(args, { cwd });
  } finally {
    for (const folder of folders) await Deno.chmod(folder, 0o755);
  }
}

Deno.test("item 21: a read-only data folder can be exported; the archive imports", async () => {
  await withTempDir(async (dir) => {
    const data = `${dir}/data`;
    const lab = openLab({ dataDir: data, actor: "tester" });
    await lab.init();
    await lab.createExperiment({ title: "Read-only" });
    const result = await runCliReadOnly(data, [
      "--data-dir",
      data,
      "export",
      "--out",
      `${dir}/ro.zip`,
    ], dir);
    if (result === undefined) return; // No way to make a folder read-only here.
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(result.stdout, `to ${dir}/ro.zip`);
    assert(!existsSync(`${data}/labos.lock`));
    const restored = openLab({ dataDir: `${dir}/restored`, actor: "tester" });
    assertEquals((await restored.importArchive(`${dir}/ro.zip`)).files, 4 + 1);

    // An interrupted write cannot be replayed there: refused, with what to do.
    await Deno.writeTextFile(
      `${data}/journal.json`,
      '{"v":1,"baseSeq":2,"records":[],"events":[]}',
    );
    const pending = await runCliReadOnly(data, [
      "--data-dir",
      data,
      "export",
      "--out",
      `${dir}/j.zip`,
    ], dir);
    assertEquals(pending?.code, 1, pending?.stderr);
    assertEquals(
      pending?.stderr,
      `error: Cannot read "${data}": it is read-only and an interrupted write left journal.json; copy the folder somewhere writable and run "labos doctor --repair" there\n`,
    );
  });
});

Deno.test("item 11: an append checks the end of the log; damage in the middle stays detected after it, at its seq", async () => {
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "ada" });
    await lab.init();
    for (const title of ["A", "B", "C"]) await lab.createExperiment({ title });
    const log = `${dir}/data/audit/log.jsonl`;
    const lines = (await Deno.readTextFile(log)).split("\n");
    // Event 2 (the first experiment.created): change its title, keep its stored hash.
    lines[1] = lines[1].replace('"title":"A"', '"title":"Z"');
    await Deno.writeTextFile(log, lines.join("\n"));

    // The README says what an append checks: the end of the log, which is intact.
    await lab.createExperiment({ title: "D" });
    const verify = await runCli(["--data-dir", `${dir}/data`, "audit", "verify"]);
    assertEquals(verify.code, 1);
    assertMatch(verify.stdout + verify.stderr, /seq 2\b/);

    // Damage at the end is refused before anything is written.
    const tail = (await Deno.readTextFile(log)).trimEnd().split("\n");
    tail[tail.length - 1] = tail[tail.length - 1].replace('"title":"D"', '"title":"Y"');
    await Deno.writeTextFile(log, `${tail.join("\n")}\n`);
    const before = await Deno.readTextFile(log);
    const refused = await runCli([
      "--data-dir",
      `${dir}/data`,
      "experiments",
      "create",
      "--title",
      "E",
    ]);
    assertEquals(refused.code, 1);
    assertStringIncludes(refused.stderr, "the last line is not a valid audit record");
    assertEquals(await Deno.readTextFile(log), before);
  });
});

/** The one-line refusal of a symbolic link at `relative` inside the data folder. */
function linkRefusal(relative: string): string {
  return `Refusing to use "${relative}" in the data folder: it is a symbolic link; LabOS never follows links inside the data folder (run "labos doctor")`;
}

Deno.test("item 16: an id index that is a symbolic link is refused by the CLI and the API; its target never shows", async () => {
  await withPanel(async ({ lab, dir, request }) => {
    const data = `${dir}/data`;
    await lab.createExperiment({ title: "Real" });
    const secret = "TOPSECRET-".repeat(40);
    await Deno.writeTextFile(`${dir}/secret.txt`, `${secret}\n`);
    await Deno.remove(`${data}/indexes/experiments.ids`);
    await Deno.symlink(`${dir}/secret.txt`, `${data}/indexes/experiments.ids`);

    const listed = await runCli(["--data-dir", data, "experiments", "list"], { cwd: dir });
    assertEquals(listed.code, 1, listed.stdout + listed.stderr);
    assertEquals(listed.stderr.trim(), `error: ${linkRefusal("indexes/experiments.ids")}`);
    assert(!(listed.stdout + listed.stderr).includes("TOPSECRET"), listed.stderr);

    const response = await request("/api/v1/experiments");
    const body = await response.text();
    assertEquals(response.status, 500, body);
    assertEquals(JSON.parse(body).error.message, linkRefusal("indexes/experiments.ids"));
    assert(!body.includes("TOPSECRET"), body);
  });
});

Deno.test("item 16: a corrupt id index or manifest is named, and its error quotes at most 60 characters of it", async () => {
  await withTempDir(async (dir) => {
    const data = `${dir}/data`;
    const lab = openLab({ dataDir: data, actor: "tester" });
    await lab.init();
    const real = await lab.createExperiment({ title: "Real" });
    // Fixed-width lines of something that is not an id: the index is damaged, not a bad request.
    await Deno.writeTextFile(`${data}/indexes/experiments.ids`, `${"Q".repeat(30)}\n`.repeat(50));
    const listed = await runCli(["--data-dir", data, "experiments", "list"], { cwd: dir });
    assertEquals(listed.code, 1, listed.stderr);
    assertEquals(
      listed.stderr.trim(),
      `error: Corrupt id index "indexes/experiments.ids": line 1 is not an experiment id ("${
        "Q".repeat(30)
      }"); run "labos doctor --repair" to rebuild it`,
    );

    const manifest = JSON.parse(await Deno.readTextFile(`${data}/labos.json`));
    await Deno.writeTextFile(
      `${data}/labos.json`,
      JSON.stringify({ ...manifest, format: "S".repeat(500) }),
    );
    const shown = await runCli(["--data-dir", data, "experiments", "show", real.id], { cwd: dir });
    assertEquals(shown.code, 2, shown.stderr);
    assertEquals(shown.stderr.trim().split("\n").length, 1);
    assertStringIncludes(shown.stderr, `("format" is "${"S".repeat(60)}"..., expected`);
    assert(!shown.stderr.includes("S".repeat(61)), shown.stderr);
  });
});

Deno.test("item 17: a record folder that is a symbolic link is never written through; doctor reports it", async () => {
  await withTempDir(async (dir) => {
    const data = `${dir}/data`;
    const lab = openLab({ dataDir: data, actor: "tester" });
    await lab.init();
    await lab.createExperiment({ title: "Before" });
    await Deno.mkdir(`${dir}/outside`);
    await Deno.rename(`${data}/experiments`, `${dir}/moved`);
    await Deno.symlink(`${dir}/outside`, `${data}/experiments`);
    const log = await Deno.readTextFile(`${data}/audit/log.jsonl`);

    const created = await runCli(["--data-dir", data, "experiments", "create", "--title", "X"], {
      cwd: dir,
    });
    assertEquals(created.code, 1, created.stdout + created.stderr);
    assertEquals(created.stderr.trim(), `error: ${linkRefusal("experiments/")}`);
    assertEquals([...Deno.readDirSync(`${dir}/outside`)], []);
    assertEquals(await Deno.readTextFile(`${data}/audit/log.jsonl`), log);
    assert(!existsSync(`${data}/journal.json`), "refused before the journal");

    const checked = await runCli(["--data-dir", data, "doctor"], { cwd: dir });
    assertEquals(checked.code, 1, checked.stdout + checked.stderr);
    assertStringIncludes(checked.stdout, "symbolic-link");
    assertStringIncludes(checked.stdout, `"experiments" is a symbolic link to "${dir}/outside"`);
    // What lies behind the link is unread, not missing.
    assert(!checked.stdout.includes("missing-record"), checked.stdout);
    const repaired = await runCli(["--data-dir", data, "doctor", "--repair"], { cwd: dir });
    assertEquals(repaired.code, 1, repaired.stdout + repaired.stderr);
    assertStringIncludes(repaired.stdout, "leaves it in place");
    assert(Deno.lstatSync(`${data}/experiments`).isSymlink);
    assertEquals([...Deno.readDirSync(`${dir}/outside`)], []);
  });
});

Deno.test("item 17: an audit log that is a symbolic link is never appended through; doctor reports it", async () => {
  await withTempDir(async (dir) => {
    const data = `${dir}/data`;
    const lab = openLab({ dataDir: data, actor: "tester" });
    await lab.init();
    await lab.createExperiment({ title: "Before" });
    // A verifying copy outside: following the link would append to it and doctor would pass.
    await Deno.rename(`${data}/audit/log.jsonl`, `${dir}/outside.jsonl`);
    await Deno.symlink(`${dir}/outside.jsonl`, `${data}/audit/log.jsonl`);
    const before = await Deno.readTextFile(`${dir}/outside.jsonl`);

    const created = await runCli(["--data-dir", data, "experiments", "create", "--title", "X"], {
      cwd: dir,
    });
    assertEquals(created.code, 1, created.stdout + created.stderr);
    assertEquals(created.stderr.trim(), `error: ${linkRefusal("audit/log.jsonl")}`);
    assertEquals(await Deno.readTextFile(`${dir}/outside.jsonl`), before);
    assertEquals((await lab.listExperiments()).items.map((item) => item.title), ["Before"]);

    const checked = await runCli(["--data-dir", data, "doctor"], { cwd: dir });
    assertEquals(checked.code, 1, checked.stdout + checked.stderr);
    assertStringIncludes(checked.stdout, "symbolic-link");
    assertStringIncludes(
      checked.stdout,
      `"audit/log.jsonl" is a symbolic link to "${dir}/outside.jsonl"`,
    );
  });
});
