/**
 * Hostile crates: each is refused with one line, and leaves nothing behind
 * (the audit head and every record count are unchanged, no file escapes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { strToU8, Zip, ZipDeflate, zipSync } from "fflate";
import type { Lab } from "../../service/mod.ts";
import { crate, inTemp, markSymlink, newLab, sha, writeZip } from "./_fixtures_test.ts";

const RO = { "@id": "https://w3id.org/ro/crate/1.1" };

function graph(parts: unknown[], extra: unknown[] = []): unknown[] {
  return [
    {
      "@id": "ro-crate-metadata.json",
      "@type": "CreativeWork",
      about: { "@id": "./" },
      conformsTo: RO,
      sdPublisher: { "@id": "#x" },
      version: "1.0",
    },
    { "@id": "./", "@type": "Dataset", hasPart: parts },
    { "@id": "./e/", "@type": "Dataset", name: "E", hasPart: [{ "@id": "./e/a.txt" }] },
    { "@id": "./e/a.txt", "@type": "File", name: "a.txt", sha256: sha("hello") },
    ...extra,
  ];
}

async function state(lab: Lab): Promise<unknown> {
  const status = await lab.status();
  return { counts: status.counts, head: status.auditHead };
}

async function refused(
  dir: string,
  entries: Record<string, string | Uint8Array> | Uint8Array,
  pattern: RegExp,
): Promise<void> {
  const lab = await newLab(dir);
  const before = await state(lab);
  const file = `${dir}/hostile.eln`;
  if (entries instanceof Uint8Array) await Deno.writeFile(file, entries);
  else await writeZip(file, entries);
  await assert.rejects(lab.importEln(file), (error: Error & { kind?: string }) => {
    assert.equal(error.kind, "invalid");
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"));
    return true;
  });
  assert.deepEqual(await state(lab), before);
  assert.ok(!(await Deno.stat(`${dir}/evil.txt`).then(() => true, () => false)));
}

Deno.test("eln import refuses zip-slip and leaves nothing", async () => {
  await inTemp(async (dir) => {
    await refused(
      dir,
      {
        ...crate("r", graph([{ "@id": "./e/" }]), { "e/a.txt": "hello" }),
        "r/../../evil.txt": "x",
      },
      /entry "r\/\.\.\/\.\.\/evil\.txt" is not a plain relative path/,
    );
  });
});

Deno.test("eln import refuses an absolute entry name and a symbolic link", async () => {
  await inTemp(async (dir) => {
    await refused(
      dir,
      { ...crate("r", graph([{ "@id": "./e/" }]), { "e/a.txt": "hello" }), "/tmp/evil.txt": "x" },
      /entry "\/tmp\/evil\.txt" is not a plain relative path/,
    );
  });
  await inTemp(async (dir) => {
    const files: Record<string, Uint8Array> = {};
    for (const [name, text] of Object.entries(crate("r", graph([{ "@id": "./e/" }]), {}))) {
      files[name] = strToU8(text as string);
    }
    files["r/e/a.txt"] = strToU8("/etc/passwd");
    await refused(
      dir,
      markSymlink(zipSync(files), "r/e/a.txt"),
      /"r\/e\/a\.txt" is a symbolic link/,
    );
  });
});

Deno.test("eln import refuses a zip bomb while inflating it", async () => {
  await inTemp(async (dir) => {
    const chunks: Uint8Array[] = [];
    const zip = new Zip((error, data) => {
      if (error) throw error;
      chunks.push(data);
    });
    const meta = new ZipDeflate("r/ro-crate-metadata.json", { level: 9 });
    zip.add(meta);
    meta.push(strToU8(JSON.stringify({ "@graph": graph([{ "@id": "./e/" }]) })), true);
    const bomb = new ZipDeflate("r/e/a.txt", { level: 9 });
    zip.add(bomb);
    const zeros = new Uint8Array(1 << 20);
    for (let i = 0; i < 100; i++) bomb.push(zeros, false);
    bomb.push(new Uint8Array(0), true);
    zip.end();
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    assert.ok(bytes.length < 1 << 20, `the bomb is ${bytes.length} bytes`);
    await refused(dir, bytes, /inflate beyond \d+ bytes .*zip bomb/);
  });
});

Deno.test("eln import refuses a crate without metadata, or with metadata that is not JSON", async () => {
  await inTemp(async (dir) => {
    await refused(
      dir,
      { "r/e/a.txt": "hello" },
      /no top-level folder holds ro-crate-metadata\.json/,
    );
  });
  await inTemp(async (dir) => {
    await refused(
      dir,
      { "r/ro-crate-metadata.json": "{ not json", "r/e/a.txt": "hello" },
      /ro-crate-metadata\.json is not valid JSON/,
    );
  });
  await inTemp(async (dir) => {
    await refused(
      dir,
      { "r/ro-crate-metadata.json": '{"@graph": [{"@id": "./", "@type": "Dataset"}]}' },
      /has no metadata descriptor/,
    );
  });
});

Deno.test("eln import refuses a cyclic hasPart", async () => {
  await inTemp(async (dir) => {
    const cyclic = graph([{ "@id": "./e/" }], [
      { "@id": "./e/sub/", "@type": "Dataset", name: "S", hasPart: [{ "@id": "./e/" }] },
    ]);
    (cyclic[2] as { hasPart: unknown[] }).hasPart.push({ "@id": "./e/sub/" });
    await refused(
      dir,
      crate("r", cyclic, { "e/a.txt": "hello" }),
      /hasPart is cyclic \("\.\/e\/" -> "\.\/e\/sub\/" -> "\.\/e\/"\)/,
    );
  });
});

Deno.test("eln import refuses a file whose SHA-256 or size does not match", async () => {
  await inTemp(async (dir) => {
    await refused(
      dir,
      crate("r", graph([{ "@id": "./e/" }]), { "e/a.txt": "tampered" }),
      /file "\.\/e\/a\.txt" has SHA-256 .* but its "sha256" says "2cf24dba5fb0"…/,
    );
  });
  await inTemp(async (dir) => {
    const sized = graph([{ "@id": "./e/" }]);
    (sized[3] as Record<string, unknown>).contentSize = "99";
    await refused(
      dir,
      crate("r", sized, { "e/a.txt": "hello" }),
      /file "\.\/e\/a\.txt" is 5 bytes but its "contentSize" says 99/,
    );
  });
});
