/**
 * Guards the package's front door: the root entry point stays small (at most
 * 40 symbols: `openLab`, `Lab` and the types of its everyday methods), and
 * every subpath in deno.json "exports" is a real, documented entry point that
 * the import map, `deno task check` and the npm package all know.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { assert, assertEquals } from "./_assert.ts";
import denoConfig from "../deno.json" with { type: "json" };
import { SUBPATHS } from "../scripts/build_npm.ts";

const ROOT = new URL("../", import.meta.url);
const MAX_ROOT_SYMBOLS = 40;
const EXPORTS: Record<string, string> = denoConfig.exports;
const IMPORTS: Record<string, string> = denoConfig.imports;

interface DocNode {
  module_doc?: { doc?: string };
  symbols: Array<{ name: string }>;
}

/** `deno doc --json` of the entry files, keyed by file ("./mod.ts"). */
async function docOf(files: string[]): Promise<Map<string, DocNode>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...files],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(output.success, new TextDecoder().decode(output.stderr));
  const json = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    nodes: Record<string, DocNode>;
  };
  return new Map(
    Object.entries(json.nodes).map(([url, node]) => [`./${url.slice(ROOT.href.length)}`, node]),
  );
}

Deno.test("the root entry point exports at most 40 symbols", async () => {
  // The count is `deno doc --json mod.ts`'s top-level symbols of mod.ts.
  const root = (await docOf([EXPORTS["."]])).get(EXPORTS["."]);
  assert(root !== undefined, "deno doc found no mod.ts");
  const names = root.symbols.map((symbol) => symbol.name).sort();
  assert(
    names.length <= MAX_ROOT_SYMBOLS,
    `mod.ts exports ${names.length} symbols, more than ${MAX_ROOT_SYMBOLS}: ${names.join(", ")}`,
  );
  for (const name of ["openLab", "Lab", "OpenLabOptions", "LabosError", "VERSION"]) {
    assert(names.includes(name), `mod.ts does not export ${name}`);
  }
});

Deno.test("every subpath in deno.json exists and has a module doc", async () => {
  const files = Object.values(EXPORTS);
  for (const file of files) assert(existsSync(new URL(file, ROOT)), `${file} does not exist`);
  const docs = await docOf(files);
  const undocumented = files.filter((file) => !docs.get(file)?.module_doc?.doc?.trim());
  assertEquals(undocumented, []);
});

Deno.test("every subpath is in the import map, in deno task check and in the npm package", () => {
  const problems: string[] = [];
  const check = denoConfig.tasks.check;
  const docLint = /deno doc --lint ([^&]+)/.exec(check)?.[1].trim().split(/\s+/) ?? [];
  const typeCheck = /deno check --doc ([^&]+)/.exec(check)?.[1].trim().split(/\s+/) ?? [];
  for (const [path, file] of Object.entries(EXPORTS)) {
    const specifier = `@labos/labos${path.slice(1)}`;
    const bare = file.slice(2);
    if (path !== "./cli" && IMPORTS[specifier] !== file) {
      problems.push(`imports lacks "${specifier}": "${file}"`);
    }
    if (!docLint.includes(bare)) problems.push(`"deno doc --lint" in the check task lacks ${bare}`);
    if (!typeCheck.includes(bare)) {
      problems.push(`"deno check --doc" in the check task lacks ${bare}`);
    }
    if (path !== "." && path !== "./cli" && !SUBPATHS.includes(path.slice(2))) {
      problems.push(`the npm package lacks labos/${path.slice(2)}`);
    }
  }
  assertEquals(problems, []);
});
