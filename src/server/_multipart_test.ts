import fc from "fast-check";
import { assertEquals, assertRejects } from "../../test/_assert.ts";
import { fieldText, readMultipart } from "./_multipart.ts";

const BOUNDARY = "xYz-boundary";

function body(parts: Array<{ name: string; fileName?: string; bytes: Uint8Array }>): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [encoder.encode("preamble to ignore\r\n")];
  for (const part of parts) {
    const file = part.fileName === undefined ? "" : `; filename="${part.fileName}"`;
    chunks.push(
      encoder.encode(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"${file}\r\n\r\n`,
      ),
      part.bytes,
      encoder.encode("\r\n"),
    );
  }
  chunks.push(encoder.encode(`--${BOUNDARY}--\r\nepilogue`));
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

async function* split(bytes: Uint8Array, sizes: number[]): AsyncIterable<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield bytes.slice(at, at + size);
    at += size;
  }
}

async function collect(
  source: AsyncIterable<Uint8Array>,
): Promise<Array<{ name: string; fileName?: string; bytes: number[] }>> {
  const found = [];
  for await (const part of readMultipart(source, BOUNDARY)) {
    const bytes: number[] = [];
    for await (const chunk of part.body) bytes.push(...chunk);
    found.push({
      name: part.name,
      ...(part.fileName === undefined ? {} : { fileName: part.fileName }),
      bytes,
    });
  }
  return found;
}

Deno.test("readMultipart gives the same parts however the body is split into chunks", async () => {
  // Bytes that look like the delimiter's start, and line breaks, inside the file.
  const tricky = fc.uint8Array({ maxLength: 300 }).map((random) => {
    const near = new TextEncoder().encode(`\r\n--${BOUNDARY.slice(0, 5)}\r\n--x\r\n`);
    const out = new Uint8Array(random.length + near.length);
    out.set(random.slice(0, random.length >> 1));
    out.set(near, random.length >> 1);
    out.set(random.slice(random.length >> 1), (random.length >> 1) + near.length);
    return out;
  });
  await fc.assert(
    fc.asyncProperty(
      fc.string({ maxLength: 40 }),
      tricky,
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
      async (title, file, sizes) => {
        const text = new TextEncoder().encode(title);
        const parts = [
          { name: "title", bytes: text },
          { name: "file", fileName: "run.raw", bytes: file },
        ];
        const got = await collect(split(body(parts), sizes));
        assertEquals(got, [
          { name: "title", bytes: [...text] },
          { name: "file", fileName: "run.raw", bytes: [...file] },
        ]);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("readMultipart refuses a truncated body, too many parts and a part without a name", async () => {
  const whole = body([{ name: "file", fileName: "a", bytes: new Uint8Array(100) }]);
  await assertRejects(
    () => collect(split(whole.slice(0, whole.length - 30), [7])),
    /ends before its last boundary/,
  );
  const many = body(Array.from({ length: 17 }, () => ({ name: "x", bytes: new Uint8Array(1) })));
  await assertRejects(() => collect(split(many, [50])), /more than 16 form fields/);
  const nameless = new TextEncoder().encode(
    `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--\r\n`,
  );
  await assertRejects(() => collect(split(nameless, [9])), /has no Content-Disposition/);
});

Deno.test("fieldText refuses a field longer than its limit", async () => {
  async function* long(): AsyncIterable<Uint8Array> {
    yield new Uint8Array(10);
    yield new Uint8Array(10);
  }
  await assertRejects(
    () => fieldText({ name: "title", body: long() }, 15),
    /the "title" field is longer than 15 bytes/,
  );
});
