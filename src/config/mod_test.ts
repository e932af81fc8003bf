import fc from "fast-check";
import { assert, assertEquals, assertRejects } from "../../test/_assert.ts";
import { LabosError } from "../errors.ts";
import { readAsset } from "../../assets/mod.ts";
import { checkRegistryDefaults, loadConfig, readConfigFile, registryDefaults } from "./mod.ts";

Deno.test("flags beat the environment, which beats the file, which beats the default", async () => {
  const dir = await Deno.makeTempDir();
  assertEquals(loadConfig({ cwd: dir, env: {} }).sources.dataDir, "default");
  await Deno.writeTextFile(`${dir}/labos.jsonc`, `{ /* c */ "dataDir": "f" }`);
  assertEquals(loadConfig({ cwd: dir, env: {} }).dataDir, `${dir}/f`);
  assertEquals(loadConfig({ cwd: dir, env: { LABOS_DATA_DIR: "e" } }).dataDir, `${dir}/e`);
  const flagged = loadConfig({ cwd: dir, env: { LABOS_DATA_DIR: "e" }, dataDir: "/abs" });
  assertEquals([flagged.dataDir, flagged.sources.dataDir], ["/abs", "flag"]);
  assertEquals(loadConfig({ cwd: dir, env: { LABOS_ACTOR: "bo" } }).actor, "bo");
  assertEquals(loadConfig({ cwd: dir, env: { LABOS_ACTOR: "bo" }, actor: "al" }).actor, "al");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("unknown keys and wrong types in labos.jsonc name the field", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/labos.jsonc`, `{ "dataDri": "x" }`);
  await assertRejects(
    () => Promise.resolve(readConfigFile(`${dir}/labos.jsonc`)),
    /labos\.jsonc: input has unknown field "dataDri"/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an unknown key in labos.jsonc suggests the nearest known one, at any depth", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/labos.jsonc`,
    `{ "dataDri": "x", "display": { "significantfigures": 3 } }`,
  );
  await assertRejects(
    () => Promise.resolve(readConfigFile(`${dir}/labos.jsonc`)),
    /labos\.jsonc: "display" has unknown field "significantfigures"; did you mean "significantFigures"\?; input has unknown field "dataDri"; did you mean "dataDir"\?$/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("any labos.jsonc text either parses or gives a one-line LabosError", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/labos.jsonc`;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.string(), fc.json(), fc.constantFrom("{", '{"dataDir":', "// only", "[1,]")),
      async (text) => {
        await Deno.writeTextFile(file, text);
        try {
          readConfigFile(file);
        } catch (error) {
          assert(error instanceof LabosError, String(error));
          assert(!error.message.includes("\n"));
        }
      },
    ),
    { numRuns: 300 },
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the embedded registry defaults match their schema, as registryDefaults reads them", () => {
  assertEquals(checkRegistryDefaults(readAsset("defaults/registry.jsonc")), registryDefaults());
});
