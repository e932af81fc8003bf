import fc from "fast-check";
import { assert, assertEquals } from "../../test/_assert.ts";
import { buildLog, concat, eventText, input, lineOf, T0, writeLog } from "./_fixtures_test.ts";
import { CODES, encodeEvent, GENESIS_HASH } from "./_format.ts";
import { scanRanges } from "./_parallel.ts";
import { eventsAt } from "./_read.ts";
import { checkEvent, checkEventSlow, checkFrame, checkLine } from "./_line_check.ts";
import { newState, type ScanState, scanSteps, type Scratch } from "./_scanner.ts";
import type { AuditEvent } from "./_types.ts";
import { verifyLogFile, verifyLogSelecting } from "./_verify.ts";

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

// Scans a log held in memory from the genesis, as `verifyLogFile` scans a file on the main thread.
function scanBytes(
  bytes: Uint8Array,
  options: { scratch: Scratch; chunkBytes: number; actions?: string[] },
): ScanState {
  const state = newState({ seq: 0, hash: GENESIS_HASH }, { end: bytes.length, watchSeq: 4 });
  const { scratch, chunkBytes, actions } = options;
  const steps = scanSteps(state, { start: 0, size: bytes.length, chunkBytes, scratch, actions });
  let step = steps.next(0);
  while (!step.done) {
    const { buffer, offset, length, position } = step.value;
    const n = Math.max(0, Math.min(length, bytes.length - position));
    buffer.set(bytes.subarray(position, position + n), offset);
    step = steps.next(n);
  }
  return state;
}

Deno.test("property: the batch hasher and the line-by-line path find the same damage", () => {
  const log = buildLog(40);
  const damage = fc.oneof(
    fc.record({ kind: fc.constant("byte"), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constantFrom("drop", "copy", "swap"), at: fc.nat(), other: fc.nat() }),
    fc.record({ kind: fc.constant("cut"), at: fc.nat() }),
  );
  fc.assert(
    fc.property(
      fc.array(damage, { maxLength: 2 }),
      fc.constantFrom(256, 4096, 1 << 16),
      fc.integer({ min: 1, max: 40 }),
      (damages, chunkBytes, count) => {
        let lines = log.lines.slice(0, count);
        let text = "";
        for (const d of damages) {
          const i = d.at % lines.length;
          const j = "other" in d ? d.other % lines.length : i;
          if (d.kind === "drop") lines = lines.filter((_, k) => k !== i);
          if (d.kind === "copy") lines = [...lines.slice(0, j), lines[i], ...lines.slice(j)];
          if (d.kind === "swap") [lines[i], lines[j]] = [lines[j], lines[i]];
          if (lines.length === 0) return;
        }
        text = lines.join("");
        const bytes = encoder.encode(text);
        for (const d of damages) {
          if (d.kind === "byte" && "value" in d) bytes[d.at % bytes.length] = d.value;
        }
        const cut = damages.find((d) => d.kind === "cut");
        const input = cut ? bytes.subarray(0, cut.at % bytes.length) : bytes;
        const batched: Scratch = { bytes: null };
        const fast = scanBytes(input, { scratch: batched, chunkBytes, actions: ["dataset.added"] });
        assert(batched.hasher, "the batch hasher was used");
        const slow = scanBytes(input, {
          scratch: { bytes: null, hasher: null },
          chunkBytes,
          actions: ["dataset.added"],
        });
        assertEquals(fast, slow);
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("a scan selects an action spelled with escapes, and no other escaped action", () => {
  const log = buildLog(3);
  const last = eventText(log.lines[2]);
  const action = JSON.stringify(log.events[2].action);
  const lines = (spelling: string) =>
    concat([log.lines[0], log.lines[1], lineOf(last.replace(action, spelling))]);
  const escaped = `"${log.events[2].action.replace(".", "\\u002e")}"`;
  for (const hasher of [undefined, null]) {
    for (const [spelling, wanted] of [[escaped, true], ['"other\\u002eaction"', false]] as const) {
      const state = scanBytes(lines(spelling), {
        scratch: { bytes: null, hasher },
        chunkBytes: 1 << 16,
        actions: [log.events[2].action],
      });
      assertEquals(state.count, 3);
      assertEquals(state.marks, wanted ? [log.lines[0].length + log.lines[1].length] : []);
    }
  }
});

Deno.test("verifyLogSelecting finds the lines of the selected actions on every path", async () => {
  const dir = await Deno.makeTempDir();
  const log = buildLog(300);
  await writeLog(dir, { log: log.lines.join(""), head: log.head });
  const file = `${dir}/log.jsonl`;
  const actions = ["dataset.added", "no.such.action"];
  const expected = log.events.filter((event) => event.action === "dataset.added");
  for (const options of [{ workers: 0 }, { workers: 1, parallelMinBytes: 0, rangeBytes: 9000 }]) {
    const { result, lines } = await verifyLogSelecting(file, {
      headFile: `${dir}/head.json`,
      actions,
      ...options,
    });
    assert(result.ok);
    const events = [];
    for await (const event of eventsAt(file, lines)) events.push(event);
    assertEquals(events, expected);
  }
  // A log that does not verify selects nothing.
  await Deno.writeTextFile(file, log.lines.slice(1).join(""));
  const { result, lines } = await verifyLogSelecting(file, {
    headFile: `${dir}/head.json`,
    actions,
  });
  assert(!result.ok);
  assertEquals(lines, []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("property: the fast path of the event check agrees with the full parse", () => {
  const scalar = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(0, -0.5, 1.5, 1e21, 1e-7, -12, 10),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const base = fc.record({
    seq: fc.oneof(fc.integer({ min: 1, max: 999 }), fc.constant(Number.MAX_SAFE_INTEGER)),
    actor: fc.string({ maxLength: 12 }),
    reason: fc.option(fc.string({ maxLength: 12 })),
    details: fc.dictionary(
      fc.string({ maxLength: 6 }),
      fc.oneof({ arbitrary: scalar, weight: 4 }, {
        arbitrary: fc.jsonValue({ maxDepth: 2 }),
        weight: 1,
      }),
      { maxKeys: 4 },
    ),
  });
  // Bytes that matter to the grammar, and any byte.
  const byte = fc.oneof(
    fc.constantFrom(...Array.from('{}[]":,\\0123456789-.eE+ntfaluers_ZT', (c) => c.charCodeAt(0))),
    fc.integer({ min: 0, max: 255 }),
  );
  // Edits mostly at the grammar's bytes: quotes, colons, commas, braces, digits.
  const edit = fc.record({
    kind: fc.constantFrom("set", "insert", "delete"),
    at: fc.nat(),
    near: fc.boolean(),
    byte,
  });
  fc.assert(
    fc.property(base, fc.array(edit, { maxLength: 3 }), (value, edits) => {
      const { line } = encodeEvent(event({
        seq: value.seq,
        actor: value.actor,
        reason: value.reason,
        details: value.details,
      }));
      const bytes = Array.from(encoder.encode(eventText(line)));
      for (const { kind, at, near, byte } of edits) {
        // In the details mostly, where the fast path parses JSON of its own.
        const from = near && at % 4 !== 0 ? String.fromCharCode(...bytes).indexOf('"details"') : 0;
        const marks = bytes.flatMap((c, i) =>
          i >= from && /[{}\[\]":,0-9.]/.test(String.fromCharCode(c)) ? [i] : []
        );
        const k = near ? marks[at % marks.length] + (at % 3) - 1 : at % (bytes.length + 1);
        if (kind === "insert") bytes.splice(Math.max(0, k), 0, byte);
        else if (k >= 0 && k < bytes.length) bytes.splice(k, 1, ...(kind === "set" ? [byte] : []));
      }
      // The event alone, then inside a larger buffer (reads must stop at its end).
      for (const tail of [[], [34, 125, 44, 34]]) {
        const b = Uint8Array.from([...bytes, ...tail]);
        const fast = new Float64Array(12);
        const slow = new Float64Array(12);
        const code = checkEvent(b, 0, bytes.length, fast);
        assertEquals(code, checkEventSlow(b, 0, bytes.length, slow), String.fromCharCode(...bytes));
        if (code === 0) assertEquals(fast, slow);
      }
    }),
    { numRuns: 10000 },
  );
});

Deno.test("the fast path and the full parse agree on every spelling of a details scalar", () => {
  const spellings = [
    ...[
      "0",
      "-0",
      "01",
      "-01",
      "1",
      "-",
      "-a",
      "10",
      "1.",
      "1.5",
      "1.5.",
      ".5",
      "0.0",
      "1e",
      "1e5",
      "1E5",
    ],
    ...["1e+", "1e-5", "1e+5x", "-0.0E+2", "00", "2a", "1-", "+1", "9007199254740993", "1ee5"],
    ...["null", "nul", "nulll", "true", "tru", "truee", "false", "fals", "f", "t", "n"],
    ...['"a"', '"', '"a', '""', '"\\"', '"\\n"', '"é"', "{}", "[]", '{"x":1}', "[1]", ""],
  ];
  const line = eventText(encodeEvent(event()).line);
  for (const x of spellings) {
    const shapes = [
      `{"k":${x}}`,
      `{"k":${x},"j":1}`,
      `{"j":1,"k":${x}}`,
      `{"k":${x}`,
      `{"k":${x};"j":1}`,
    ];
    for (const details of shapes) {
      const e = encoder.encode(
        line.replace(/"details":\{.*\},"prev"/, () => `"details":${details},"prev"`),
      );
      const fast = new Float64Array(12);
      const slow = new Float64Array(12);
      const code = checkEvent(e, 0, e.length, fast);
      assertEquals(code, checkEventSlow(e, 0, e.length, slow), details);
      if (code === 0) assertEquals(fast, slow);
      assertEquals(code === 0, compactObject(details), details);
    }
  }
});

Deno.test("the fast path and the full parse agree on every byte at every place of the id, ts, prev and two strings", () => {
  // Flat details, and nested ones (read by the fast path's call to the full details parse).
  for (const details of [{ field: "mass", to: 0.5, note: "From the notebook" }, input(0).details]) {
    const actor = "rosalind.franklin";
    everyByte(encoder.encode(eventText(encodeEvent(event({ seq: 12, actor, details })).line)));
  }
});

function everyByte(line: Uint8Array): void {
  const text = new TextDecoder().decode(line);
  const fixed = text.indexOf(',"id":');
  const prev = text.indexOf('"prev":"') + 8;
  // Strings are read 4 bytes at a time: every byte of a long one, at each place in a word.
  const actor = text.indexOf('"actor":"') + 8;
  const note = text.indexOf('"note":"');
  const places = [
    ...Array.from({ length: 79 + 2 }, (_, k) => fixed - 1 + k),
    ...Array.from({ length: 64 + 2 }, (_, k) => prev - 1 + k),
    ...Array.from({ length: 20 }, (_, k) => actor + k),
    ...(note < 0 ? [] : Array.from({ length: 26 }, (_, k) => note + k)),
  ];
  const fast = new Float64Array(12);
  const slow = new Float64Array(12);
  for (const at of places) {
    for (let byte = 0; byte < 256; byte++) {
      const b = line.slice();
      b[at] = byte;
      const code = checkEvent(b, 0, b.length, fast);
      assertEquals(code, checkEventSlow(b, 0, b.length, slow), `${at}: ${byte}`);
      if (code === 0) assertEquals(fast, slow);
    }
  }
}

Deno.test("the frame check takes exactly its fixed bytes and lowercase hex digits at every place of the hash", () => {
  const line = encoder.encode(encodeEvent(event()).line.trimEnd());
  const at = line.length - 66;
  for (let k = 0; k < 64; k++) {
    for (let byte = 0; byte < 256; byte++) {
      const b = line.slice();
      b[at + k] = byte;
      const hex = /^[0-9a-f]$/.test(String.fromCharCode(byte));
      assertEquals(checkFrame(b, 0, b.length), hex, `${k}: ${byte}`);
    }
  }
  // The fixed bytes of the frame: only their own value passes.
  const fixed = [
    ...Array.from({ length: 9 }, (_, k) => k),
    ...Array.from({ length: 9 }, (_, k) => at - 9 + k),
  ];
  for (const k of [...fixed, line.length - 2, line.length - 1]) {
    for (let byte = 0; byte < 256; byte++) {
      const b = line.slice();
      b[k] = byte;
      assertEquals(checkFrame(b, 0, b.length), byte === line[k], `${k}: ${byte}`);
    }
  }
});
