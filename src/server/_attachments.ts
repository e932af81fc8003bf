/**
 * Attachment uploads and downloads over HTTP. An upload streams from the
 * request into the store (multipart with the file last, or the raw bytes
 * with `?fileName=`); a download streams out as an attachment with a safe
 * file name, never as a page the browser would render.
 *
 * @module
 */
import type { Context } from "hono";
import { LabosError, quote } from "../errors.ts";
import type { Attachment } from "../records/mod.ts";
import { byteSize } from "../service/mod.ts";
import { fieldText, multipartBoundary, readMultipart } from "./_multipart.ts";
import { CSRF_FIELD, safeEqual } from "./_security.ts";
import type { ServerEnv } from "./_state.ts";

/** Room for the other fields and the multipart framing beyond the file itself. */
const UPLOAD_SLACK = 1024 * 1024;
const TEXT_FIELD_BYTES = 16 * 1024;

/** The media types a download keeps; any other is sent as `application/octet-stream`. */
const SAFE_TYPES: ReadonlySet<string> = new Set([
  "application/gzip",
  "application/json",
  "application/pdf",
  "application/zip",
  "image/bmp",
  "image/gif",
  "image/jpeg",
  "image/png",
  "image/tiff",
  "image/webp",
  "text/csv",
  "text/plain",
  "text/tab-separated-values",
  "video/mp4",
]);

/**
 * The Content-Type of a download: the attachment's media type when it is
 * one a browser will not run (never HTML, SVG or XML), else
 * `application/octet-stream`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { downloadType } from "./_attachments.ts";
 * assert.equal(downloadType("image/png"), "image/png");
 * assert.equal(downloadType("text/html"), "application/octet-stream");
 * assert.equal(downloadType("image/svg+xml"), "application/octet-stream");
 * ```
 */
export function downloadType(mediaType: string): string {
  return SAFE_TYPES.has(mediaType) ? mediaType : "application/octet-stream";
}

/**
 * A `Content-Disposition: attachment` value naming the file safely: an
 * ASCII fallback `filename` (quotes, backslashes, `%`, `;` and non-ASCII
 * replaced by `_`) and the exact name as RFC 5987 `filename*`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentDisposition } from "./_attachments.ts";
 * assert.equal(
 *   contentDisposition('a"b.txt'),
 *   `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`,
 * );
 * assert.equal(
 *   contentDisposition("Größe µ.pdf"),
 *   `attachment; filename="Gr__e _.pdf"; filename*=UTF-8''Gr%C3%B6%C3%9Fe%20%C2%B5.pdf`,
 * );
 * ```
 */
export function contentDisposition(fileName: string): string {
  // deno-lint-ignore no-control-regex
  const clean = fileName.replace(/[\u0000-\u001f\u007f]/g, "");
  const fallback = [...clean].map((char) =>
    /^[\x20-\x7e]$/.test(char) && !/["\\%;]/.test(char) ? char : "_"
  )
    .join("");
  const encoded = encodeURIComponent(clean).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback || "file"}"; filename*=UTF-8''${encoded}`;
}

/**
 * The download response of an attachment: its bytes streamed, as an attachment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { downloadResponse } from "./_attachments.ts";
 * async function* bytes() { yield new Uint8Array([1, 2]); }
 * const response = downloadResponse(
 *   { fileName: "page.html", mediaType: "text/html", size: 2 } as never,
 *   bytes(),
 * );
 * assert.equal(response.headers.get("content-type"), "application/octet-stream");
 * assert.deepEqual([...new Uint8Array(await response.arrayBuffer())], [1, 2]);
 * ```
 */
export function downloadResponse(
  attachment: Attachment,
  body: AsyncIterable<Uint8Array>,
): Response {
  return new Response(streamOf(body), {
    headers: {
      "Content-Type": downloadType(attachment.mediaType),
      "Content-Disposition": contentDisposition(attachment.fileName),
      "Content-Length": String(attachment.size),
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, no-cache",
    },
  });
}

function streamOf(body: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/**
 * Reads an upload and attaches it to the experiment `id` through the
 * service, streaming the file into the store. Multipart: the fields
 * `title` and `reason`, then `file` (last); a panel form sends its CSRF
 * token first. Any other body is the file itself, named by `?fileName=`,
 * with `?title=` and `?reason=`.
 */
export async function attachUpload(c: Context<ServerEnv>, id: string): Promise<Attachment> {
  const lab = c.var.lab;
  const length = Number(c.req.header("content-length") ?? NaN);
  const limit = lab.attachmentMaxBytes;
  if (length > limit + UPLOAD_SLACK) {
    throw new LabosError(
      "invalid",
      `Cannot attach: the upload is ${byteSize(length)}, larger than the limit of ${
        limit % 1024 === 0 ? byteSize(limit) : `${limit} bytes`
      } ("attachments.maxBytes")`,
    );
  }
  const stream = c.req.raw.body;
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/")) {
    const fileName = c.req.query("fileName");
    if (fileName === undefined || fileName.trim() === "") {
      throw new LabosError(
        "invalid",
        `"fileName" is required: name the file, e.g. ?fileName=setup.jpg, or send multipart/form-data`,
        { issues: [{ path: "fileName", message: "is required" }] },
      );
    }
    return await lab.attach(id, { bytes: stream ?? new Uint8Array(0), fileName }, {
      title: c.req.query("title") || undefined,
      reason: c.req.query("reason") || undefined,
    });
  }
  const boundary = multipartBoundary(type);
  const reader = (stream ?? new ReadableStream<Uint8Array>()).getReader();
  try {
    return await attachParts(c, id, { chunks: chunksOf(reader), boundary });
  } catch (error) {
    // Read the rest (bounded by the limit) so that the client gets the answer, not a reset.
    let left = lab.attachmentMaxBytes + UPLOAD_SLACK;
    while (left > 0) {
      const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (next.done) break;
      left -= next.value.byteLength;
    }
    throw error;
  } finally {
    reader.releaseLock();
  }
}

async function attachParts(
  c: Context<ServerEnv>,
  id: string,
  body: { chunks: AsyncIterable<Uint8Array>; boundary: string },
): Promise<Attachment> {
  const lab = c.var.lab;
  const pending = c.get("csrfPending");
  const fields: Record<string, string> = {};
  let attached: Attachment | undefined;
  let first = true;
  for await (const part of readMultipart(body.chunks, body.boundary)) {
    if (first && pending !== undefined) {
      const token = part.name === CSRF_FIELD ? await fieldText(part, 1024) : undefined;
      if (token === undefined || !safeEqual(token, pending)) {
        throw new LabosError(
          "forbidden",
          "Missing or invalid CSRF token: reload the page and try again",
        );
      }
      first = false;
      continue;
    }
    first = false;
    if (attached !== undefined) {
      throw new LabosError(
        "invalid",
        `Invalid upload: the ${quote(part.name)} field must come before "file"`,
      );
    }
    if (part.name === "file") {
      if (part.fileName === undefined) {
        throw new LabosError("invalid", `Invalid upload: the "file" field is not a file`);
      }
      // A form sent with no file chosen has a file part with an empty name.
      if (part.fileName === "") break;
      attached = await lab.attach(id, { bytes: part.body, fileName: part.fileName }, {
        title: fields.title?.trim() || undefined,
        reason: fields.reason?.trim() || undefined,
      });
    } else if (part.name === "title" || part.name === "reason" || part.name === CSRF_FIELD) {
      fields[part.name] = await fieldText(part, TEXT_FIELD_BYTES);
    } else {
      throw new LabosError(
        "invalid",
        `Invalid upload: unknown field ${quote(part.name)}; expected "title", "reason" and "file"`,
      );
    }
  }
  if (attached === undefined) {
    throw new LabosError("invalid", `The form has no file: choose a file to attach`, {
      issues: [{ path: "file", message: "is required" }],
    });
  }
  return attached;
}

async function* chunksOf(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncIterable<Uint8Array> {
  for (;;) {
    const next = await reader.read();
    if (next.done) return;
    yield next.value;
  }
}
