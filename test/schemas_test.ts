import { assertEquals } from "./_assert.ts";
import { publishedSchemas } from "../src/schemas.ts";
import { collectAssets, renderEmbedded } from "../scripts/embed_assets.ts";

Deno.test("the committed JSON Schemas match the zod schemas (run `deno task schemas`)", async () => {
  for (const [name, schema] of Object.entries(publishedSchemas())) {
    const committed = JSON.parse(
      await Deno.readTextFile(new URL(`../assets/schemas/${name}.schema.json`, import.meta.url)),
    );
    assertEquals(committed, schema, `assets/schemas/${name}.schema.json drifted`);
  }
});

Deno.test("assets/embedded.ts matches the files under assets/ (run `deno task embed`)", async () => {
  const committed = await Deno.readTextFile(new URL("../assets/embedded.ts", import.meta.url));
  assertEquals(committed, renderEmbedded(collectAssets()));
});
