import assert from "node:assert/strict";
import { unzipSync } from "fflate";
import { checkEln } from "./mod.ts";
import { inTemp, newLab, sampleExperiment, sha } from "./_fixtures_test.ts";

interface Node {
  "@id": string;
  "@type": string | string[];
  [key: string]: unknown;
}

Deno.test("eln export: the crate LabOS writes follows the specification and passes check", async () => {
  await inTemp(async (dir) => {
    const lab = await newLab(dir);
    const id = await sampleExperiment(lab, dir);
    const result = await lab.exportEln(`${dir}/out.eln`);
    assert.equal(result.experiments, 1);
    const check = await checkEln(result.file);
    assert.deepEqual(check.failures, []);
    assert.equal(check.publisher, "LabOS");

    const entries = unzipSync(await Deno.readFile(result.file));
    const names = Object.keys(entries);
    assert.ok(names.every((n) => n.startsWith("out/")), names.join(","));
    const metadata = JSON.parse(new TextDecoder().decode(entries["out/ro-crate-metadata.json"]));
    const graph = new Map<string, Node>(metadata["@graph"].map((n: Node) => [n["@id"], n]));
    const descriptor = graph.get("ro-crate-metadata.json")!;
    assert.deepEqual(descriptor.conformsTo, { "@id": "https://w3id.org/ro/crate/1.1" });
    assert.ok(typeof descriptor.dateCreated === "string");
    const publisher = graph.get((descriptor.sdPublisher as { "@id": string })["@id"])!;
    assert.equal(publisher.name, "LabOS");
    assert.match(String(publisher.version), /^\d+\.\d+\.\d+/);
    const root = graph.get("./")!;
    assert.deepEqual(root.hasPart, [{ "@id": `./${id}/` }]);

    const experiment = graph.get(`./${id}/`)!;
    assert.equal(experiment["@type"], "Dataset");
    assert.equal(experiment.name, "Arrhenius of the decomposition");
    assert.equal(experiment.description, "Find the activation energy");
    assert.deepEqual(experiment.keywords, ["kinetics", "year-2"]);
    assert.equal(experiment.creativeWorkStatus, "completed");
    assert.ok(experiment.dateCreated && experiment.dateModified);
    const author = graph.get((experiment.author as { "@id": string })["@id"])!;
    assert.equal(author["@type"], "Person");
    assert.equal(author.name, "ada");

    const parts = (experiment.hasPart as Array<{ "@id": string }>).map((p) => graph.get(p["@id"])!);
    const kinds = parts.map((p) => String(p.encodingFormat));
    for (const kind of ["text/csv", "application/json", "image/svg+xml", "application/x-ndjson"]) {
      assert.ok(kinds.includes(kind), `${kind} in ${kinds}`);
    }
    for (const part of parts) {
      const bytes = entries[`out/${part["@id"].slice(2)}`];
      assert.ok(bytes, part["@id"]);
      assert.equal(part.contentSize, String(bytes.byteLength));
      assert.equal(part.sha256, sha(bytes));
      assert.ok(part.encodingFormat);
    }
    const csv = parts.find((p) => p.encodingFormat === "text/csv")!;
    const columns = (csv.variableMeasured as Array<{ "@id": string }>).map((v) =>
      graph.get(v["@id"])!
    );
    assert.deepEqual(
      columns.map((c) => [c["@type"], c.name, c.unitCode]),
      [["PropertyValue", "time", "min"], ["PropertyValue", "conc", "mmol/L"], [
        "PropertyValue",
        "note",
        undefined,
      ]],
    );
    const text = new TextDecoder().decode(entries[`out/${csv["@id"].slice(2)}`]);
    assert.equal(text.split("\r\n")[0], "time [min],conc [mmol/L],note");
    assert.ok(parts.some((p) => p.name === "signatures.json"));
    const audit = new TextDecoder().decode(entries[`out/${id}/audit.jsonl`]).trim().split("\n");
    for (const line of audit) {
      const { event, hash } = JSON.parse(line);
      assert.equal(hash, sha(JSON.stringify(event)));
    }
    assert.ok(audit.some((line) => line.includes('"signature.created"')));
    const events = await lab.listAudit({ action: "eln.exported" });
    assert.equal(events.items.length, 1);
    assert.equal(events.items[0].details.sha256, result.sha256);
  });
});

Deno.test("eln export: refuses an existing file, a name without .eln and an unknown experiment", async () => {
  await inTemp(async (dir) => {
    const lab = await newLab(dir);
    await Deno.writeTextFile(`${dir}/taken.eln`, "x");
    await assert.rejects(lab.exportEln(`${dir}/taken.eln`), /the file exists/);
    await assert.rejects(lab.exportEln(`${dir}/x.zip`), /must end in "\.eln"/);
    await assert.rejects(
      lab.exportEln(`${dir}/y.eln`, { experimentIds: ["exp_01JAAAAAAAAAAAAAAAAAAAAAAA"] }),
      (error: Error & { kind?: string }) => error.kind === "not_found",
    );
    assert.ok(!(await Deno.stat(`${dir}/y.eln`).then(() => true, () => false)));
  });
});

Deno.test("eln export: attachment names with spaces, % and a drive letter survive the round trip", async () => {
  await inTemp(async (dir) => {
    const lab = await newLab(dir);
    const experiment = await lab.createExperiment({ title: "Names" });
    const names = ["100% pure (v2).txt", "C:", "Ünïcode ☃.dat"];
    for (const [index, fileName] of names.entries()) {
      await lab.attach(experiment.id, { bytes: new Uint8Array([index]), fileName });
    }
    const result = await lab.exportEln(`${dir}/names.eln`);
    assert.deepEqual((await checkEln(result.file)).failures, []);
    const target = await newLab(dir, "target");
    const imported = await target.importEln(result.file);
    assert.deepEqual(imported.skipped, []);
    const attached = await target.listAttachments(imported.experiments[0].id);
    assert.deepEqual(
      attached.map((a) => a.fileName).filter((n) => names.includes(n)).sort(),
      [...names].sort(),
    );
  });
});
