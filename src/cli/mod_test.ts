import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DEFAULT_HOST, DEFAULT_PORT } from "../server/mod.ts";
import type { CliIo } from "./_format.ts";
import { HELP_TEXT } from "./_help_text.ts";
import { Command } from "commander";
import { COMMAND_GROUPS, commandName, runProgram } from "./_program.ts";
import { LabSetup } from "./_setup.ts";
import type { CliContext } from "./_context.ts";
import { SERVE_DEFAULT_HOST, SERVE_DEFAULT_PORT } from "./_serve.ts";
import { main } from "./mod.ts";

interface GraphModule {
  specifier: string;
  dependencies?: Array<{ code?: { specifier?: string }; isDynamic?: boolean }>;
}

/** The modules a file loads before any of its dynamic imports run, Node built-ins included. */
async function staticClosure(file: string): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", fileURLToPath(new URL(file, import.meta.url))],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    roots: string[];
    modules: GraphModule[];
  };
  const bySpecifier = new Map(graph.modules.map((module) => [module.specifier, module]));
  const root = new URL("../../", import.meta.url).href;
  const seen = new Set<string>();
  const queue = [...graph.roots];
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code?.specifier && !dependency.isDynamic) {
        queue.push(dependency.code.specifier);
      }
    }
  }
  return [...seen].map((specifier) =>
    specifier.startsWith(root) ? specifier.slice(root.length) : specifier
  ).sort();
}

/** The modules a file loads before any of its dynamic imports run, Node built-ins aside. */
async function staticModules(file: string): Promise<string[]> {
  return (await staticClosure(file)).filter((specifier) => !specifier.startsWith("node:"));
}

function captureIo(): { io: CliIo; out: string[] } {
  const out: string[] = [];
  return {
    out,
    io: { stdout: (text) => out.push(text), stderr: () => {}, env: {}, cwd: ".", isTTY: false },
  };
}

Deno.test("start-up: --version loads the version and nothing else", async () => {
  assert.deepEqual(await staticModules("./mod.ts"), [
    "deno.json",
    "src/cli/_main.ts",
    "src/cli/mod.ts",
    "src/version.ts",
  ]);
});

Deno.test("start-up: the command definitions (for parsing and --help) load commander only", async () => {
  const loaded = await staticModules("./_program.ts");
  const outside = loaded.filter((specifier) =>
    !specifier.startsWith("src/cli/") &&
    !["deno.json", "src/errors.ts", "src/version.ts"].includes(specifier)
  );
  assert.deepEqual(outside.map((specifier) => specifier.replace(/@.*$/, "")), ["npm:commander"]);
  assert.deepEqual(loaded.filter((specifier) => specifier.endsWith("_actions.ts")), []);
});

Deno.test("start-up: deno run cli.ts --version loads node:process only of Node's built-ins", async () => {
  // node:fs alone costs Deno more than the rest of `labos --version`.
  const builtins = (await staticClosure("../../cli.ts")).filter((specifier) =>
    specifier.startsWith("node:")
  );
  assert.deepEqual(builtins, ["node:process"]);
});

Deno.test("start-up: --version without commander prints what commander prints", async () => {
  const fast = captureIo();
  assert.equal(await main(["--version"], fast.io), 0);
  const full = captureIo();
  assert.equal(await runProgram(["--version"], full.io), 0);
  assert.deepEqual(fast.out, full.out);
  const short = captureIo();
  assert.equal(await main(["-V"], short.io), 0);
  assert.deepEqual(short.out, full.out);
});

Deno.test("start-up: the pre-rendered --help is what commander prints to a pipe, byte for byte", async () => {
  const rendered = captureIo();
  const pipe = { out: false, err: false };
  assert.equal(await runProgram(["--help"], rendered.io, { terminal: pipe }), 0);
  assert.equal(rendered.out.join(""), HELP_TEXT, "run deno task embed:help");
  for (const flag of ["--help", "-h"]) {
    const fast = captureIo();
    assert.equal(await main([flag], fast.io), 0);
    const full = captureIo();
    assert.equal(await runProgram([flag], full.io), 0);
    assert.deepEqual(fast.out, full.out);
  }
});

Deno.test("start-up: deno run cli.ts loads no npm package before a command needs one", async () => {
  // Deno loads literal dynamic imports too, before the program runs.
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", fileURLToPath(new URL("../../cli.ts", import.meta.url))],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: GraphModule[] };
  const specifiers = graph.modules.flatMap((module) =>
    (module.dependencies ?? []).map((dependency) => dependency.code?.specifier ?? "")
  );
  assert.deepEqual(specifiers.filter((specifier) => specifier.startsWith("npm:")), []);
  assert.ok(graph.modules.length > 0);
});

Deno.test("start-up: each command group defines the top-level commands it claims, in help order", () => {
  const { io } = captureIo();
  const context: CliContext = {
    io,
    style: { bold: String, dim: String, green: String, red: String, yellow: String },
    lab: () => Promise.reject(new Error("Not opened in this test")),
    emit: () => {},
    fail: () => {},
  };
  for (const group of COMMAND_GROUPS) {
    const program = new Command("labos");
    group.register(program, context, new LabSetup(io));
    assert.deepEqual(program.commands.map((command) => command.name()), group.names);
  }
  const listed = HELP_TEXT.slice(HELP_TEXT.indexOf("Commands:\n")).split("\n").slice(1)
    .filter((line) => /^ {2}\S/.test(line)).map((line) => line.trim().split(" ")[0])
    .filter((name) => name !== "help");
  assert.deepEqual(COMMAND_GROUPS.flatMap((group) => group.names), listed);
});

Deno.test("start-up: the command to define is the first argument that is not an option", () => {
  assert.equal(commandName(["experiments", "list", "--limit", "20"]), "experiments");
  assert.equal(commandName(["--data-dir", "d", "--actor", "a", "--json", "jobs", "list"]), "jobs");
  assert.equal(commandName(["--config", "lab.jsonc", "trust"]), "trust");
  assert.equal(commandName(["--data-dir=d", "status"]), "status");
  assert.equal(commandName(["--json"]), undefined);
  assert.equal(commandName(["--", "status"]), undefined);
  assert.equal(commandName(["--data-dir"]), undefined);
  assert.equal(commandName(["-", "status"]), "-");
});

Deno.test("labos serve's defaults, defined without loading the server, match the server's", () => {
  assert.equal(SERVE_DEFAULT_HOST, DEFAULT_HOST);
  assert.equal(SERVE_DEFAULT_PORT, DEFAULT_PORT);
});

Deno.test("--store with a password warns on stderr, and config show never prints the password", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: {},
    cwd: await Deno.makeTempDir(),
    isTTY: false,
  };
  const args = ["--store", "postgres://ada:s3cret@127.0.0.1:9/labos", "--json", "config", "show"];
  assert.equal(await runProgram(args, io, { terminal: { out: false, err: false } }), 0);
  assert.match(err.join(""), /warning: the --store URL holds a password.*PGPASSFILE, LABOS_STORE/);
  assert.equal(err.length, 1);
  const settings = JSON.parse(out.join("")).settings as Array<{ key: string; value: unknown }>;
  const store = settings.find((setting) => setting.key === "store");
  assert.deepEqual(store, {
    key: "store",
    value: "postgres://ada:***@127.0.0.1:9/labos",
    source: "flag",
  });
  assert.ok(!out.join("").includes("s3cret"));

  err.length = 0;
  const bad = ["--store", "http://ada:s3cret@host/x", "status"];
  assert.equal(await runProgram(bad, io, { terminal: { out: false, err: false } }), 2);
  assert.equal(
    err.join(""),
    'error: Invalid --store "http://ada:***@host/x": expected a postgres:// or postgresql:// URL (leave it out to use the data folder)\n',
  );
});
