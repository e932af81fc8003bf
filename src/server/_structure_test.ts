import { assertEquals } from "../../test/_assert.ts";

/** The sub-apps, one per resource; only `_app.ts` mounts them. */
const RESOURCES = [
  "_api.ts",
  "_audit.ts",
  "_datasets.ts",
  "_experiments.ts",
  "_glossary.ts",
  "_home.ts",
  "_jobs.ts",
  "_modules.ts",
];

async function localImports(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(file, import.meta.url));
  return [...text.matchAll(/^import[^;]*?from "\.\/(_[a-z_]+\.ts)";/gms)].map((m) => m[1]);
}

Deno.test("no page or API file imports another; only the app mounts them", async () => {
  const bad: string[] = [];
  for await (const entry of Deno.readDir(new URL(".", import.meta.url))) {
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
    if (entry.name === "_app.ts") continue;
    for (const dep of await localImports(entry.name)) {
      if (RESOURCES.includes(dep)) bad.push(`${entry.name} -> ${dep}`);
    }
  }
  assertEquals(bad, []);
});

Deno.test("the app mounts every resource", async () => {
  const mounted = (await localImports("_app.ts")).filter((dep) => RESOURCES.includes(dep));
  assertEquals(mounted.sort(), [...RESOURCES].sort());
});
