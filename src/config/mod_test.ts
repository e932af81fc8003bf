import fc from "fast-check";
import { assert, assertEquals, assertRejects } from "../../test/_assert.ts";
import { LabosError } from "../errors.ts";
import { readAsset } from "../../assets/mod.ts";
import {
  checkRegistryDefaults,
  loadConfig,
  parseJsoncText,
  readConfigFile,
  registryDefaults,
} from "./mod.ts";

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

Deno.test("registryDefaults is the embedded registry.jsonc, parsed ahead of time", () => {
  const text = readAsset("defaults/registry.jsonc");
  const { $schema: _, ...parsed } = parseJsoncText(text, "registry.jsonc") as { $schema?: string };
  assertEquals(registryDefaults(), parsed);
  // A copy each time: a caller may change what it gets.
  registryDefaults().modules.disabled.push("x");
  assertEquals(registryDefaults(), parsed);
});

Deno.test("store: --store beats LABOS_STORE, which beats the file; none means the data folder", async () => {
  const dir = await Deno.makeTempDir();
  const none = loadConfig({ cwd: dir, env: {} });
  assertEquals([none.store, none.sources.store], [undefined, "default"]);
  await Deno.writeTextFile(
    `${dir}/labos.jsonc`,
    `{ "store": "postgres://file@db/labos", "storePoolMax": 4 }`,
  );
  const file = loadConfig({ cwd: dir, env: {} });
  assertEquals([file.store, file.sources.store], ["postgres://file@db/labos", "file"]);
  assertEquals([file.storePoolMax, file.sources.storePoolMax], [4, "file"]);
  const env = loadConfig({
    cwd: dir,
    env: { LABOS_STORE: "postgresql://env@db/labos", LABOS_STORE_POOL_MAX: "20" },
  });
  assertEquals([env.store, env.sources.store], ["postgresql://env@db/labos", "env"]);
  assertEquals([env.storePoolMax, env.sources.storePoolMax], [20, "env"]);
  const flag = loadConfig({
    cwd: dir,
    env: { LABOS_STORE: "postgresql://env@db/labos" },
    store: "postgres://flag@db/labos",
  });
  assertEquals([flag.store, flag.sources.store], ["postgres://flag@db/labos", "flag"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("store: anything but a postgres URL is one line naming its source, the password masked", async () => {
  const dir = await Deno.makeTempDir();
  const refused = (options: Parameters<typeof loadConfig>[0], pattern: RegExp) => {
    try {
      loadConfig({ cwd: dir, env: {}, ...options });
    } catch (error) {
      assert(error instanceof LabosError && error.kind === "invalid", String(error));
      assert(!error.message.includes("s3cret") && !error.message.includes("\n"), error.message);
      assert(pattern.test(error.message), error.message);
      return;
    }
    throw new Error("accepted");
  };
  refused(
    { store: "mysql://ada:s3cret@db/labos" },
    /^Invalid --store "mysql:\/\/ada:\*\*\*@db\/labos": expected a postgres:\/\/ or postgresql:\/\/ URL/,
  );
  refused({ env: { LABOS_STORE: "./data" } }, /^Invalid LABOS_STORE "\.\/data": expected/);
  refused(
    { env: { LABOS_STORE: "postgres://ada:s3cret@[bad" } },
    /^Invalid LABOS_STORE "postgres:\/\/ada:\*\*\*@\[bad"/,
  );
  refused({ env: { LABOS_STORE_POOL_MAX: "0" } }, /^Invalid LABOS_STORE_POOL_MAX "0"/);
  await Deno.writeTextFile(`${dir}/labos.jsonc`, `{ "store": "sqlite:lab.db?password=s3cret" }`);
  refused({}, /^Invalid "store" in .*labos\.jsonc "sqlite:lab\.db\?password=\*\*\*"/);
  await Deno.remove(dir, { recursive: true });
});
