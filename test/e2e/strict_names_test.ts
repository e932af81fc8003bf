/**
 * Issue 12 items 1 and 6: an unknown input field is refused wherever input
 * enters, with the nearest known name, and writes nothing; list fields of
 * `--param` read `600,650` as the panel form does.
 *
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cliJson, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import { BUILTIN_MODULES } from "../../src/modules/builtin/_list.ts";
import { LabosError } from "../../src/errors.ts";
import { openLab } from "../../src/service/mod.ts";
import { type JsonSchema, jsonSchemaOf } from "../../src/validation.ts";
import { formFields, formToInput } from "../../src/server/_form.ts";

type Path = Array<string | number>;

/** Every object in a value, with its path: where a field name can be mutated. */
function objectsIn(value: unknown, path: Path = []): Array<{ path: Path; keys: string[] }> {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => objectsIn(item, [...path, index]));
  }
  if (value === null || typeof value !== "object") return [];
  const entries = Object.entries(value);
  return [
    { path, keys: entries.map(([key]) => key) },
    ...entries.flatMap(([key, item]) => objectsIn(item, [...path, key])),
  ];
}

/** The property names the input schema declares for the object at `path`. */
function namesAt(schema: JsonSchema, path: Path): string[] {
  let node: JsonSchema | undefined = schema;
  for (const key of path) {
    node = typeof key === "number"
      ? node?.items as JsonSchema | undefined
      : (node?.properties as Record<string, JsonSchema> | undefined)?.[key];
  }
  return Object.keys((node?.properties ?? {}) as object);
}

interface Mutation {
  input: Record<string, unknown>;
  /** The dotted path of the mutated (or added) field. */
  field: string;
  kind: "case" | "letter" | "extra";
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

function mutate(
  example: Record<string, unknown>,
  choice: {
    site: number;
    key: number;
    kind: Mutation["kind"];
    at: number;
    letter: number;
    op: number;
  },
  schema: JsonSchema,
): Mutation | undefined {
  const input = structuredClone(example);
  const sites = objectsIn(input);
  const site = sites[choice.site % sites.length];
  const target = site.path.reduce<unknown>(
    (at, key) => (at as Record<string | number, unknown>)[key],
    input,
  ) as Record<string, unknown>;
  const known = namesAt(schema, site.path);
  let name: string;
  let old: string | undefined;
  if (choice.kind === "extra") {
    name = `x${choice.at}${LETTERS[choice.letter % LETTERS.length]}extra`;
  } else {
    if (site.keys.length === 0) return undefined;
    old = site.keys[choice.key % site.keys.length];
    const at = choice.at % old.length;
    if (choice.kind === "case") {
      const flipped = old[at] === old[at].toUpperCase()
        ? old[at].toLowerCase()
        : old[at].toUpperCase();
      name = old.slice(0, at) + flipped + old.slice(at + 1);
    } else {
      const letter = LETTERS[choice.letter % LETTERS.length];
      const op = choice.op % 3;
      name = op === 0
        ? old.slice(0, at) + letter + old.slice(at + 1)
        : op === 1
        ? old.slice(0, at) + letter + old.slice(at)
        : old.slice(0, at) + old.slice(at + 1);
    }
  }
  if (name === "" || name === old || known.includes(name) || Object.hasOwn(target, name)) {
    return undefined;
  }
  if (old !== undefined) {
    const value = target[old];
    delete target[old];
    target[name] = value;
  } else target[name] = 1;
  return { input, field: [...site.path, name].join("."), kind: choice.kind };
}

const cases = BUILTIN_MODULES.flatMap((module) =>
  module.examples.map((example) => ({
    module: module.key,
    input: example.input,
    schema: jsonSchemaOf(module.input) as JsonSchema,
  }))
);

Deno.test("strict names: every mutated field name of every built-in example is refused with a suggestion, and nothing is written", async () => {
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const before = await snapshotTree(`${dir}/data`);
    // Every example of every module, each with its own run of random mutations.
    const seen = new Map<string, Set<Mutation["kind"]>>();
    for (const example of cases) {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            site: fc.nat(),
            key: fc.nat(),
            kind: fc.constantFrom<Mutation["kind"]>("case", "letter", "extra"),
            at: fc.nat(64),
            letter: fc.nat(),
            op: fc.nat(),
          }),
          async (choice) => {
            const mutation = mutate(example.input, choice, example.schema);
            fc.pre(mutation !== undefined);
            const { input, field, kind } = mutation!;
            let error: unknown;
            try {
              await lab.run({ module: example.module, input });
            } catch (caught) {
              error = caught;
            }
            assert(error instanceof LabosError, `${example.module} took ${JSON.stringify(input)}`);
            assertEquals(error.kind, "invalid");
            assertEquals(error.exitCode, 2);
            assertStringIncludes(error.message, `unknown field "${field}"`);
            if (kind !== "extra") assertStringIncludes(error.message, "; did you mean ");
            seen.set(example.module, (seen.get(example.module) ?? new Set()).add(kind));
          },
        ),
        { numRuns: 40 },
      );
    }
    assertEquals(
      [...seen.entries()].filter(([, kinds]) => kinds.size === 3).map(([key]) => key).sort(),
      BUILTIN_MODULES.map((module) => module.key).sort(),
    );
    assertEquals(await snapshotTree(`${dir}/data`), before);
  });
});

Deno.test("strict names: --param, --input and --batch name the unknown field, suggest, exit 2 and write nothing", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const before = await snapshotTree(dataDir);
    const param = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--param",
      "massG=50",
      "--param",
      "deltaTk=3",
    ]);
    assertEquals(param.code, 2);
    assertEquals(
      param.stderr.trim(),
      'error: Cannot run module "thermo.calorimetry": unknown field "deltaTk"; did you mean "deltaTK"?',
    );

    const inputFile = `${dir}/input.json`;
    await Deno.writeTextFile(
      inputFile,
      JSON.stringify({ massG: 50, deltaTK: 3, amountmol: 0.01, calorimeterConstant: 10 }),
    );
    const file = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--input",
      inputFile,
    ]);
    assertEquals(file.code, 2);
    assertStringIncludes(file.stderr, 'unknown field "amountmol"; did you mean "amountMol"?');
    assertStringIncludes(
      file.stderr,
      'unknown field "calorimeterConstant"; did you mean "calorimeterConstantJPerK"?',
    );

    const batchFile = `${dir}/batch.jsonl`;
    await Deno.writeTextFile(
      batchFile,
      [
        JSON.stringify({
          standards: [{ concentrationM: 0, absorbance: 0 }, { concentrationM: 1, absorbance: 1 }],
        }),
        JSON.stringify({
          standards: [{ concentrationM: 0, absorbance: 0 }, { concentrationM: 1, absorbance: 1 }],
          unknownAbsorbance: [0.5],
        }),
      ].join("\n"),
    );
    const batch = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "spectroscopy.beer-lambert",
      "--batch",
      batchFile,
    ]);
    assertEquals(batch.code, 2);
    assertStringIncludes(
      batch.stderr,
      'Batch line 2: Cannot run module "spectroscopy.beer-lambert": unknown field "unknownAbsorbance"; did you mean "unknownAbsorbances"?',
    );
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("arrays: --param reads 600,650 and 600, 650 for a list field, like [600,650] and like the panel form", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const run = (temperatures: string, rates: string) =>
      cliJson<{ job: { input: unknown }; output: unknown }>([
        "--data-dir",
        dataDir,
        "run",
        "kinetics.arrhenius",
        "--param",
        `temperaturesK=${temperatures}`,
        "--param",
        `rateConstants=${rates}`,
      ]);
    const json = await run("[300,310,320]", "[0.01,0.02,0.04]");
    const commas = await run("300,310,320", "0.01, 0.02, 0.04");
    assertEquals(commas.job.input, json.job.input);
    assertEquals(commas.output, json.output);
    const arrhenius = BUILTIN_MODULES.find((module) => module.key === "kinetics.arrhenius")!;
    const fields = formFields(jsonSchemaOf(arrhenius.input) as JsonSchema);
    const form = formToInput(fields, {
      temperaturesK: "300,310,320",
      rateConstants: "0.01, 0.02, 0.04",
    });
    assertEquals(form, json.job.input);
  });
});

Deno.test("strict names: API run and experiment bodies answer 400 naming the unknown field with a suggestion, and write nothing", async () => {
  await withTempDir(async (dir) => {
    const { createApp } = await import("../../src/server/mod.ts");
    const token = "strict-names-token-0123456789abcdef";
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const app = createApp({ lab, token, port: 8322 });
    const post = async (path: string, body: unknown) => {
      const response = await app.request(`http://127.0.0.1:8322/api/v1${path}`, {
        method: "POST",
        headers: {
          host: "127.0.0.1:8322",
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    const before = await snapshotTree(`${dir}/data`);
    const input = await post("/runs", {
      module: "thermo.calorimetry",
      input: { massG: 50, deltaTk: 3 },
    });
    assertEquals(input.status, 400);
    assertEquals(
      input.body.error.message,
      'Cannot run module "thermo.calorimetry": unknown field "deltaTk"; did you mean "deltaTK"?',
    );
    assertEquals(input.body.error.issues[0].path, "deltaTk");
    const request = await post("/runs", { modul: "thermo.calorimetry" });
    assertEquals(request.status, 400);
    assertStringIncludes(
      request.body.error.message,
      'unknown field "modul"; did you mean "module"?',
    );
    const experiment = await post("/experiments", { titel: "Coffee cup" });
    assertEquals(experiment.status, 400);
    assertStringIncludes(experiment.body.error.message, 'did you mean "title"?');
    assertEquals(await snapshotTree(`${dir}/data`), before);
  });
});

Deno.test("strict names: an unknown command or option suggests the nearest one on one line", async () => {
  const command = await runCli(["rnu"]);
  assertEquals([command.code, command.stderr], [
    2,
    "error: unknown command 'rnu' (Did you mean run?)\n",
  ]);
  const option = await runCli(["run", "thermo.calorimetry", "--parm", "massG=1"]);
  assertEquals(
    [option.code, option.stderr],
    [2, "error: unknown option '--parm' (Did you mean --param?)\n"],
  );
});

Deno.test("strict names: the panel's run form refuses a posted name that is not a field, with a suggestion", async () => {
  await withTempDir(async (dir) => {
    const { createApp, csrfToken } = await import("../../src/server/mod.ts");
    const token = "strict-panel-token-0123456789abcdef";
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const app = createApp({ lab, token, port: 8324 });
    const host = "127.0.0.1:8324";
    const login = await app.request(`http://${host}/?token=${token}`, { headers: { host } });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const before = await snapshotTree(`${dir}/data`);
    const post = (fields: Record<string, string>) =>
      app.request(`http://${host}/modules/thermo.calorimetry/run`, {
        method: "POST",
        headers: { host, cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrfToken(token), ...fields }).toString(),
      });
    const response = await post({ massG: "50", deltaTk: "3", amountMol: "0.01" });
    assertEquals(response.status, 400);
    assertStringIncludes(
      await response.text(),
      "is not a field of this module; did you mean &quot;deltaTK&quot;?",
    );
    assertEquals(await snapshotTree(`${dir}/data`), before);
    const ok = await post({ massG: "50", deltaTK: "3", amountMol: "0.01", experimentId: "" });
    assertEquals(ok.status, 303);
  });
});
