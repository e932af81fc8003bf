import fc from "fast-check";
import { assert, assertEquals } from "../../test/_assert.ts";
import { buildLog, eventText, input, lineOf, T0, writeLog } from "./_fixtures_test.ts";
import { CODES, encodeEvent, GENESIS_HASH } from "./_format.ts";
import { scanRanges } from "./_parallel.ts";
import { checkLine } from "./_scanner.ts";
import type { AuditEvent } from "./_types.ts";
import { verifyLogFile } from "./_verify.ts";

const encoder = new TextEncoder();
const out = new Float64Array(12);

function check(line: string | Uint8Array): number {
  const bytes = typeof line === "string" ? encoder.encode(line) : line;
  const n = bytes.length - 1;
  if (bytes[n] !== 10) return -1;
  const code = checkLine(bytes, 0, n, out);
  return code === CODES.F_FRAME ? -1 : code;
}

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    v: 1,
    seq: 1,
    id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA",
    ts: new Date(T0).toISOString(),
    ...input(0),
    prev: GENESIS_HASH,
    ...overrides,
  };
}

// Strings with lone surrogates, controls, quotes and non-ASCII text.
const text = fc.array(
  fc.oneof(
    fc.string({ unit: "grapheme" }),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.constantFrom('"', "\\", "\n", "\u2028", "\u0000", "é", "☃", "😀"),
  ),
).map((parts) => parts.join(""));

Deno.test("property: every event encodeEvent writes passes the checks", () => {
  fc.assert(
    fc.property(
      fc.record({
        seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        actor: text,
        action: text,
        type: text,
        id: text,
        reason: fc.option(text),
        details: fc.dictionary(text, fc.jsonValue()),
      }),
      (value) => {
        const { line } = encodeEvent(event({
          seq: value.seq,
          actor: value.actor,
          action: value.action,
          target: { type: value.type, id: value.id },
          reason: value.reason,
          details: value.details,
        }));
        assertEquals(check(line), 0, line);
        assertEquals(out[0], value.seq);
      },
    ),
    { numRuns: 500 },
  );
});

// JSON.parse plus "no whitespace outside strings": what the scanner must accept as details.
function compactObject(candidate: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch {
    return false;
  }
  const outside = candidate.replace(/"(?:[^"\\]|\\.)*"/g, "");
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !/[ \t\n\r]/.test(outside);
}

Deno.test("property: the details check agrees with JSON.parse", () => {
  const token = fc.constantFrom(
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"',
    '"a"',
    '"k":',
    "\\",
    '\\"',
    "\\u00e9",
    "\\u12",
    "\\x",
    "0",
    "-",
    "1.5",
    "1e5",
    "-0.0E+2",
    "01",
    "1.",
    ".5",
    "true",
    "false",
    "null",
    "nul",
    " ",
    "\t",
    "\u0001",
    "é",
  );
  const candidates = fc.oneof(
    fc.array(token, { maxLength: 12 }).map((parts) => parts.join("")),
    fc.jsonValue().map((value) => JSON.stringify({ value })),
    fc.jsonValue().map((value) => JSON.stringify({ value }, null, 1)),
  );
  fc.assert(
    fc.property(candidates, (details) => {
      const e = eventText(encodeEvent(event()).line).replace(
        /"details":\{.*\},"prev"/,
        () => `"details":${details},"prev"`,
      );
      const accepted = check(lineOf(e)) === 0;
      assertEquals(accepted, compactObject(details), details);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("deep nesting does not overflow the stack", () => {
  const depth = 200_000;
  const details = `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
  const e = eventText(encodeEvent(event()).line).replace(
    /"details":\{.*\},"prev"/,
    () => `"details":${details},"prev"`,
  );
  assertEquals(check(lineOf(e)), 0);
  assertEquals(check(lineOf(e.replace("[]", "[}"))), CODES.F_DETAILS);
});

Deno.test("lines longer than the read buffer and tiny chunks", async () => {
  const dir = await Deno.makeTempDir();
  const log = buildLog(20, (i) => ({ i, blob: "x".repeat(i === 7 ? 300_000 : i * 10) }));
  await writeLog(dir, { log: log.lines.join(""), head: log.head });
  const file = `${dir}/log.jsonl`;
  const expected = await verifyLogFile(file, { headFile: `${dir}/head.json`, workers: 0 });
  assert(expected.ok);
  const combinations = [[97, 0], [97, 50_000], [4096, 0], [4096, 1000], [1 << 20, 1000], [
    1 << 20,
    50_000,
  ]];
  for (const [chunkBytes, rangeBytes] of combinations) {
    assertEquals(
      await verifyLogFile(file, {
        headFile: `${dir}/head.json`,
        workers: 0,
        chunkBytes,
        forceRanges: rangeBytes > 0,
        parallelMinBytes: 0,
        rangeBytes: rangeBytes || undefined,
      }),
      expected,
    );
  }
});

Deno.test("worker threads scan ranges from the embedded worker source", async () => {
  const dir = await Deno.makeTempDir();
  const log = buildLog(200);
  await writeLog(dir, { log: log.lines.join(""), head: log.head });
  const file = `${dir}/log.jsonl`;
  const size = (await Deno.stat(file)).size;
  const ranges = await scanRanges(file, {
    size,
    workers: 2,
    chunkBytes: 1 << 16,
    watchSeq: 150,
    rangeBytes: 10_000,
    mainThread: false,
    scanHere: () => Promise.reject(new Error("The main thread should not scan")),
  });
  assert(ranges.length > 4);
  assert(ranges.every((range) => range.by === "worker" && range.state.failure === null));
  assertEquals(ranges.reduce((n, range) => n + range.state.count, 0), 200);
  assertEquals(ranges[ranges.length - 1].state.lastHash, log.head.hash);
  assertEquals(ranges.find((range) => range.state.watchHash)?.state.watchHash, log.hashes[149]);
});
