import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { openLab } from "../service/open_lab.ts";
import type { CliIo } from "./_format.ts";
import { runCli } from "./_main.ts";
import { quickAuditVerify } from "./_quick.ts";

interface Run {
  code: number;
  out: string;
  err: string;
}

function captureIo(
  cwd: string,
  env: Record<string, string> = {},
): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env,
    cwd,
    isTTY: false,
  };
}

// The CLI as `main` runs it (quick path first), or with the full program only.
async function run(args: string[], options: { cwd: string; quick: boolean }): Promise<Run> {
  const io = captureIo(options.cwd);
  const code = await runCli(args, {
    io,
    loadProgram: () => import("./_program.ts"),
    loadQuick: options.quick ? () => import("./_quick.ts") : undefined,
  });
  return { code, out: io.out.join(""), err: io.err.join("") };
}

async function lab(): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "labos-quick-"));
  const opened = openLab({ dataDir, actor: "ada" });
  await opened.init();
  await opened.createExperiment({ title: "Calorimetry" });
  return dataDir;
}

Deno.test("quick audit verify: the same output and exit code as the full CLI", async () => {
  const cwd = await mkdtemp(path.join(tmpdir(), "labos-quick-cwd-"));
  const good = await lab();
  const edited = await lab();
  const log = path.join(edited, "audit", "log.jsonl");
  await writeFile(log, (await readFile(log, "utf8")).replace("Calorimetry", "Calorimetrx"));
  const torn = await lab();
  await appendFile(path.join(torn, "audit", "log.jsonl"), '{"event":');
  const cases = [
    ["--data-dir", good, "audit", "verify"],
    ["audit", "verify", "--json", `--data-dir=${good}`],
    ["--data-dir", edited, "audit", "verify"],
    ["--json", "--data-dir", edited, "audit", "verify"],
    ["--data-dir", torn, "audit", "verify"],
    ["--data-dir", path.join(cwd, "missing"), "audit", "verify"],
  ];
  for (const args of cases) {
    const full = await run(args, { cwd, quick: false });
    const quick = await run(args, { cwd, quick: true });
    assert.deepEqual(quick, full, args.join(" "));
  }
  assert.equal((await run(cases[0], { cwd, quick: true })).code, 0);
  assert.equal((await run(cases[2], { cwd, quick: true })).code, 1);
  assert.equal((await run(cases[5], { cwd, quick: true })).code, 2);
});

Deno.test("quick audit verify: runs only when nothing else could decide a setting", async () => {
  const cwd = await mkdtemp(path.join(tmpdir(), "labos-quick-cwd-"));
  const dataDir = await lab();
  const verify = ["--data-dir", dataDir, "audit", "verify"];
  assert.equal(await quickAuditVerify(verify, captureIo(cwd)), 0);
  assert.equal(
    await quickAuditVerify(["audit", "verify"], captureIo(cwd, { LABOS_DATA_DIR: dataDir })),
    0,
  );
  // The full CLI decides: other commands and options, settings from the environment or a labos.jsonc.
  for (
    const args of [
      ["--data-dir", dataDir, "audit", "head"],
      ["--data-dir", dataDir, "audit", "verify", "extra"],
      ["--actor", "ada", "--data-dir", dataDir, "audit", "verify"],
      ["--store", "postgres://db/labos", "audit", "verify"],
      ["--data-dir", dataDir, "--data-dir", dataDir, "audit", "verify"],
      ["--data-dir", "--json", "audit", "verify"],
      ["--data-dir=", "audit", "verify"],
      ["audit", "verify", "--help"],
      ["audit", "verify", "--"],
    ]
  ) assert.equal(await quickAuditVerify(args, captureIo(cwd)), undefined, args.join(" "));
  for (
    const name of [
      "LABOS_STORE",
      "LABOS_ACTOR",
      "LABOS_STORE_POOL_MAX",
      "LABOS_ATTACHMENT_MAX_BYTES",
    ]
  ) {
    assert.equal(await quickAuditVerify(verify, captureIo(cwd, { [name]: "x" })), undefined, name);
  }
  await writeFile(path.join(cwd, "labos.jsonc"), "{}");
  assert.equal(await quickAuditVerify(verify, captureIo(cwd)), undefined);
});
