/**
 * Attachments over HTTP, in process through `app.request()`: streamed
 * multipart and raw uploads, the download's headers (attachment, RFC 5987
 * name, nosniff, never HTML) for hostile file names, the size limit, the
 * field order, CSRF on the panel's upload, and a student's scope.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { type Lab, openLab } from "../../src/service/mod.ts";
import { createApp, csrfToken } from "../../src/server/mod.ts";
import type { Attachment, Experiment } from "../../src/records/mod.ts";

const TOKEN = "attach-http-token-0123456789abcdef";
const PORT = 8321;
const ORIGIN = `http://127.0.0.1:${PORT}`;

type Init = RequestInit & { auth?: string | false };

interface Harness {
  dir: string;
  lab: Lab;
  experiment: Experiment;
  request(path: string, init?: Init): Promise<Response>;
  /** Every file under the data folder, to prove that nothing was written. */
  files(): Promise<string[]>;
}

async function withPanel(
  fn: (h: Harness) => Promise<void>,
  options: { attachmentMaxBytes?: number } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-attach-http-" });
  try {
    const lab = openLab({
      dataDir: dir,
      actor: "tester",
      scryptCost: { N: 2 ** 10, r: 8, p: 1 },
      ...options,
    });
    await lab.init();
    const experiment = await lab.createExperiment({ title: "Photos" });
    const app = createApp({ lab, token: TOKEN, port: PORT });
    const request = (path: string, init: Init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("host", `127.0.0.1:${PORT}`);
      if (init.auth !== false && !headers.has("cookie")) {
        headers.set("authorization", `Bearer ${init.auth ?? TOKEN}`);
      }
      return Promise.resolve(app.request(`${ORIGIN}${path}`, { ...init, headers }));
    };
    const files = async () => {
      const found: string[] = [];
      async function walk(current: string): Promise<void> {
        for await (const entry of Deno.readDir(current)) {
          const full = `${current}/${entry.name}`;
          if (entry.isDirectory) await walk(full);
          else found.push(`${full} ${(await Deno.stat(full)).size}`);
        }
      }
      await walk(dir);
      return found.sort();
    };
    await fn({ dir, lab, experiment, request, files });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const BOUNDARY = "----labos-test-boundary";

/** A multipart body written by hand, so the file name's header is exactly as given. */
function multipart(
  parts: Array<{ name: string; value: string } | { disposition: string; bytes: Uint8Array }>,
): RequestInit {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    if ("value" in part) {
      chunks.push(
        encoder.encode(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`,
        ),
      );
    } else {
      chunks.push(
        encoder.encode(
          `--${BOUNDARY}\r\nContent-Disposition: ${part.disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        part.bytes,
        encoder.encode("\r\n"),
      );
    }
  }
  chunks.push(encoder.encode(`--${BOUNDARY}--\r\n`));
  const body = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    body,
  };
}

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("API: hostile file names are stored safely and downloaded as attachments with RFC 5987 names", async () => {
  await withPanel(async ({ request, experiment }) => {
    const bytes = new Uint8Array([0x3c, 0x68, 0x74, 0x6d, 0x6c, 0x3e, 0, 255]);
    const cases: Array<{ disposition: string; stored: string; header: string; type?: string }> = [
      {
        disposition: 'form-data; name="file"; filename="../../etc/passwd"',
        stored: "passwd",
        header: `attachment; filename="passwd"; filename*=UTF-8''passwd`,
      },
      {
        disposition: 'form-data; name="file"; filename="a\\"b.txt"',
        stored: 'a"b.txt',
        header: `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`,
        type: "text/plain",
      },
      {
        disposition: `form-data; name="file"; filename*=UTF-8''Gr%C3%B6%C3%9Fe%20%CE%BC.html`,
        stored: "Größe μ.html",
        header:
          `attachment; filename="Gr__e _.html"; filename*=UTF-8''Gr%C3%B6%C3%9Fe%20%CE%BC.html`,
      },
      {
        disposition:
          `form-data; name="file"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db%0D%0A.svg`,
        stored: "xSet-Cookie: a=b.svg",
        header:
          `attachment; filename="xSet-Cookie: a=b.svg"; filename*=UTF-8''xSet-Cookie%3A%20a%3Db.svg`,
      },
    ];
    for (const { disposition, stored, header, type } of cases) {
      const response = await request(
        `/api/v1/experiments/${experiment.id}/attachments`,
        multipart([{ name: "title", value: "T" }, { disposition, bytes }]),
      );
      assertEquals(response.status, 201, await response.clone().text());
      const attachment = await response.json() as Attachment;
      assertEquals(attachment.fileName, stored);
      assertEquals(attachment.title, "T");
      assertEquals(attachment.sha256, sha(bytes));
      const download = await request(`/api/v1/attachments/${attachment.id}/download`);
      assertEquals(download.status, 200);
      assertEquals(download.headers.get("content-disposition"), header);
      assertEquals(download.headers.get("content-type"), type ?? "application/octet-stream");
      assertEquals(download.headers.get("x-content-type-options"), "nosniff");
      assertEquals(download.headers.get("content-length"), String(bytes.length));
      assertEquals(new Uint8Array(await download.arrayBuffer()), bytes);
    }
    const listed = await (await request(`/api/v1/experiments/${experiment.id}/attachments`))
      .json() as Attachment[];
    assertEquals(listed.map((a) => a.fileName), cases.map((c) => c.stored));
    const one = await request(`/api/v1/attachments/${listed[0].id}`);
    assertEquals((await one.json()).id, listed[0].id);
    const missing = await request(`/api/v1/attachments/att_01JAAAAAAAAAAAAAAAAAAAAAAA/download`);
    assertEquals(missing.status, 404);
  });
});

Deno.test("API: a raw body with ?fileName= is attached; a PNG downloads as image/png", async () => {
  await withPanel(async ({ request, experiment }) => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const response = await request(
      `/api/v1/experiments/${experiment.id}/attachments?fileName=setup.png&reason=photo`,
      { method: "POST", headers: { "content-type": "application/octet-stream" }, body: png },
    );
    assertEquals(response.status, 201);
    const attachment = await response.json() as Attachment;
    assertEquals(attachment.mediaType, "image/png");
    const download = await request(`/api/v1/attachments/${attachment.id}/download`);
    assertEquals(download.headers.get("content-type"), "image/png");
    assertEquals(new Uint8Array(await download.arrayBuffer()), png);
    const noName = await request(`/api/v1/experiments/${experiment.id}/attachments`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: png,
    });
    assertEquals(noName.status, 400);
    assertMatch((await noName.json()).error.message, /^"fileName" is required/);
  });
});

Deno.test("API: the size limit, the field order and a missing file are one-line 400s that write nothing", async () => {
  await withPanel(async ({ request, experiment, files }) => {
    const before = await files();
    const path = `/api/v1/experiments/${experiment.id}/attachments`;
    const big = new Uint8Array(3000);
    const tooBig = await request(
      path,
      multipart([{ disposition: 'form-data; name="file"; filename="big.raw"', bytes: big }]),
    );
    assertEquals(tooBig.status, 400);
    assertEquals(
      (await tooBig.json()).error.message,
      'Cannot attach "big.raw": the file is larger than the limit of 2000 bytes ("attachments.maxBytes")',
    );
    // Streamed without a Content-Length.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(1000));
        controller.close();
      },
    });
    const chunked = await request(`${path}?fileName=big.raw`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: stream,
    });
    assertEquals(chunked.status, 400);
    assertStringIncludes((await chunked.json()).error.message, "larger than the limit of 2000");
    const late = await request(
      path,
      multipart([
        { disposition: 'form-data; name="file"; filename="a.txt"', bytes: new Uint8Array(3) },
        { name: "title", value: "late" },
      ]),
    );
    assertEquals(late.status, 400);
    assertEquals(
      (await late.json()).error.message,
      'Invalid upload: the "title" field must come before "file"',
    );
    const none = await request(path, multipart([{ name: "title", value: "no file" }]));
    assertEquals(none.status, 400);
    assertEquals(
      (await none.json()).error.message,
      "The form has no file: choose a file to attach",
    );
    const unknown = await request(
      `/api/v1/experiments/exp_01JAAAAAAAAAAAAAAAAAAAAAAA/attachments`,
      {
        ...multipart([{ disposition: 'form-data; name="file"; filename="a.txt"', bytes: big }]),
      },
    );
    assertEquals(unknown.status, 404);
    // The late title's file was stored and recorded before the refusal: only that one.
    const after = await files();
    assertEquals(after.filter((file) => !before.includes(file)).length > 0, true);
    const added = after.filter((file) => !before.includes(file) && file.includes("/blobs/"));
    assertEquals(added.length, 1);
  }, { attachmentMaxBytes: 2000 });
});

Deno.test("panel: the experiment page lists attachments and uploads need the CSRF token first", async () => {
  await withPanel(async ({ request, experiment, files }) => {
    const login = await request(`/?token=${TOKEN}`, { auth: false });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const path = `/experiments/${experiment.id}/attachments`;
    const file = {
      disposition: 'form-data; name="file"; filename="notes.txt"',
      bytes: new TextEncoder().encode("notes"),
    };
    const before = await files();
    for (
      const parts of [
        [file],
        [{ name: "_csrf", value: "wrong" }, file],
        [file, { name: "_csrf", value: csrfToken(TOKEN) }],
      ]
    ) {
      const init = multipart(parts);
      const refused = await request(path, {
        ...init,
        headers: { ...init.headers as Record<string, string>, cookie },
      });
      assertEquals(refused.status, 403);
      await refused.body?.cancel();
    }
    assertEquals(await files(), before);
    const init = multipart([{ name: "_csrf", value: csrfToken(TOKEN) }, {
      name: "title",
      value: "Lab notes",
    }, file]);
    const posted = await request(path, {
      ...init,
      headers: { ...init.headers as Record<string, string>, cookie },
    });
    assertEquals(posted.status, 303);
    assertEquals(
      posted.headers.get("location"),
      `/experiments/${experiment.id}?attached=notes.txt`,
    );
    const page = await (await request(posted.headers.get("location")!, { headers: { cookie } }))
      .text();
    assertStringIncludes(page, "Attached <strong>notes.txt</strong>");
    assertMatch(
      page,
      /<a href="\/api\/v1\/attachments\/att_\w+\/download" download>notes\.txt<\/a>/,
    );
    assertStringIncludes(page, "Lab notes");
    assertStringIncludes(page, 'enctype="multipart/form-data"');
    // A refused upload shows the page with the reason.
    const empty = multipart([
      { name: "_csrf", value: csrfToken(TOKEN) },
      { disposition: 'form-data; name="file"; filename=""', bytes: new Uint8Array(0) },
    ]);
    const noFile = await request(path, {
      ...empty,
      headers: { ...empty.headers as Record<string, string>, cookie },
    });
    assertEquals(noFile.status, 400);
    assertStringIncludes(await noFile.text(), "Not attached.</strong> The form has no file");
  });
});

Deno.test("API: a student cannot attach to or read another student's experiment", async () => {
  await withPanel(async ({ lab, request, files }) => {
    for (const username of ["amy", "ben"]) {
      await lab.addUser({ username, role: "student", password: "correct horse battery" });
    }
    const { token: amy } = await lab.createToken("amy");
    const { token: ben } = await lab.createToken("ben");
    const bens = await lab.as({ actor: "ben", role: "student", auth: "token" }).createExperiment({
      title: "Ben's",
    });
    const upload = () =>
      multipart([{
        disposition: 'form-data; name="file"; filename="b.txt"',
        bytes: new Uint8Array([1]),
      }]);
    const mine = await request(`/api/v1/experiments/${bens.id}/attachments`, {
      ...upload(),
      auth: ben,
    });
    assertEquals(mine.status, 201);
    const attachment = await mine.json() as Attachment;
    const before = await files();
    const refused = await request(`/api/v1/experiments/${bens.id}/attachments`, {
      ...upload(),
      auth: amy,
    });
    assertEquals(refused.status, 404);
    assertEquals((await refused.json()).error.message, `No experiment with id "${bens.id}"`);
    assertEquals(await files(), before);
    for (
      const path of [
        `/api/v1/attachments/${attachment.id}`,
        `/api/v1/attachments/${attachment.id}/download`,
        `/api/v1/experiments/${bens.id}/attachments`,
      ]
    ) {
      const response = await request(path, { auth: amy });
      assertEquals(response.status, 404, path);
      await response.body?.cancel();
    }
    assert((await request(`/api/v1/attachments/${attachment.id}`, { auth: ben })).ok);
  });
});

Deno.test("API: a 256 MiB multipart upload streams into the store without being held in memory", async () => {
  await withPanel(async ({ request, experiment }) => {
    const encoder = new TextEncoder();
    const head = encoder.encode(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nRaw\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="run.raw"\r\n\r\n`,
    );
    const tail = encoder.encode(`\r\n--${BOUNDARY}--\r\n`);
    const total = 256;
    const hash = createHash("sha256");
    let sent = -1;
    let peak = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === -1) controller.enqueue(head);
        else if (sent < total) {
          // A new buffer each time: one held on to would show in the RSS.
          const chunk = new Uint8Array(1 << 20).fill(sent & 0xff);
          hash.update(chunk);
          controller.enqueue(chunk);
          if (sent % 16 === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
        } else {
          controller.enqueue(tail);
          controller.close();
        }
        sent++;
      },
    });
    const start = Deno.memoryUsage().rss;
    const response = await request(`/api/v1/experiments/${experiment.id}/attachments`, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      body,
    });
    assertEquals(response.status, 201);
    const attachment = await response.json() as Attachment;
    assertEquals(attachment.size, total << 20);
    assertEquals(attachment.sha256, hash.digest("hex"));
    const grown = (peak - start) / (1 << 20);
    assert(grown < 96, `RSS grew by ${grown.toFixed(0)} MiB while uploading ${total} MiB`);
  }, { attachmentMaxBytes: 512 * 1024 * 1024 });
});

Deno.test("API: a Content-Length past the limit is refused before the body is read", async () => {
  await withPanel(async ({ request, experiment, files }) => {
    const before = await files();
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
        if (pulled > 4) controller.close();
      },
    });
    const response = await request(
      `/api/v1/experiments/${experiment.id}/attachments?fileName=big.raw`,
      {
        method: "POST",
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(3 * 1024 * 1024),
        },
        body,
      },
    );
    assertEquals(response.status, 400);
    assertEquals(
      (await response.json()).error.message,
      'Cannot attach: the upload is 3 MiB, larger than the limit of 2000 bytes ("attachments.maxBytes")',
    );
    assertEquals(await files(), before);
  }, { attachmentMaxBytes: 2000 });
});
