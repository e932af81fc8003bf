import fc from "fast-check";
import { assertEquals } from "../../test/_assert.ts";
import { parsePyJson, pyDumps, pyFloatRepr } from "./_pyjson.ts";

const python = await new Deno.Command("python3", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((output) => output.success, () => false);

Deno.test("pyFloatRepr matches Python's repr on known values", () => {
  const cases: Array<[number, string]> = [
    [1, "1.0"],
    [0.1, "0.1"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [123456789012345680, "1.2345678901234568e+17"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [-2.5e-7, "-2.5e-07"],
    [-0, "-0.0"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [Infinity, "Infinity"],
    [NaN, "NaN"],
  ];
  for (const [value, repr] of cases) assertEquals(pyFloatRepr(value), repr, String(value));
});

Deno.test("pyDumps keeps ints and floats apart, sorts keys by code point, escapes like ensure_ascii", () => {
  const text =
    '{"b": 1.0, "a": [1, -0, 2.50, 1E400], "\\ud83e\\uddea": "é\\u0000\\u007f", "z": null}';
  assertEquals(
    pyDumps(parsePyJson(text)),
    '{"a": [1, 0, 2.5, Infinity], "b": 1.0, "z": null, "\\ud83e\\uddea": "\\u00e9\\u0000\\u007f"}',
  );
});

Deno.test({
  name:
    "pyDumps agrees byte for byte with python3's json.dumps(sort_keys=True) on 300 random documents",
  ignore: !python,
  async fn() {
    const documents = fc.sample(
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      {
        numRuns: 300,
        seed: 42,
      },
    );
    const floats = fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), {
      numRuns: 300,
      seed: 43,
    }).map((value) => `[${value === 0 ? "0.0" : value.toExponential()}, "\\u00fc\\ud800 \\t"]`);
    const inputs = [...documents, ...floats, '{"\\uffff": 1, "\\ud800\\udc00": 2, "a": {}}'];
    const script =
      "import json,sys\nfor line in sys.stdin.read().split('\\n'):\n    print(json.dumps(json.loads(line), sort_keys=True))";
    const child = new Deno.Command("python3", {
      args: ["-c", script],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(inputs.join("\n")));
    await writer.close();
    const output = new TextDecoder().decode((await child.output()).stdout).split("\n");
    for (const [index, input] of inputs.entries()) {
      assertEquals(pyDumps(parsePyJson(input)), output[index], input);
    }
  },
});
