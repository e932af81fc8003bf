/**
 * File attachments: any file, stored once by its SHA-256 as a blob of the
 * storage, named by an `attachment` record linked to its experiment.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { LabosError, quote } from "../errors.ts";
import {
  type Attachment,
  type AttachmentSource,
  checkId,
  type Experiment,
  mib,
  newId,
  RECORD_SCHEMA_VERSION,
  validateRecord,
} from "../records/mod.ts";
import { type LabContext, recordEvent, requireReady, timestamp } from "./_context.ts";

/** The default size limit of an attached file: 100 MiB. */
export const DEFAULT_ATTACHMENT_MAX_BYTES: number = 100 * 1024 * 1024;

/** What to attach: a file on disk, or bytes (streamed) with the name they came under. */
export type AttachRequest =
  | { file: string }
  | { bytes: Uint8Array | AsyncIterable<Uint8Array>; fileName: string };

/** Options of `Lab.attach`. */
export interface AttachOptions {
  /** A short title. */
  title?: string;
  /** Why, recorded in the audit log. */
  reason?: string;
  /** The media type; guessed from the file name's extension when absent. */
  mediaType?: string;
  /** Where it came from, when imported (an `.eln` file). */
  source?: AttachmentSource;
}

/** An attachment's bytes, streamed, with its record. */
export interface AttachmentBody {
  /** The record. */
  attachment: Attachment;
  /** The bytes, in chunks. */
  body: AsyncIterable<Uint8Array>;
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  bmp: "image/bmp",
  csv: "text/csv",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  gif: "image/gif",
  gz: "application/gzip",
  htm: "text/html",
  html: "text/html",
  jpeg: "image/jpeg",
  jpg: "image/jpeg",
  json: "application/json",
  md: "text/markdown",
  mp4: "video/mp4",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  odt: "application/vnd.oasis.opendocument.text",
  pdf: "application/pdf",
  png: "image/png",
  svg: "image/svg+xml",
  tif: "image/tiff",
  tiff: "image/tiff",
  tsv: "text/tab-separated-values",
  txt: "text/plain",
  webp: "image/webp",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xml: "application/xml",
  zip: "application/zip",
};

/**
 * The media type of a file name, from its extension;
 * `application/octet-stream` when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guessMediaType } from "./_attachments.ts";
 * assert.equal(guessMediaType("setup.JPG"), "image/jpeg");
 * assert.equal(guessMediaType("run.raw"), "application/octet-stream");
 * ```
 */
export function guessMediaType(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  const extension = dot > 0 ? fileName.slice(dot + 1).toLowerCase() : "";
  return MEDIA_TYPES[extension] ?? "application/octet-stream";
}

/**
 * A safe stored name for a file name given by someone else: its last path
 * segment (after `/` or `\`), without control characters, trimmed, at most
 * 200 characters (keeping the extension); `file` when nothing is left.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeFileName } from "./_attachments.ts";
 * assert.equal(safeFileName("../../etc/passwd"), "passwd");
 * assert.equal(safeFileName("C:\\data\\run\r\n1.csv"), "run1.csv");
 * assert.equal(safeFileName(".."), "file");
 * ```
 */
export function safeFileName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? "";
  // deno-lint-ignore no-control-regex
  let clean = last.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "").trim();
  if (clean === "" || clean === "." || clean === "..") return "file";
  const chars = [...clean];
  if (chars.length > 200) {
    const dot = clean.lastIndexOf(".");
    const extension = dot > 0 ? [...clean.slice(dot)].slice(0, 20) : [];
    clean = [...chars.slice(0, 200 - extension.length), ...extension].join("");
  }
  return clean;
}

/**
 * Attaches a file to an experiment: the bytes are streamed into a blob
 * (refused past `maxBytes`, leaving nothing behind), then one transaction
 * creates the attachment record, appends it to the experiment's
 * `attachmentIds` and audits both. Allowed to whoever may edit the
 * experiment; an archived experiment takes no attachment.
 */
export async function attach(
  lab: LabContext,
  experimentId: string,
  input: { request: AttachRequest; options: AttachOptions },
): Promise<Attachment> {
  await requireReady(lab);
  const { request, options } = input;
  checkId("experiment", experimentId);
  const maxBytes = lab.attachmentMaxBytes;
  const given = "file" in request ? request.file : request.fileName;
  if (typeof given !== "string" || given === "") {
    throw new LabosError("invalid", `Cannot attach: give a file name`);
  }
  const fileName = safeFileName(given);
  const context = `Cannot attach ${quote(fileName)}`;
  const title = checkText(options.title, { field: "title", max: 200, context });
  const reason = checkText(options.reason, { field: "reason", max: 2000, context });
  const mediaType = options.mediaType ?? guessMediaType(fileName);
  checkOpen(await lab.storage.get("experiment", experimentId), context);
  const tooLarge = (size?: number) => {
    let limit = exactSize(maxBytes);
    let file = size === undefined ? "" : `${byteSize(size)}, `;
    if (size !== undefined && byteSize(size) === limit) {
      [limit, file] = [`${maxBytes} bytes`, `${size} bytes, `];
    }
    return new LabosError(
      "invalid",
      `${context}: the file is ${file}larger than the limit of ${limit} ("attachments.maxBytes")`,
    );
  };
  let source: AsyncIterable<Uint8Array> | Uint8Array;
  if ("file" in request) {
    source = await openSource(request.file, { context, maxBytes, tooLarge });
  } else if (request.bytes instanceof Uint8Array) {
    if (request.bytes.byteLength > maxBytes) throw tooLarge(request.bytes.byteLength);
    source = request.bytes;
  } else source = limited(request.bytes, { maxBytes, tooLarge });
  const blob = await lab.storage.putBlob(source, { maxBytes });
  return await lab.storage.transaction(async (tx) => {
    const experiment = await tx.get("experiment", experimentId);
    checkOpen(experiment, context);
    if (await lab.storage.blobSize(blob.sha256) !== blob.size) {
      throw new LabosError(
        "conflict",
        `${context}: its stored copy was moved aside meanwhile (labos doctor --repair); attach it again`,
      );
    }
    const now = timestamp(lab);
    const attachment: Attachment = {
      schemaVersion: RECORD_SCHEMA_VERSION,
      id: newId("attachment"),
      createdAt: now,
      updatedAt: now,
      createdBy: lab.actor,
      experimentId,
      fileName,
      ...(title === undefined ? {} : { title }),
      mediaType,
      size: blob.size,
      sha256: blob.sha256,
      ...(options.source === undefined ? {} : { source: options.source }),
    };
    validateRecord("attachment", attachment);
    const before = experiment.attachmentIds ?? [];
    const updated: Experiment = {
      ...experiment,
      attachmentIds: [...before, attachment.id],
      updatedAt: now,
    };
    validateRecord("experiment", updated);
    tx.create("attachment", attachment);
    tx.put("experiment", updated);
    tx.audit(recordEvent(lab, "attachment.added", {
      type: "attachment",
      record: attachment,
      reason: reason ?? null,
      details: { experimentId, fileName, sha256: blob.sha256, size: blob.size },
    }));
    tx.audit(recordEvent(lab, "experiment.linked", {
      type: "experiment",
      record: updated,
      details: {
        attachmentId: attachment.id,
        before: { attachmentIds: before },
        after: { attachmentIds: updated.attachmentIds },
      },
    }));
    return attachment;
  });
}

/** The attachments of an experiment, oldest first. */
export async function listAttachments(
  lab: LabContext,
  experimentId: string,
): Promise<Attachment[]> {
  await requireReady(lab);
  checkId("experiment", experimentId);
  const experiment = await lab.storage.get("experiment", experimentId);
  const attachments: Attachment[] = [];
  for (const id of experiment.attachmentIds ?? []) {
    attachments.push(await lab.storage.get("attachment", id));
  }
  return attachments;
}

/** One attachment's record. */
export async function getAttachment(lab: LabContext, id: string): Promise<Attachment> {
  await requireReady(lab);
  checkId("attachment", id);
  return await lab.storage.get("attachment", id);
}

/** One attachment's record and bytes; `not_found` when its file is missing. */
export async function readAttachment(lab: LabContext, id: string): Promise<AttachmentBody> {
  const attachment = await getAttachment(lab, id);
  const size = await lab.storage.blobSize(attachment.sha256);
  if (size === undefined) {
    throw new LabosError(
      "not_found",
      `The file of attachment ${quote(id)} (${
        quote(attachment.fileName)
      }) is missing from the store; run "labos doctor"`,
    );
  }
  return { attachment, body: lab.storage.readBlob(attachment.sha256) };
}

/**
 * A size for messages: `512 bytes`, `3.5 KiB`, `100 MiB`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { byteSize } from "./_attachments.ts";
 * assert.equal(byteSize(100 * 1024 * 1024), "100 MiB");
 * assert.equal(byteSize(1536), "1.5 KiB");
 * ```
 */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) {
    const kib = bytes / 1024;
    return `${kib >= 100 ? Math.round(kib) : kib.toFixed(1).replace(/\.0$/, "")} KiB`;
  }
  return mib(bytes);
}

/** A limit as set: in MiB or KiB when it is a whole number of them, else in bytes. */
function exactSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function checkOpen(experiment: Experiment, context: string): void {
  if (experiment.status === "archived") {
    throw new LabosError(
      "conflict",
      `${context}: experiment ${quote(experiment.id)} is "archived", which is final`,
    );
  }
}

function checkText(
  value: unknown,
  rule: { field: string; max: number; context: string },
): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === "string" ? value.trim() : undefined;
  if (text === undefined || text === "" || [...text].length > rule.max) {
    throw new LabosError(
      "invalid",
      `${rule.context}: "${rule.field}" must be 1 to ${rule.max} characters: current value is ${
        quote(value)
      }`,
    );
  }
  return text;
}

type TooLarge = (size?: number) => LabosError;

/** A file's bytes in 1 MiB chunks, after refusing a missing file, a folder or one too large. */
async function openSource(
  file: string,
  limits: { context: string; maxBytes: number; tooLarge: TooLarge },
): Promise<AsyncIterable<Uint8Array>> {
  const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") {
      throw new LabosError("invalid", `${limits.context}: no such file ${quote(file)}`);
    }
    if (error.code === "EACCES" || error.code === "EPERM") {
      throw new LabosError("invalid", `${limits.context}: ${quote(file)} cannot be read`);
    }
    throw error;
  });
  if (stat.isDirectory()) {
    throw new LabosError("invalid", `${limits.context}: ${quote(file)} is a folder, not a file`);
  }
  if (!stat.isFile()) {
    throw new LabosError("invalid", `${limits.context}: ${quote(file)} is not a regular file`);
  }
  if (stat.size > limits.maxBytes) throw limits.tooLarge(stat.size);
  async function* chunks(): AsyncIterable<Uint8Array> {
    const handle = await fs.open(path.resolve(file), "r");
    try {
      for (;;) {
        const buffer = new Uint8Array(1 << 20);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
  return limited(chunks(), limits);
}

/** The chunks, refused with the service's message once they pass `maxBytes`. */
async function* limited(
  source: AsyncIterable<Uint8Array>,
  limits: { maxBytes: number; tooLarge: TooLarge },
): AsyncIterable<Uint8Array> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > limits.maxBytes) throw limits.tooLarge();
    yield chunk;
  }
}
