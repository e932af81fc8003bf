import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "../../test/_assert.ts";
import type { LabosError } from "../errors.ts";
import { FolderStorage } from "../storage/folder/mod.ts";
import { folderOnlyTest, openTestLab, TEST_STORE } from "../../test/_store.ts";
import { openLab } from "./open_lab.ts";
import type { Lab } from "./_lab.ts";

/** A lab on the store of this run (test/_store.ts); close it before the test ends. */
async function freshLab(options: { attachmentMaxBytes?: number } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "labos-attach-" });
  const lab = await openTestLab({ dataDir: dir, actor: "ada", ...options });
  await lab.init();
  const experiment = await lab.createExperiment({ title: "Set-up photos" });
  return { dir, lab, experiment };
}

/** What a refused change must leave as it was: the folder's files, or the store's audit head and counts. */
async function stateOf(lab: Lab, dir: string): Promise<unknown> {
  if (TEST_STORE === "folder") return await snapshotOf(dir);
  const status = await lab.status();
  return { head: status.auditHead, counts: status.counts };
}

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Every file under a folder, relative, sorted (temporary files included). */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory) {
      for (const inner of await filesUnder(full)) found.push(`${entry.name}/${inner}`);
    } else found.push(entry.name);
  }
  return found.sort();
}

async function snapshotOf(dir: string): Promise<string[]> {
  const files = await filesUnder(dir);
  return await Promise.all(files.map(async (file) => {
    const bytes = await Deno.readFile(path.join(dir, file));
    return `${file} ${createHash("sha256").update(bytes).digest("hex")}`;
  }));
}

function sha(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("attach stores the file once by its SHA-256, links it and audits it", async () => {
  const { dir, lab, experiment } = await freshLab();
  await using _ = lab;
  const file = path.join(await Deno.makeTempDir(), "balance reading.txt");
  await Deno.writeTextFile(file, "12.345 g\n");
  const attachment = await lab.attach(experiment.id, { file }, {
    title: "Balance",
    reason: "raw reading",
  });
  assertEquals(attachment.fileName, "balance reading.txt");
  assertEquals(attachment.mediaType, "text/plain");
  assertEquals(attachment.size, 9);
  assertEquals(attachment.sha256, sha("12.345 g\n"));
  assertEquals(attachment.title, "Balance");
  assertMatch(attachment.id, /^att_/);
  const blob = path.join(dir, "blobs", "sha256", attachment.sha256.slice(0, 2), attachment.sha256);
  // The data folder's layout; on PostgreSQL the blob is a row, read back below.
  if (TEST_STORE === "folder") assertEquals(await Deno.readTextFile(blob), "12.345 g\n");
  assertEquals((await lab.getExperiment(experiment.id)).attachmentIds, [attachment.id]);
  assertEquals(await lab.listAttachments(experiment.id), [attachment]);
  assertEquals(await lab.getAttachment(attachment.id), attachment);
  const read = await lab.readAttachment(attachment.id);
  assertEquals(new TextDecoder().decode(await bytesOf(read.body)), "12.345 g\n");

  // The same bytes again: a second record, one blob.
  const again = await lab.attach(experiment.id, {
    bytes: new TextEncoder().encode("12.345 g\n"),
    fileName: "copy.txt",
  });
  assertEquals(again.sha256, attachment.sha256);
  if (TEST_STORE === "folder") assertEquals((await filesUnder(path.join(dir, "blobs"))).length, 1);
  assertEquals(
    new TextDecoder().decode(await bytesOf((await lab.readAttachment(again.id)).body)),
    "12.345 g\n",
  );
  assertEquals((await lab.getExperiment(experiment.id)).attachmentIds, [
    attachment.id,
    again.id,
  ]);

  const events = (await lab.listAudit({ action: "attachment.added" })).items;
  assertEquals(events.length, 2);
  assertEquals(events[1].target, { type: "attachment", id: attachment.id });
  assertEquals(events[1].reason, "raw reading");
  assertEquals(events[1].details.experimentId, experiment.id);
  assertEquals(events[1].details.fileName, "balance reading.txt");
  assertEquals(events[1].details.sha256, attachment.sha256);
  assertEquals(events[1].details.size, 9);
  const doctor = await lab.doctor();
  assertEquals(doctor.problems, []);
  assertEquals(doctor.checked.attachments, 2);
});

Deno.test("attach names a file safely whatever name it came under", async () => {
  const { lab, experiment } = await freshLab();
  await using _ = lab;
  const names: Array<[string, string]> = [
    ["../../etc/passwd", "passwd"],
    ['a"b.txt', 'a"b.txt'],
    ["C:\\Users\\x\\run.csv", "run.csv"],
    ["evil\r\nSet-Cookie: x.txt", "evilSet-Cookie: x.txt"],
    ["Messung µ-Größe ✓.pdf", "Messung µ-Größe ✓.pdf"],
    ["..", "file"],
    ["x".repeat(300) + ".tiff", "x".repeat(195) + ".tiff"],
  ];
  for (const [given, stored] of names) {
    const attachment = await lab.attach(experiment.id, {
      bytes: new Uint8Array([1, 2, 3]),
      fileName: given,
    });
    assertEquals(attachment.fileName, stored);
  }
});

// Checks the storage's temporary files in the data folder.
folderOnlyTest(
  "a file over attachments.maxBytes is refused in one line and leaves nothing behind",
  async () => {
    const { dir, lab, experiment } = await freshLab({ attachmentMaxBytes: 1000 });
    await using _ = lab;
    const before = await snapshotOf(dir);
    const big = path.join(await Deno.makeTempDir(), "spectrum.raw");
    await Deno.writeFile(big, new Uint8Array(1500));
    const fromFile = await assertRejects(() =>
      lab.attach(experiment.id, { file: big })
    ) as LabosError;
    assertEquals(fromFile.kind, "invalid");
    assertEquals(
      fromFile.message,
      'Cannot attach "spectrum.raw": the file is 1.5 KiB, larger than the limit of 1000 bytes ("attachments.maxBytes")',
    );
    async function* stream(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 4; i++) yield new Uint8Array(400);
    }
    const streamed = await assertRejects(() =>
      lab.attach(experiment.id, { bytes: stream(), fileName: "spectrum.raw" })
    ) as LabosError;
    assertEquals(
      streamed.message,
      'Cannot attach "spectrum.raw": the file is larger than the limit of 1000 bytes ("attachments.maxBytes")',
    );
    // The storage refuses on its own too, with no temporary file left.
    const storage = new FolderStorage(dir);
    await assertRejects(
      () => storage.putBlob(stream(), { maxBytes: 1000 }),
      /larger than the limit/,
    );
    assertEquals(await snapshotOf(dir), before);
    // Exactly the limit is fine.
    const fits = await lab.attach(experiment.id, {
      bytes: new Uint8Array(1000),
      fileName: "fits.raw",
    });
    assertEquals(fits.size, 1000);
  },
);

Deno.test("attach refuses a missing file, a folder, an unknown or archived experiment, writing nothing", async () => {
  const { dir, lab, experiment } = await freshLab();
  await using _ = lab;
  const before = await stateOf(lab, dir);
  const folder = await Deno.makeTempDir();
  const cases: Array<[() => Promise<unknown>, RegExp, string]> = [
    [
      () => lab.attach(experiment.id, { file: path.join(folder, "nope.pdf") }),
      /^Cannot attach "nope\.pdf": no such file ".*nope\.pdf"$/,
      "invalid",
    ],
    [
      () => lab.attach(experiment.id, { file: folder }),
      /^Cannot attach ".*": ".*" is a folder, not a file$/,
      "invalid",
    ],
    [
      () =>
        lab.attach("exp_01JAAAAAAAAAAAAAAAAAAAAAAA", {
          bytes: new Uint8Array(1),
          fileName: "a.txt",
        }),
      /^No experiment with id "exp_01JAAAAAAAAAAAAAAAAAAAAAAA"$/,
      "not_found",
    ],
    [
      () => lab.attach("nope", { bytes: new Uint8Array(1), fileName: "a.txt" }),
      /^Invalid experiment id "nope"/,
      "invalid",
    ],
    [
      () =>
        lab.attach(experiment.id, { bytes: new Uint8Array(1), fileName: "a.txt" }, {
          title: "x".repeat(201),
        }),
      /^Cannot attach "a\.txt": "title" must be 1 to 200 characters/,
      "invalid",
    ],
  ];
  for (const [run, message, kind] of cases) {
    const error = await assertRejects(run) as LabosError;
    assertMatch(error.message, message);
    assertEquals(error.kind, kind);
    assert(!error.message.includes("\n"));
  }
  assertEquals(await stateOf(lab, dir), before);
  await lab.transitionExperiment(experiment.id, { to: "archived", reason: "done" });
  const archived = await assertRejects(() =>
    lab.attach(experiment.id, { bytes: new Uint8Array(1), fileName: "late.txt" })
  ) as LabosError;
  assertEquals(archived.kind, "conflict");
  assertMatch(archived.message, /is "archived", which is final$/);
});

async function classLab(): Promise<{ root: Lab; amy: Lab; ben: Lab; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "labos-attach-scopes-" });
  const root = await openTestLab({
    dataDir: dir,
    actor: "prof",
    scryptCost: { N: 2 ** 10, r: 8, p: 1 },
  });
  await root.init();
  for (const username of ["amy", "ben"]) {
    await root.addUser({ username, role: "student", password: "correct horse battery" });
  }
  const amy = root.as({ actor: "amy", role: "student", auth: "session" });
  const ben = root.as({ actor: "ben", role: "student", auth: "session" });
  return { root, amy, ben, dir };
}

Deno.test("a student attaches to their own and shared experiments only, and sees only those attachments", async () => {
  const { root, amy, ben, dir } = await classLab();
  await using _ = root;
  const bens = await ben.createExperiment({ title: "Ben's" });
  const amys = await amy.createExperiment({ title: "Amy's" });
  const benFile = await ben.attach(bens.id, { bytes: new Uint8Array([9]), fileName: "b.txt" });
  const before = await stateOf(root, dir);
  const refused = await assertRejects(() =>
    amy.attach(bens.id, { bytes: new Uint8Array([7]), fileName: "sneaky.txt" })
  ) as LabosError;
  assertEquals(refused.kind, "not_found");
  assertEquals(refused.message, `No experiment with id "${bens.id}"`);
  assertEquals(await stateOf(root, dir), before);
  for (
    const read of [
      () => amy.getAttachment(benFile.id),
      () => amy.readAttachment(benFile.id),
      () => amy.listAttachments(bens.id),
    ]
  ) {
    const error = await assertRejects(read) as LabosError;
    assertEquals(error.kind, "not_found");
  }
  const mine = await amy.attach(amys.id, { bytes: new Uint8Array([1]), fileName: "a.txt" });
  assertEquals(mine.createdBy, "amy");
  // Amy's audit view shows her upload, not Ben's.
  assertEquals(
    (await amy.listAudit({ action: "attachment.added" })).items.map((event) => event.target.id),
    [mine.id],
  );
  const added = (await root.listAudit({ action: "attachment.added" })).items[0];
  assertEquals(added.actor, "amy");
  assertEquals(added.details.auth, "session");
  // Shared with amy: she may attach and read, like editing.
  await root.shareExperiment(bens.id, { with: ["amy"] });
  const shared = await amy.attach(bens.id, { bytes: new Uint8Array([2]), fileName: "s.txt" });
  assertEquals((await amy.listAttachments(bens.id)).map((a) => a.id), [benFile.id, shared.id]);
  assertEquals((await amy.getAttachment(benFile.id)).id, benFile.id);
  // Ben's upload to the shared experiment is now in Amy's audit view.
  assertEquals(
    (await amy.listAudit({ action: "attachment.added" })).items.map((event) => event.target.id),
    [shared.id, mine.id, benFile.id],
  );
  // Staff see everything.
  assertEquals((await root.listAttachments(amys.id)).map((a) => a.id), [mine.id]);
});

// A data folder's layout from before attachments.
folderOnlyTest(
  "a data folder from before attachments (no attachments/ folder) works unchanged",
  async () => {
    const { dir, lab, experiment } = await freshLab();
    await lab.close();
    await fs.rm(path.join(dir, "attachments"), { recursive: true });
    await fs.rm(path.join(dir, "indexes", "attachments.ids"), { force: true });
    const manifest = await Deno.readTextFile(path.join(dir, "labos.json"));
    await using reopened = openLab({ dataDir: dir, actor: "ada" });
    assertEquals((await reopened.status()).manifest.schemaVersion, 2);
    assertEquals(await reopened.listAttachments(experiment.id), []);
    assertEquals((await reopened.doctor()).problems, []);
    const attachment = await reopened.attach(experiment.id, {
      bytes: new Uint8Array([1, 2]),
      fileName: "first.bin",
    });
    assertEquals((await reopened.listAttachments(experiment.id)).map((a) => a.id), [attachment.id]);
    assertEquals((await reopened.doctor()).problems, []);
    assertEquals(await Deno.readTextFile(path.join(dir, "labos.json")), manifest);
  },
);

// Reads the blob's size in the data folder (the PostgreSQL store streams blobs in its own tests).
folderOnlyTest("a blob streams through in chunks: 256 MiB never held in memory", async () => {
  const { dir, lab, experiment } = await freshLab({ attachmentMaxBytes: 512 * 1024 * 1024 });
  await using _ = lab;
  const hash = createHash("sha256");
  const total = Deno.env.get("LABOS_SOAK") ? 1024 : 256;
  let peak = 0;
  let writtenMidway = 0;
  async function* stream(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < total; i++) {
      // A new buffer each time: one held on to would show in the RSS.
      const chunk = new Uint8Array(1 << 20).fill(i & 0xff);
      hash.update(chunk);
      if (i % 16 === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
      if (i === total / 2) writtenMidway = await incomingBytes(dir);
      yield chunk;
    }
  }
  const start = Deno.memoryUsage().rss;
  const attachment = await lab.attach(experiment.id, { bytes: stream(), fileName: "big.raw" });
  assertEquals(attachment.size, total << 20);
  assertEquals(attachment.sha256, hash.digest("hex"));
  // Deterministic: half-way through, the temporary file already holds nearly half the bytes.
  assert(
    writtenMidway >= (total / 2 - 8) << 20,
    `only ${writtenMidway} bytes on disk after ${total / 2} MiB streamed`,
  );
  // RSS is noisy (the collector runs when it likes), so the bound only has to tell streaming
  // from buffering: holding every chunk would grow it by the whole ${total} MiB.
  const grown = (peak - start) / (1 << 20);
  assert(grown < total / 2, `RSS grew by ${grown.toFixed(0)} MiB while streaming ${total} MiB`);
  const stat = await Deno.stat(
    path.join(dir, "blobs", "sha256", attachment.sha256.slice(0, 2), attachment.sha256),
  );
  assertEquals(stat.size, total << 20);
  await fs.rm(dir, { recursive: true });
});

/** The bytes in the blob store's temporary files (`blobs/sha256/incoming…`). */
async function incomingBytes(dir: string): Promise<number> {
  const folder = path.join(dir, "blobs", "sha256");
  let bytes = 0;
  for (const name of await fs.readdir(folder)) {
    if (name.includes("incoming")) bytes += (await fs.stat(path.join(folder, name))).size;
  }
  return bytes;
}
