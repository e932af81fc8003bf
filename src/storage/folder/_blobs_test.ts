import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { assertEquals, assertRejects } from "../../../test/_assert.ts";
import type { LabosError } from "../../errors.ts";
import { FolderStorage } from "./_storage.ts";

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of body) out.push(...chunk);
  return out;
}

Deno.test("putBlob is content-addressed and idempotent; readBlob, blobSize and listBlobs agree", async () => {
  const dir = await Deno.makeTempDir();
  const storage = new FolderStorage(dir);
  const bytes = new TextEncoder().encode("spectrum");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  async function* chunks(): AsyncIterable<Uint8Array> {
    yield bytes.slice(0, 3);
    yield bytes.slice(3);
  }
  assertEquals(await storage.putBlob(bytes), { sha256, size: 8 });
  assertEquals(await storage.putBlob(chunks()), { sha256, size: 8 });
  assertEquals(await storage.blobSize(sha256), 8);
  assertEquals(await bytesOf(storage.readBlob(sha256)), [...bytes]);
  assertEquals(await Array.fromAsync(storage.listBlobs()), [sha256]);
  assertEquals(
    await fs.readdir(path.join(dir, "blobs", "sha256", sha256.slice(0, 2))),
    [sha256],
  );
  const empty = await storage.putBlob(new Uint8Array(0));
  assertEquals(empty.size, 0);
  assertEquals(await Array.fromAsync(storage.listBlobs()), [sha256, empty.sha256].sort());
  await storage.close();
  await storage.close();
});

Deno.test("readBlob of an absent blob is not_found, of a malformed hash invalid; blobSize is undefined", async () => {
  const storage = new FolderStorage(await Deno.makeTempDir());
  const absent = "0".repeat(64);
  assertEquals(await storage.blobSize(absent), undefined);
  const missing = await assertRejects(() => bytesOf(storage.readBlob(absent))) as LabosError;
  assertEquals(missing.kind, "not_found");
  for (const bad of ["../../etc/passwd", "A".repeat(64), "0".repeat(63)]) {
    const error = await assertRejects(() => bytesOf(storage.readBlob(bad))) as LabosError;
    assertEquals(error.kind, "invalid");
  }
});

Deno.test("a failing source leaves no temporary file, and a linked blobs folder is refused", async () => {
  const dir = await Deno.makeTempDir();
  const storage = new FolderStorage(dir);
  async function* broken(): AsyncIterable<Uint8Array> {
    yield new Uint8Array(10);
    throw new Error("connection lost");
  }
  await assertRejects(() => storage.putBlob(broken()), /connection lost/);
  assertEquals(await fs.readdir(path.join(dir, "blobs", "sha256")), []);

  const linked = await Deno.makeTempDir();
  const outside = await Deno.makeTempDir();
  await fs.symlink(outside, path.join(linked, "blobs"));
  const refused = await assertRejects(() =>
    new FolderStorage(linked).putBlob(new Uint8Array(1))
  ) as LabosError;
  assertEquals(refused.kind, "check_failed");
  assertEquals(await fs.readdir(outside), []);
});
