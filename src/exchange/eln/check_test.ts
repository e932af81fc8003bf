import assert from "node:assert/strict";
import { strToU8, zipSync } from "fflate";
import { checkEln } from "./mod.ts";
import { crate, inTemp, markSymlink, sha, writeZip } from "./_fixtures_test.ts";

const DESCRIPTOR = {
  "@id": "ro-crate-metadata.json",
  "@type": "CreativeWork",
  about: { "@id": "./" },
  conformsTo: { "@id": "https://w3id.org/ro/crate/1.1" },
  dateCreated: "2024-01-01T00:00:00Z",
  sdPublisher: { "@id": "#org" },
  version: "1.0",
};
const ORG = { "@id": "#org", "@type": "Organization", name: "Test ELN" };

function good(extra: { hasPart?: unknown[]; graph?: unknown[] } = {}): unknown[] {
  return [
    DESCRIPTOR,
    ORG,
    { "@id": "./", "@type": "Dataset", hasPart: extra.hasPart ?? [{ "@id": "./exp/" }] },
    {
      "@id": "./exp/",
      "@type": "Dataset",
      name: "Exp",
      hasPart: [{ "@id": "./exp/a.txt" }],
    },
    {
      "@id": "./exp/a.txt",
      "@type": "File",
      name: "a.txt",
      contentSize: "5",
      sha256: sha("hello"),
    },
    ...(extra.graph ?? []),
  ];
}

Deno.test("eln check: a well-formed crate passes", async () => {
  await inTemp(async (dir) => {
    const file = await writeZip(`${dir}/ok.eln`, crate("ok", good(), { "exp/a.txt": "hello" }));
    const result = await checkEln(file);
    assert.deepEqual(result.failures, []);
    assert.ok(result.ok);
    assert.equal(result.publisher, "Test ELN");
    assert.deepEqual(result.counts, { datasets: 2, files: 1, entries: 2 });
  });
});

Deno.test("eln check: every structural failure is one line", async () => {
  await inTemp(async (dir) => {
    const graph = good({
      hasPart: [{ "@id": "./exp/" }, { "@id": "./missing/" }],
      graph: [
        { "@id": "./exp/b.txt", "@type": "File", name: "b.txt" },
        { "@id": "./c/", "@type": "Dataset" },
      ],
    });
    (graph[3] as { hasPart: unknown[] }).hasPart.push({ "@id": "./exp/b.txt" });
    (graph[4] as { sha256: string }).sha256 = "0".repeat(64);
    (graph[4] as { contentSize: string }).contentSize = "6";
    const descriptor = { ...DESCRIPTOR, conformsTo: undefined, version: undefined };
    graph[0] = descriptor;
    const file = await writeZip(`${dir}/bad.eln`, {
      ...crate("bad", graph, { "exp/a.txt": "hello" }),
      "stray.txt": "x",
    });
    const result = await checkEln(file);
    assert.equal(result.ok, false);
    const expected = [
      /entry "stray.txt" is outside the root folder/,
      /does not "conformsTo" RO-Crate/,
      /descriptor has no "version"/,
      /"\.\/" hasPart "\.\/missing\/", which is not in the graph/,
      /File "\.\/exp\/a\.txt" is 5 bytes but "contentSize" says 6/,
      /File "\.\/exp\/a\.txt" has SHA-256 2cf24dba5fb0… but "sha256" says "000000000000"…/,
      /File "\.\/exp\/b\.txt" is listed but absent from the archive/,
      /Dataset "\.\/c\/" has no "name"/,
    ];
    for (const pattern of expected) {
      assert.ok(result.failures.some((f) => pattern.test(f)), `${pattern} in ${result.failures}`);
    }
    assert.equal(result.failures.length, expected.length, result.failures.join("\n"));
    for (const line of result.failures) assert.ok(!line.includes("\n"));
  });
});

Deno.test("eln check: missing metadata, metadata not JSON, cyclic hasPart, two roots", async () => {
  await inTemp(async (dir) => {
    const none = await writeZip(`${dir}/none.eln`, { "x/a.txt": "a" });
    assert.deepEqual((await checkEln(none)).failures, [
      "no top-level folder holds ro-crate-metadata.json",
    ]);
    const notJson = await writeZip(`${dir}/nj.eln`, { "x/ro-crate-metadata.json": "{not json" });
    const [line] = (await checkEln(notJson)).failures;
    assert.match(line, /^ro-crate-metadata\.json is not valid JSON/);
    const cyclic = good({
      graph: [{
        "@id": "./exp/sub/",
        "@type": "Dataset",
        name: "s",
        hasPart: [{ "@id": "./exp" }],
      }],
    });
    (cyclic[3] as { hasPart: unknown[] }).hasPart.push({ "@id": "./exp/sub/" });
    const cyc = await writeZip(`${dir}/c.eln`, crate("c", cyclic, { "exp/a.txt": "hello" }));
    assert.deepEqual((await checkEln(cyc)).failures, [
      'hasPart is cyclic: "./exp/" -> "./exp/sub/" -> "./exp/"',
    ]);
    const two = await writeZip(`${dir}/two.eln`, {
      ...crate("a", good(), { "exp/a.txt": "hello" }),
      "b/x.txt": "x",
    });
    assert.deepEqual((await checkEln(two)).failures, [
      'the archive has 2 top-level folders ("a", "b"); the specification requires exactly one',
    ]);
  });
});

Deno.test("eln check: zip-slip and symbolic links are failures, not extractions", async () => {
  await inTemp(async (dir) => {
    const slip = await writeZip(`${dir}/slip.eln`, {
      ...crate("s", good(), { "exp/a.txt": "hello" }),
      "s/../../evil.txt": "x",
    });
    const result = await checkEln(slip);
    assert.equal(result.failures.length, 1);
    assert.match(
      result.failures[0],
      /entry "s\/\.\.\/\.\.\/evil\.txt" is not a plain relative path/,
    );
    const bytes = zipSync({ "l/ro-crate-metadata.json": strToU8("{}"), "l/link": strToU8("/etc") });
    const link = `${dir}/link.eln`;
    await Deno.writeFile(link, markSymlink(bytes, "l/link"));
    assert.match((await checkEln(link)).failures[0], /"l\/link" is a symbolic link/);
  });
});
