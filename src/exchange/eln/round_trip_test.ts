/**
 * LabOS → `.eln` → LabOS, into a fresh data folder: every field the
 * issue names survives, asserted one by one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import type { AuditEvent } from "../../audit/mod.ts";
import type { Lab } from "../../service/mod.ts";
import type { Signature } from "../../records/mod.ts";
import { checkEln } from "./mod.ts";
import { inTemp, newLab, sampleExperiment, sha } from "./_fixtures_test.ts";

async function bytesOf(lab: Lab, attachmentId: string): Promise<Uint8Array> {
  const { body } = await lab.readAttachment(attachmentId);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function ed25519(publicKey: string) {
  const raw = Buffer.from(publicKey, "base64");
  // SPKI prefix of an Ed25519 key, then the raw 32 bytes.
  const der = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]);
  return createPublicKey({ key: der, format: "der", type: "spki" });
}

Deno.test("eln round trip: LabOS -> .eln -> a fresh LabOS keeps every field", async () => {
  await inTemp(async (dir) => {
    const source = await newLab(dir, "source");
    const id = await sampleExperiment(source, dir);
    const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    await source.attach(id, { bytes: photo, fileName: "set-up.jpg" }, { title: "The set-up" });
    const original = await source.getExperiment(id);
    const exported = await source.exportEln(`${dir}/round.eln`);
    assert.deepEqual((await checkEln(exported.file)).failures, []);

    const target = await newLab(dir, "target");
    const result = await target.importEln(exported.file);
    assert.equal(result.publisher, "LabOS");
    assert.deepEqual(result.skipped, []);
    assert.equal(result.experiments.length, 1);
    const copy = await target.getExperiment(result.experiments[0].id);

    // The experiment's fields.
    assert.equal(copy.title, original.title);
    assert.equal(copy.purpose, original.purpose);
    assert.deepEqual(copy.tags, original.tags);
    assert.equal(copy.status, original.status);
    assert.equal(copy.status, "completed");
    assert.equal(copy.source?.originalId, `./${id}/`);
    assert.equal(copy.source?.publisher, "LabOS");
    assert.equal(copy.source?.fileSha256, exported.sha256);
    assert.equal(copy.source?.dateCreated, original.createdAt);
    assert.equal(copy.source?.dateModified, original.updatedAt);
    assert.deepEqual(copy.source?.authors, [original.owner]);

    const attachments = await target.listAttachments(copy.id);
    const byName = new Map(attachments.map((a) => [a.fileName, a]));
    const read = async (name: string) => {
      const attachment = byName.get(name);
      assert.ok(attachment, `attachment ${name} in ${[...byName.keys()]}`);
      return await bytesOf(target, attachment.id);
    };
    const text = async (name: string) => new TextDecoder().decode(await read(name));

    // Tables with units: the same columns, units and cells.
    const tables = await Promise.all(original.datasetIds.map((d) => source.getDataset(d)));
    const table = tables.find((d) => d.kind === "imported")!;
    assert.equal(copy.datasetIds.length, 1);
    const copied = await target.getDataset(copy.datasetIds[0]);
    assert.deepEqual(
      copied.table?.columns.map((c) => [c.name, c.type, c.unit]),
      table.table?.columns.map((c) => [c.name, c.type, c.unit]),
    );
    assert.deepEqual(copied.table?.values, table.table?.values);
    assert.equal(copied.table?.rowCount, 3);
    assert.equal(copied.source?.eln?.originalId, `./${id}/tables/${table.id}.csv`);

    // Module outputs: the dataset record, output and hash unchanged.
    const output = tables.find((d) => d.kind === "module-output")!;
    const outputCopy = JSON.parse(await text(`${output.id}.json`));
    assert.deepEqual(outputCopy.output, output.output);
    assert.equal(outputCopy.outputHash, output.outputHash);
    assert.deepEqual(outputCopy.provenance, output.provenance);

    // Plots: the same SVG.
    const [jobId] = original.jobIds;
    assert.equal(await text(`${jobId}.svg`), await source.jobPlotSvg(jobId));
    assert.deepEqual(JSON.parse(await text(`${jobId}.json`)), await source.getJob(jobId));

    // Attachments: the same bytes, name and type.
    assert.deepEqual(await read("set-up.jpg"), photo);
    assert.equal(byName.get("set-up.jpg")?.mediaType, "image/jpeg");

    // Signatures: the same records, and each still verifies.
    const signatures = JSON.parse(await text("signatures.json")) as Signature[];
    const listed = await source.listSignatures(id);
    assert.equal(signatures.length, 1);
    assert.deepEqual(signatures.map((s) => s.id), listed.map((s) => s.id));
    for (const signature of signatures) {
      const { matches: _, ...shown } = listed.find((s) => s.id === signature.id)!;
      for (const [key, value] of Object.entries(shown)) {
        assert.deepEqual(signature[key as keyof Signature], value, key);
      }
      assert.equal(signature.recordId, id);
      assert.ok(verify(
        null,
        new TextEncoder().encode(signature.payload),
        ed25519(signature.publicKey),
        Buffer.from(signature.signature, "base64"),
      ));
    }

    // The audit excerpt: every line's hash verifies, and it is the source log's events.
    const lines = (await text("audit.jsonl")).trim().split("\n");
    const events = lines.map((line) => JSON.parse(line) as { event: AuditEvent; hash: string });
    for (const { event, hash } of events) assert.equal(hash, sha(JSON.stringify(event)));
    const related = new Set([
      id,
      ...original.datasetIds,
      ...original.jobIds,
      ...(original.attachmentIds ?? []),
      ...listed.map((s) => s.id),
    ]);
    const expected: number[] = [];
    for (let offset = 0;; offset += 1000) {
      const page = await source.listAudit({ limit: 1000, offset });
      for (const event of page.items) if (related.has(event.target.id)) expected.push(event.seq);
      if (!page.hasMore) break;
    }
    assert.deepEqual(events.map((e) => e.event.seq), expected.sort((a, b) => a - b));
    assert.ok(events.some((e) => e.event.action === "signature.created"));
    assert.ok(events.some((e) => e.event.action === "attachment.added"));

    // The import is audited once per experiment, and the target verifies.
    const imported = (await target.listAudit({ action: "eln.imported" })).items;
    assert.deepEqual(imported.map((e) => e.target.id), [copy.id]);
    assert.ok((await target.verifyAudit()).ok);
    assert.deepEqual((await target.doctor()).problems, []);
  });
});
