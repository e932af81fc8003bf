// The audit format lives in _format.ts: no other source file spells out the
// framing, every reader imports it, and mod.ts is a face that only re-exports.
import { readdirSync, readFileSync } from "node:fs";
import { assert, assertEquals } from "../../test/_assert.ts";

const SRC = new URL("../", import.meta.url);

function sources(dir: URL): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const url = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    if (entry.isDirectory()) files.push(...sources(url));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      files.push(url.pathname);
    }
  }
  return files;
}

function code(file: string): string {
  return readFileSync(file, "utf8").split("\n")
    .filter((line) => !/^\s*(\*|\/\/|\/\*\*)/.test(line))
    .join("\n");
}

const GENERATED = /_worker_source\.ts$/;
const FORMAT_FILE = /src\/audit\/_format\.ts$/;

Deno.test("only _format.ts spells out the line framing and its offsets", () => {
  const offenders: string[] = [];
  for (const file of sources(SRC)) {
    if (GENERATED.test(file) || FORMAT_FILE.test(file)) continue;
    const text = code(file);
    // The framing as code: the exact literals (messages may describe it).
    if (text.includes(`'{"event":'`) || text.includes(`',"hash":"'`)) {
      offenders.push(`${file}: the framing`);
    }
    // Offsets as arithmetic: formatted code has spaces around binary operators.
    if (
      file.includes("/src/audit/") && /[+\-] (?:9|66|75)(?![\d.])|\b(?:9|66|75) [+\-] /.test(text)
    ) {
      offenders.push(`${file}: a framing offset`);
    }
  }
  assertEquals(offenders, []);
});

Deno.test("every reader of the log imports the format file", () => {
  for (const name of ["_log.ts", "_read.ts", "_scanner.ts", "_tail.ts", "_verify.ts"]) {
    const text = readFileSync(new URL(`./${name}`, import.meta.url), "utf8");
    assert(text.includes('from "./_format.ts"'), name);
  }
});

Deno.test("src/audit/mod.ts only re-exports", () => {
  const statements = code(new URL("./mod.ts", import.meta.url).pathname)
    .split(";").map((statement) => statement.trim()).filter(Boolean);
  for (const statement of statements) {
    assert(/^export (type )?\{[^}]*\} from "\.\/_[a-z_]+\.ts"$/s.test(statement), statement);
  }
});
