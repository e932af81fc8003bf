/**
 * Fuzzing and bad input (fast-check): CLI arguments (in process, through
 * `main` with a fake io), module inputs, CSV files, `labos.jsonc`, record
 * files, ids, symbolic links and HTTP requests. None may crash with a stack
 * trace, hang or write partially. CI runs LABOS_FUZZ_RUNS (default 150) per
 * property; `deno task soak` runs 2,000.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import fc from "fast-check";
import { assert, assertEquals, assertMatch, assertRejects } from "../_assert.ts";
import { withTempDir } from "../_cli.ts";
import { main } from "../../src/cli/mod.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { LabosError } from "../../src/errors.ts";
import { newId } from "../../src/records/mod.ts";
import { createApp } from "../../src/server/mod.ts";
import { folderInternals } from "../../src/storage/folder/internals.ts";
import { type Lab, openLab } from "../../src/service/mod.ts";
import { folderOnlyTest, openTestLab } from "../_store.ts";
import { count, STACK_LINE } from "./_common.ts";

const RUNS = count("LABOS_FUZZ_RUNS", 150, 2000);
const SEED = Number(Deno.env.get("LABOS_SEED") ?? 7);

/** Every file under a folder with its bytes, to prove that nothing was written. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = `${entry.parentPath ?? (entry as unknown as { path: string }).path}/${entry.name}`;
    files.set(file, await fs.readFile(file, "latin1"));
  }
  return files;
}

function assertOneLine(message: string, where: string): void {
  assert(!message.includes("\n"), `${where}: a multi-line message: ${JSON.stringify(message)}`);
  assert(!STACK_LINE.test(message), `${where}: a stack trace`);
}

function expectLabosError(error: unknown, kinds: string[], where: string): void {
  assert(
    error instanceof LabosError,
    `${where}: not a LabosError: ${(error as Error)?.stack ?? String(error)}`,
  );
  assert(kinds.includes(error.kind), `${where}: kind ${error.kind}: ${error.message}`);
  assertOneLine(error.message, where);
}

const VOCABULARY = [
  "init",
  "status",
  "doctor",
  "--repair",
  "experiments",
  "create",
  "list",
  "show",
  "transition",
  "modules",
  "run",
  "jobs",
  "retry",
  "rerun",
  "--check",
  "datasets",
  "lineage",
  "import",
  "audit",
  "verify",
  "head",
  "export",
  "migrate",
  "--dry-run",
  "--force",
  "--reason",
  "--from-legacy",
  "import-archive",
  "config",
  "templates",
  "--json",
  "--title",
  "--tag",
  "--status",
  "--limit",
  "--offset",
  "--param",
  "--map",
  "--experiment",
  "--from-dataset",
  "--input",
  "--units",
  "--delimiter",
  "--decimal-comma",
  "--actor",
  "--action",
  "--target",
  "--since",
  "--help",
  "-V",
  "draft",
  "running",
  "completed",
  "archived",
  "thermo.calorimetry",
  "kinetics.arrhenius",
  "ms.isotope-pattern",
  "massG=100",
  "initialTempC=22",
  "finalTempC=28.9",
  "amountMol=0.05",
  "massG=-3",
  "massG=NaN",
  "massG=1e309",
  "0",
  "-1",
  "99999999999",
  "../../etc/passwd",
  "/etc/passwd",
  "exp_\u0000",
  "exp_01ARZ3NDEKTSV4RRFFQ69G5FAV",
  "job_01ARZ3NDEKTSV4RRFFQ69G5FAV",
  "ds_01ARZ3NDEKTSV4RRFFQ69G5FAV",
  "Ünïcödé 🧪",
  "",
];

const argument = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VOCABULARY) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => `--${s}`) },
);

// Folder-only: it compares the data folder's files before and after.
folderOnlyTest(
  `fuzz: ${RUNS} random CLI argument lists run in process: exit 0, 1 or 2, one-line errors, no partial writes`,
  async () => {
    await withTempDir(async (dir) => {
      const dataDir = `${dir}/data`;
      const lab = openLab({ dataDir, actor: "fuzz" });
      await lab.init();
      await lab.createExperiment({ title: "Seed" });
      await fc.assert(
        fc.asyncProperty(fc.array(argument, { maxLength: 8 }), async (args) => {
          // Commands that serve, scaffold, write files outside the data folder or read stdin are left out.
          fc.pre(!args.some((arg) => ["serve", "demo", "new", "-", "--out"].includes(arg)));
          const before = await snapshot(dataDir);
          const out: string[] = [];
          const err: string[] = [];
          const code = await main(args, {
            stdout: (text) => out.push(text),
            stderr: (text) => err.push(text),
            env: { LABOS_DATA_DIR: dataDir, LABOS_ACTOR: "fuzz", NO_COLOR: "1" },
            cwd: dir,
            isTTY: false,
          });
          const where = `labos ${JSON.stringify(args)}`;
          assert([0, 1, 2].includes(code), `${where}: exit ${code}`);
          const stderr = err.join("");
          assert(
            !STACK_LINE.test(stderr) && !STACK_LINE.test(out.join("")),
            `${where}: stack trace`,
          );
          const errors = stderr.split("\n").filter((line) => line.startsWith("error:"));
          // Besides error and warning lines, stderr may only hold commander's help (a missing subcommand).
          const other = stderr.split("\n").filter((line) =>
            line !== "" && !line.startsWith("error:") && !line.startsWith("warning:")
          );
          assert(other.length === 0 || other[0].startsWith("Usage: labos"), `${where}: ${stderr}`);
          if (code === 2) {
            assertEquals(errors.length, 1, `${where}: ${stderr}`);
            assertEquals(await snapshot(dataDir), before, `${where}: wrote although it failed`);
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
      const report = await lab.doctor();
      assertEquals(report.problems, []);
    });
  },
);

function deep(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const strangeValue = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, Number.MIN_VALUE, 1e308 * 10),
  fc.integer(),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.double(), { maxLength: 6 }),
  fc.constantFrom(
    Array.from({ length: 200_000 }, (_, i) => i),
    new Array(100_000).fill(NaN),
    deep(20),
    deep(3_000),
    [[[[[[[[[[[]]]]]]]]]]],
    { ["__proto__"]: { polluted: true } },
    "\u0000\ud800💥",
  ),
);

Deno.test(`fuzz: ${RUNS} strange module inputs give a validation error or a recorded job, never a crash`, async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "fuzz" });
    await lab.init();
    const modules = (await lab.listModules()).map((module) => module.key);
    const fields = [
      ...new Set(
        (await lab.listModules()).flatMap((module) =>
          Object.keys((module.inputSchema as { properties?: object }).properties ?? {})
        ),
      ),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...modules, "no.such-module"),
        fc.dictionary(fc.constantFrom(...fields, "extra", "ünï"), strangeValue, { maxKeys: 6 }),
        async (module, input) => {
          const started = performance.now();
          try {
            const { job } = await lab.run({ module, input });
            assert(job.status === "succeeded" || job.status === "failed");
          } catch (error) {
            expectLabosError(error, ["invalid", "not_found"], `run ${module}`);
          }
          assert(performance.now() - started < 10_000, `run ${module} took too long`);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    assertEquals((await lab.doctor()).problems, []);
  });
});

Deno.test(`fuzz: ${RUNS} random CSV files are imported or refused with one line, never half-written`, async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "fuzz" });
    await lab.init();
    const datasets = async () => (await lab.status()).counts.datasets;
    const csvText = fc.array(
      fc.array(
        fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 6 }),
          fc.constantFrom('"', ",", ";", "\r", "1,5", "NaN", ""),
        ),
        { maxLength: 5 },
      ).map((cells) => cells.join(",")),
      { maxLength: 8 },
    ).map((lines) => new TextEncoder().encode(lines.join("\n")));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(csvText, fc.uint8Array({ maxLength: 200 })),
        fc.boolean(),
        async (bytes, decimalComma) => {
          const before = await datasets();
          try {
            const dataset = await lab.importCsv({ fileName: "fuzz.csv", bytes, decimalComma });
            assertEquals(dataset.kind, "imported");
            assertEquals(await datasets(), before + 1);
          } catch (error) {
            expectLabosError(error, ["invalid"], "import");
            assertEquals(await datasets(), before);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    assertEquals((await lab.doctor()).problems, []);
  });
});

// Folder-only: no store is involved; it runs once, on the folder run.
folderOnlyTest(`fuzz: ${RUNS} random labos.jsonc files load or fail with one line`, async () => {
  await withTempDir(async (dir) => {
    const jsonc = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 60 }),
      fc.json().map((text) => `// lab\n${text}`),
      fc.dictionary(
        fc.constantFrom("dataDir", "actor", "display", "modules", "plugins", "templates", "x"),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 4 },
      ).map((value) => `{ ${JSON.stringify(value).slice(1, -1)}, }`),
    );
    await fc.assert(
      fc.asyncProperty(jsonc, async (text) => {
        await fs.writeFile(`${dir}/labos.jsonc`, text);
        try {
          loadConfig({ cwd: dir, env: {} });
        } catch (error) {
          expectLabosError(error, ["invalid"], `labos.jsonc ${JSON.stringify(text)}`);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

// Folder-only: it writes bytes into a record file.
folderOnlyTest(
  `fuzz: ${RUNS} random bytes in a record file give a one-line error naming the file`,
  async () => {
    await withTempDir(async (dir) => {
      const lab = openLab({ dataDir: dir, actor: "fuzz" });
      await lab.init();
      const experiment = await lab.createExperiment({ title: "Victim" });
      const file = folderInternals(lab.dataDir).store.pathOf("experiment", experiment.id);
      const original = await fs.readFile(file);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.integer({ min: 0, max: original.length - 1 }).chain((at) =>
              fc.integer({ min: 0, max: 255 }).map((byte) => {
                const copy = new Uint8Array(original);
                copy[at] = byte;
                return copy;
              })
            ),
          ),
          async (bytes) => {
            await fs.writeFile(file, bytes);
            try {
              await folderInternals(lab.dataDir).store.get("experiment", experiment.id);
            } catch (error) {
              expectLabosError(error, ["invalid"], "get");
              assert((error as Error).message.includes(file), (error as Error).message);
            }
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );
    });
  },
);

// Folder-only: it checks paths inside the data folder.
folderOnlyTest(
  "ids cannot reach outside the data folder: ../, absolute paths, NUL bytes",
  async () => {
    await withTempDir(async (dir) => {
      const lab = openLab({ dataDir: `${dir}/data`, actor: "fuzz" });
      await lab.init();
      const hostile = [
        "../../etc/passwd",
        "/etc/passwd",
        "exp_../../../../etc/passwd",
        `exp_${"0".repeat(25)}\u0000`,
        "exp_01ARZ3NDEKTSV4RRFFQ69G5FA/",
        "exp_01arz3ndektsv4rrffq69g5fav",
        "exp_01ARZ3NDEKTSV4RRFFQ69G5FAVX",
        "..",
        "",
      ];
      for (const id of hostile) {
        const error = await assertRejects(() => lab.getExperiment(id));
        expectLabosError(error, ["invalid"], `get ${JSON.stringify(id)}`);
        const out: string[] = [];
        const err: string[] = [];
        const code = await main(["experiments", "show", id], {
          stdout: (text) => out.push(text),
          stderr: (text) => err.push(text),
          env: { LABOS_DATA_DIR: `${dir}/data`, LABOS_ACTOR: "fuzz" },
          cwd: dir,
          isTTY: false,
        });
        assertEquals(code, 2);
        assertMatch(err.join(""), /^error: Invalid experiment id/);
      }
      await fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 40 }), (id) => {
          try {
            const file = folderInternals(lab.dataDir).store.pathOf("experiment", id);
            assert(
              file.startsWith(`${dir}/data/experiments/exp_`) &&
                !file.slice(dir.length).includes(".."),
            );
          } catch (error) {
            expectLabosError(error, ["invalid"], "pathOf");
          }
        }),
        { numRuns: RUNS * 10, seed: SEED },
      );
    });
  },
);

// Folder-only: it plants symbolic links in the data folder.
folderOnlyTest(
  "records are never read through a symbolic link, inside or out of the data folder",
  async () => {
    await withTempDir(async (dir) => {
      const lab = openLab({ dataDir: `${dir}/data`, actor: "fuzz" });
      await lab.init();
      const real = await lab.createExperiment({ title: "Real" });
      await fs.writeFile(`${dir}/outside.json`, JSON.stringify({ ...real, id: "exp_X" }));
      const targets = [
        "/etc/passwd",
        `${dir}/outside.json`,
        folderInternals(lab.dataDir).store.pathOf("experiment", real.id),
      ];
      for (const target of targets) {
        const id = newId("experiment");
        await fs.symlink(target, folderInternals(lab.dataDir).store.pathOf("experiment", id));
        const error = await assertRejects(() => lab.getExperiment(id));
        expectLabosError(error, ["invalid"], `symlink to ${target}`);
        assertMatch(error.message, /symbolic link/);
        const report = await lab.doctor();
        assert(
          report.problems.some((p) =>
            p.kind === "symbolic-link" && /symbolic link/.test(p.message)
          ),
        );
        await fs.rm(folderInternals(lab.dataDir).store.pathOf("experiment", id));
      }
      const list = await lab.listExperiments();
      assertEquals(list.items.map((item) => item.id), [real.id]);
    });
  },
);

/** Builds an app over a lab with a token, for in-process requests. */
async function panel(dir: string): Promise<{ lab: Lab; app: ReturnType<typeof createApp> }> {
  const lab = await openTestLab({ dataDir: dir, actor: "fuzz" });
  await lab.init();
  return { lab, app: createApp({ lab, token: "fuzz-token-0123456789abcdef", port: 8321 }) };
}

Deno.test(`fuzz: ${RUNS} random HTTP requests get a JSON 4xx or a success, never a 500 or a stack`, async () => {
  await withTempDir(async (dir) => {
    const { lab, app } = await panel(dir);
    await using _closed = lab;
    const experiment = await lab.createExperiment({ title: "HTTP" });
    const paths = [
      "/api/v1/experiments",
      `/api/v1/experiments/${experiment.id}`,
      `/api/v1/experiments/${experiment.id}/transition`,
      "/api/v1/experiments/../../etc/passwd",
      "/api/v1/experiments/%00",
      "/api/v1/runs",
      "/api/v1/jobs",
      "/api/v1/jobs/job_x/retry",
      "/api/v1/datasets/import",
      "/api/v1/datasets?limit=-1",
      "/api/v1/audit?since=yesterday&limit=1e9",
      "/api/v1/audit/verify",
      "/api/v1/modules/%F0%9F%A7%AA",
      "/api/v1/status",
      "/experiments",
      `/experiments/${experiment.id}/transition`,
      "/datasets/import",
      "/modules/thermo.calorimetry/run",
      "/mode",
      "/audit/verify",
    ];
    const body = fc.oneof(
      fc.json(),
      fc.string({ unit: "binary", maxLength: 50 }),
      fc.record({
        title: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        tags: fc.oneof(fc.array(fc.string()), fc.string()),
        to: fc.constantFrom("running", "draft", "nope", ""),
        reason: fc.string(),
        module: fc.constantFrom("thermo.calorimetry", "x", ""),
        input: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
      }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
    );
    const headerName = fc.stringMatching(/^x-[a-z][a-z-]{0,10}$/);
    const headerValue = fc.stringMatching(/^[ -~]{0,30}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
        fc.constantFrom(...paths),
        body,
        fc.dictionary(headerName, headerValue, { maxKeys: 3 }),
        fc.constantFrom("application/json", "text/plain", "multipart/form-data; boundary=x", ""),
        fc.boolean(),
        async (method, url, text, extra, contentType, authorised) => {
          const headers: Record<string, string> = { ...extra, host: "127.0.0.1:8321" };
          if (authorised) headers.authorization = "Bearer fuzz-token-0123456789abcdef";
          if (contentType) headers["content-type"] = contentType;
          const response = await app.request(`http://127.0.0.1:8321${url}`, {
            method,
            headers,
            body: method === "GET" ? undefined : text,
          });
          const answer = await response.text();
          const where = `${method} ${url} ${JSON.stringify(text).slice(0, 80)}`;
          assert(response.status < 500, `${where}: ${response.status} ${answer.slice(0, 300)}`);
          assert(!STACK_LINE.test(answer), `${where}: a stack trace in the answer`);
          if (response.status >= 400 && url.startsWith("/api/")) {
            const error = JSON.parse(answer).error;
            assert(typeof error?.kind === "string", `${where}: ${answer}`);
            assertOneLine(error.message, where);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    assertEquals((await lab.doctor()).problems, []);
  });
});
