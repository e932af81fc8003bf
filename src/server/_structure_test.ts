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

Deno.test("the app mounts every resource", async () => {
  const mounted = (await localImports("_app.ts")).filter((dep) => RESOURCES.includes(dep));
  assertEquals(mounted.sort(), [...RESOURCES].sort());
});
