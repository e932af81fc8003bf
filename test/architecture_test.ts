/**
 * Enforces the layering: CLI / HTTP → service → (runs → modules) → storage
 * (→ folder) → records + audit; exchange (migrate, archive, legacy) uses the
 * storage interface only. A forbidden import, any import cycle, or a cycle
 * between folders fails the build.
 *
 * @module
 */
import { assertEquals } from "./_assert.ts";
import denoConfig from "../deno.json" with { type: "json" };

const ROOT = new URL("../", import.meta.url).href;
// The package's entry points, as deno.json "exports" names them ("./mod.ts" → "mod.ts").
const ENTRY_FILES = Object.values(denoConfig.exports).map((file) => file.slice(2));

interface Graph {
  modules: Array<{
    specifier: string;
    dependencies?: Array<{ code?: { specifier?: string }; type?: { specifier?: string } }>;
  }>;
}

async function importGraph(): Promise<Map<string, string[]>> {
  const edges = new Map<string, string[]>();
  // cli.ts imports the command definitions through a specifier Deno does not
  // analyse (see src/cli/_main.ts), so they are a root of their own.
  const entries = [...ENTRY_FILES, "src/cli/_program.ts"];
  for (const entry of entries) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: new URL(ROOT).pathname,
      stdout: "piped",
      stderr: "null",
    }).output();
    addModules(edges, JSON.parse(new TextDecoder().decode(output.stdout)) as Graph);
  }
  return edges;
}

function addModules(edges: Map<string, string[]>, graph: Graph): void {
  for (const module of graph.modules) {
    if (!module.specifier.startsWith(ROOT)) continue;
    const deps = (module.dependencies ?? []).flatMap((d) => [d.code?.specifier, d.type?.specifier])
      .filter((s): s is string => typeof s === "string");
    edges.set(
      module.specifier.slice(ROOT.length),
      deps.map((s) => s.startsWith(ROOT) ? s.slice(ROOT.length) : s),
    );
  }
}

const edges = await importGraph();

/** The cycles of a directed graph, each as "a -> b -> a". */
function findCycles(graph: Map<string, Iterable<string>>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  function visit(node: string): void {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") {
        cycles.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
      } else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  }
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

Deno.test("the module graph has no import cycles", () => {
  assertEquals(findCycles(edges), []);
});

Deno.test("nothing below the adapters imports the CLI or the server", () => {
  const bad = [...edges].flatMap(([from, deps]) =>
    from.startsWith("src/") && !from.startsWith("src/cli/") && !from.startsWith("src/server/")
      ? deps.filter((d) => d.startsWith("src/cli/") || d.startsWith("src/server/")).map((d) =>
        `${from} -> ${d}`
      )
      : []
  );
  assertEquals(bad, []);
});

Deno.test("the domain (records, audit, modules, units) does not import the service or the runtime", () => {
  const domain = [
    "src/records/",
    "src/audit/",
    "src/modules/",
    "src/durable/",
    "src/plots/",
    "src/datasets/",
    "src/units/",
    "src/signatures/",
  ];
  const upper = ["src/service/", "src/runs/", "src/cli/", "src/server/"];
  const bad = [...edges].flatMap(([from, deps]) =>
    domain.some((d) => from.startsWith(d))
      ? deps.filter((d) => upper.some((u) => d.startsWith(u))).map((d) => `${from} -> ${d}`)
      : []
  );
  assertEquals(bad, []);
});

Deno.test("built-in modules import only their contract, pure helpers, zod and isotope data", () => {
  const allowed = (dep: string) =>
    dep === "src/modules/contract.ts" || dep.startsWith("src/modules/builtin/") ||
    /^npm:\/?(zod|chemical-elements)@/.test(dep) || dep === "zod" || dep === "chemical-elements";
  const bad = [...edges].flatMap(([from, deps]) =>
    from.startsWith("src/modules/builtin/")
      ? deps.filter((d) => !allowed(d)).map((d) => `${from} -> ${d}`)
      : []
  );
  assertEquals(bad, []);
});

function importsOf(
  from: (file: string) => boolean,
  to: (dep: string) => boolean,
): string[] {
  return [...edges].flatMap(([file, deps]) =>
    from(file) ? deps.filter(to).map((dep) => `${file} -> ${dep}`) : []
  );
}

Deno.test("the storage layer imports nothing above it", () => {
  const upper = [
    "src/service/",
    "src/cli/",
    "src/server/",
    "src/exchange/",
    "src/runs/",
    "src/modules/",
    "src/plugins/",
    "src/templates/",
  ];
  assertEquals(
    importsOf(
      (file) => file.startsWith("src/storage/"),
      (dep) => upper.some((u) => dep.startsWith(u)),
    ),
    [],
  );
});

Deno.test("the storage interface does not depend on its data folder implementation", () => {
  assertEquals(
    importsOf(
      (file) => file.startsWith("src/storage/") && !file.startsWith("src/storage/folder/"),
      (dep) => dep.startsWith("src/storage/folder/"),
    ),
    [],
  );
});

Deno.test("exchange and doctor use the storage interface, never the facade or the data folder", () => {
  const facade = ["src/service/_lab.ts", "src/service/mod.ts", "src/service/open_lab.ts"];
  assertEquals(
    importsOf(
      (file) => file.startsWith("src/exchange/"),
      (dep) => dep.startsWith("src/service/") || dep.startsWith("src/storage/folder/"),
    ),
    [],
  );
  assertEquals(
    importsOf(
      (file) => file === "src/service/_doctor.ts",
      (dep) => facade.includes(dep) || dep.startsWith("src/storage/folder/"),
    ),
    [],
  );
});

Deno.test("only the composition root (openLab and its openStorage) builds the data folder storage", () => {
  assertEquals(
    importsOf(
      (file) =>
        file.startsWith("src/") && !file.startsWith("src/storage/") &&
        file !== "src/service/open_lab.ts" && file !== "src/service/_open_storage.ts" &&
        !file.endsWith("_test.ts"),
      (dep) => dep.startsWith("src/storage/folder/"),
    ).filter((edge) => !edge.startsWith("src/service/mod.ts -> ")),
    [],
  );
});

Deno.test("folders do not import each other in a circle", () => {
  // A file that imports nothing from src/ (the module contract) is a leaf: it stands alone, as it
  // carries no dependency of its folder. The built-in modules are one package of plugins.
  const leaf = (file: string) => !(edges.get(file) ?? []).some((dep) => dep.startsWith("src/"));
  const folderOf = (file: string) =>
    leaf(file)
      ? file
      : file.startsWith("src/modules/builtin/")
      ? "src/modules/builtin"
      : file.slice(0, file.lastIndexOf("/"));
  const graph = new Map<string, Set<string>>();
  for (const [file, deps] of edges) {
    if (!file.startsWith("src/")) continue;
    const from = folderOf(file);
    for (const dep of deps) {
      if (!dep.startsWith("src/")) continue;
      const to = folderOf(dep);
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  assertEquals(findCycles(graph), []);
});

Deno.test("openLab and listExperiments load no heavy module until it is needed", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "src/service/open_lab.ts"],
    cwd: new URL(ROOT).pathname,
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    roots: string[];
    modules: Array<{
      specifier: string;
      dependencies?: Array<{ code?: { specifier?: string }; isDynamic?: boolean }>;
    }>;
  };
  const byName = new Map(graph.modules.map((module) => [module.specifier, module]));
  const loaded = new Set<string>();
  const stack = [...graph.roots];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (loaded.has(next)) continue;
    loaded.add(next);
    for (const dep of byName.get(next)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code?.specifier) stack.push(dep.code.specifier);
    }
  }
  const heavy = [
    "fflate",
    "ucum",
    "d3-",
    "papaparse",
    "src/exchange/",
    "src/plots/",
    "src/datasets/",
    "src/modules/builtin/",
    "src/modules/mod.ts",
    "src/service/_doctor.ts",
    "src/templates/",
    "src/storage/postgres/",
    "npm:postgres",
    // The audit log loads on its first use: reading records needs none of it.
    "src/audit/",
    "node:worker_threads",
  ];
  assertEquals([...loaded].filter((name) => heavy.some((h) => name.includes(h))), []);
});

/** The control panel's sub-apps, one per resource. */
const PAGES = [
  "_api.ts",
  "_audit.ts",
  "_datasets.ts",
  "_experiments.ts",
  "_glossary.ts",
  "_home.ts",
  "_jobs.ts",
  "_modules.ts",
  "_plans.ts",
  "_templates.ts",
].map((name) => `src/server/${name}`);

Deno.test("server pages never import other pages, and the app mounts every one", () => {
  // Shared pieces live in _views.ts, _layout.ts and _input.ts.
  assertEquals(importsOf((file) => PAGES.includes(file), (dep) => PAGES.includes(dep)), []);
  const mounted = (edges.get("src/server/_app.ts") ?? []).filter((dep) => PAGES.includes(dep));
  assertEquals(mounted.sort(), [...PAGES].sort());
});

Deno.test("every mod.ts, and every entry point but cli.ts, only re-exports", async () => {
  const faces = [...edges.keys()].filter((file) =>
    file.endsWith("/mod.ts") || (ENTRY_FILES.includes(file) && file !== "cli.ts")
  );
  const code: string[] = [];
  for (const file of faces) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    const statements = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
      .split(";").map((statement) => statement.trim()).filter(Boolean);
    for (const statement of statements) {
      if (!/^export (type )?(\*|\{[^}]*\}) from "[^"]+"$/s.test(statement)) {
        code.push(`${file}: ${statement.split("\n")[0]}`);
      }
    }
  }
  assertEquals(code, []);
});

Deno.test("modules import zod as a namespace, so that bundles keep only the parts in use", async () => {
  // `import { z } from "zod"` takes zod's namespace as a value, which keeps
  // all of zod (every locale included) in each bundle: 763 KB against 271 KB
  // for the CLI. `import * as z from "zod"` lets the bundler drop what no
  // one uses.
  const offenders: string[] = [];
  for await (const file of sourceFiles(new URL("src/", ROOT))) {
    const text = await Deno.readTextFile(file);
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "");
    if (/^import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*"zod"/m.test(code)) {
      offenders.push(file.href.slice(ROOT.length));
    }
  }
  assertEquals(offenders, []);
});

Deno.test("modules and plots never spread data into a call's arguments", async () => {
  // Math.min(...values) and push(...values) put every element on the call
  // stack, which overflows above about 100,000 values (issue 13).
  const spread =
    /(\bMath\.\w+|\.push|\.unshift|\.splice|\.fromCharCode|\.fromCodePoint|\.apply)\([^)]*\.\.\./;
  const offenders: string[] = [];
  for (const folder of ["src/modules/", "src/plots/"]) {
    for await (const file of sourceFiles(new URL(folder, ROOT))) {
      const code = (await Deno.readTextFile(file))
        .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ""));
      code.split("\n").forEach((line, index) => {
        if (!line.trim().startsWith("//") && spread.test(line)) {
          offenders.push(`${file.href.slice(ROOT.length)}:${index + 1}: ${line.trim()}`);
        }
      });
    }
  }
  assertEquals(offenders, []);
});

/** Every TypeScript file under a folder but tests, recursively. */
async function* sourceFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.isDirectory ? `${entry.name}/` : entry.name, dir);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield url;
  }
}
