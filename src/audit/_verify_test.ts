import fc from "fast-check";
import { assert, assertEquals, assertMatch } from "../../test/_assert.ts";
import {
  buildLog,
  type BuiltLog,
  concat,
  eventText,
  lineOf,
  rechain,
  writeLog,
} from "./_fixtures_test.ts";
import { formatHead, GENESIS_HASH } from "./_format.ts";
import type { AuditDamageKind, AuditHead, VerifyResult } from "./_types.ts";
import { verifyLogFile, type VerifyOptions } from "./_verify.ts";
import { AuditLog } from "./mod.ts";

const dir = await Deno.makeTempDir({ prefix: "labos-verify-" });
const LOG = `${dir}/log.jsonl`;
const HEAD = `${dir}/head.json`;

const SEQUENTIAL: VerifyOptions = { headFile: HEAD, workers: 0 };
// Many tiny ranges on the main thread: exercises the stitching of the parallel path.
const RANGES: VerifyOptions = {
  headFile: HEAD,
  workers: 0,
  forceRanges: true,
  parallelMinBytes: 0,
  rangeBytes: 600,
};

/** Verifies sequentially and by ranges; both must agree. */
async function verifyBoth(log: string | Uint8Array, head: AuditHead | null): Promise<VerifyResult> {
  await writeLog(dir, { log, head });
  const sequential = await verifyLogFile(LOG, SEQUENTIAL);
  assertEquals(await verifyLogFile(LOG, RANGES), sequential);
  return sequential;
}

function damaged(result: VerifyResult): { kind: AuditDamageKind; seq: number } {
  assert(!result.ok, "Expected damage, got ok");
  assertMatch(
    result.message,
    new RegExp(`^Audit log damaged at seq ${result.seq}: [^\\n]+ \\(${result.kind}\\)$`),
  );
  return { kind: result.kind, seq: result.seq };
}

const base = buildLog(8);
const L = base.lines;

function rewrite(
  log: BuiltLog,
  change: { index: number; details: Record<string, unknown>; through: number },
): BuiltLog {
  const { index, details, through } = change;
  const events = log.events.map((event, i) => i === index ? { ...event, details } : event);
  const all = rechain(log, { events, from: index });
  return { ...all, lines: [...all.lines.slice(0, through + 1), ...log.lines.slice(through + 1)] };
}

Deno.test("verify accepts a valid log", async () => {
  assertEquals(await verifyBoth(L.join(""), base.head), {
    ok: true,
    events: 8,
    head: base.head.hash,
    warnings: [],
  });
});

Deno.test("verify detects edited lines", async () => {
  const edited = [...L];
  edited[3] = L[3].replace('"i":3', '"i":33');
  assertEquals(damaged(await verifyBoth(edited.join(""), base.head)), { kind: "edited", seq: 4 });
  edited[3] = L[3].replace(/"hash":"(.)/, (_, c) => `"hash":"${c === "0" ? "1" : "0"}`);
  assertEquals(damaged(await verifyBoth(edited.join(""), base.head)), { kind: "edited", seq: 4 });
  // A broken line whose hash no longer matches is still an edit.
  edited[3] = L[3].replace('"details":{', '"details":{{');
  assertEquals(damaged(await verifyBoth(edited.join(""), base.head)), { kind: "edited", seq: 4 });
});

Deno.test("verify detects missing events", async () => {
  const cases: [string[], number, RegExp][] = [
    [[...L.slice(0, 3), ...L.slice(4)], 4, /event 4 is missing/],
    [[...L.slice(0, 3), ...L.slice(6)], 4, /events 4 to 6 are missing/],
    [L.slice(1), 1, /event 1 is missing/],
  ];
  for (const [lines, seq, why] of cases) {
    const result = await verifyBoth(lines.join(""), base.head);
    assertEquals(damaged(result), { kind: "missing", seq });
    assert(!result.ok && why.test(result.message), !result.ok ? result.message : "");
  }
});

Deno.test("verify detects reordered events", async () => {
  const orders: [number[], number][] = [
    [[0, 1, 2, 4, 3, 5, 6, 7], 4],
    [[0, 1, 3, 4, 5, 6, 7, 2], 3],
    [[0, 1, 6, 2, 3, 4, 5, 7], 3],
    [[7, 1, 2, 3, 4, 5, 6, 0], 1],
  ];
  for (const [order, seq] of orders) {
    const result = await verifyBoth(order.map((i) => L[i]).join(""), base.head);
    assertEquals(damaged(result), { kind: "reordered", seq });
  }
});

Deno.test("verify detects duplicated events", async () => {
  const orders: [number[], number][] = [
    [[0, 1, 2, 3, 3, 4, 5, 6, 7], 5],
    [[0, 1, 2, 3, 4, 5, 1, 6, 7], 7],
    [[0, 1, 6, 2, 3, 4, 5, 6, 7], 3],
    [[0, 1, 2, 3, 4, 5, 6, 7, 7], 9],
  ];
  for (const [order, seq] of orders) {
    const result = await verifyBoth(order.map((i) => L[i]).join(""), base.head);
    assertEquals(damaged(result), { kind: "duplicated", seq });
  }
});

Deno.test("verify detects truncation", async () => {
  assertEquals(damaged(await verifyBoth(L.slice(0, 6).join(""), base.head)), {
    kind: "truncated",
    seq: 7,
  });
  assertEquals(damaged(await verifyBoth("", base.head)), { kind: "truncated", seq: 1 });
  const headless = await verifyBoth(L.join(""), null);
  assertEquals(damaged(headless), { kind: "truncated", seq: 9 });
  assertMatch(headless.ok ? "" : headless.message, /head\.json is missing/);
});

Deno.test("verify detects forged events and heads", async () => {
  const rewritten = rewrite(base, { index: 3, details: { forged: true }, through: 3 });
  const link = await verifyBoth(rewritten.lines.join(""), base.head);
  assertEquals(damaged(link), { kind: "forged", seq: 4 });
  assertMatch(link.ok ? "" : link.message, /event 5 does not link to event 4/);

  const rehashed = rewrite(base, { index: 3, details: { forged: true }, through: 7 });
  assertEquals(damaged(await verifyBoth(rehashed.lines.join(""), base.head)), {
    kind: "forged",
    seq: 8,
  });
  // Rewriting the head too is only caught by an external witness of the head.
  assert((await verifyBoth(rehashed.lines.join(""), rehashed.head)).ok);

  const first = rewrite(base, { index: 0, details: { forged: true }, through: 0 });
  assertEquals(damaged(await verifyBoth(first.lines.join(""), base.head)), {
    kind: "forged",
    seq: 1,
  });

  const heads: [AuditHead, number][] = [
    [{ seq: 8, hash: base.hashes[6] }, 8],
    [{ seq: 5, hash: base.hashes[3] }, 5],
    [{ seq: 7, hash: base.hashes[5] }, 7],
  ];
  for (const [head, seq] of heads) {
    assertEquals(damaged(await verifyBoth(L.join(""), head)), { kind: "forged", seq });
  }
  // A head behind the log that the later events chain from is an interrupted batch append.
  const lagging = await verifyBoth(L.join(""), { seq: 6, hash: base.hashes[5] });
  assert(lagging.ok, JSON.stringify(lagging));
  assertMatch(lagging.warnings.join(), /lags the log by 2 events/);

  // A second, self-consistent event claiming an earlier seq.
  const other = rewrite(base, { index: 1, details: { other: true }, through: 1 }).lines[1];
  const claim = await verifyBoth([...L.slice(0, 5), other, ...L.slice(5)].join(""), base.head);
  assertEquals(damaged(claim), { kind: "forged", seq: 6 });
  assertMatch(claim.ok ? "" : claim.message, /a second, different event claims seq 2/);
});

Deno.test("verify detects malformed lines and heads", async () => {
  const e3 = eventText(L[3]);
  const actorAt = e3.indexOf('"actor":"') + 9;
  const variants: [string | Uint8Array, string][] = [
    ["garbage\n", "framed"],
    ["\n", "framed"],
    [L[3].toUpperCase(), "framed"],
    [L[3].replace(/"hash":"([0-9a-f]+)"/, (_, h) => `"hash":"${h.toUpperCase()}"`), "framed"],
    [lineOf(e3.replace('"v":1', '"v":2')), "version 1"],
    [lineOf(e3.replace(/"id":"evt_[^"]+"/, '"id":"evt_1"')), '"id"'],
    [lineOf(e3.replace(/"ts":"[^"]+"/, '"ts":"2025-03-01 09:00:03Z"')), '"ts"'],
    [lineOf(e3.replace('"seq":4', '"seq":4.0')), '"seq"'],
    [lineOf(e3.replace('"seq":4', '"seq":"4"')), '"seq"'],
    [lineOf(e3.replace(/"actor":"[^"]+"/, '"actor":null')), '"actor"'],
    [lineOf(e3.replace(/"reason":[^,]+/, '"reason":1')), '"reason"'],
    [lineOf(e3.replace('"details":{', '"details": {')), '"details"'],
    [lineOf(e3.replace('"details":{', '"details":{"x":NaN,')), '"details"'],
    [lineOf(e3.replace('"details":{', '"details":{"x":"a\tb",')), '"details"'],
    [lineOf(e3.replace('"details":{', '"details":{"x":01,')), '"details"'],
    [
      lineOf(
        e3.replace(
          /"prev":"(.)/,
          (_, c) => `"prev":"${c.toUpperCase() === c ? "A" : c.toUpperCase()}`,
        ),
      ),
      '"prev"',
    ],
    [lineOf(e3.replace(/,"prev"/, ',"extra":1,"prev"')), '"prev"'],
    [
      lineOf(e3.replace(/"target":\{"type":"([a-z]+)","id"/, '"target":{"id":"x","type"')),
      '"target"',
    ],
    [
      lineOf(concat([e3.slice(0, actorAt), new Uint8Array([0xc3, 0x28]), e3.slice(actorAt)])),
      "UTF-8",
    ],
  ];
  for (const [line, why] of variants) {
    const result = await verifyBoth(concat([...L.slice(0, 3), line, ...L.slice(4)]), base.head);
    assertEquals(damaged(result), { kind: "malformed", seq: 4 });
    assert(!result.ok && result.message.includes(why), `${why}: ${!result.ok && result.message}`);
  }
  await writeLog(dir, { log: L.join(""), head: null });
  for (
    const head of [
      "{",
      "[]",
      '{"hash":"x","seq":8}',
      '{"seq":8}',
      `{"seq":-1,"hash":"${GENESIS_HASH}"}`,
    ]
  ) {
    await Deno.writeTextFile(HEAD, head);
    assertEquals(damaged(await verifyLogFile(LOG, SEQUENTIAL)), { kind: "malformed", seq: 9 });
  }
});

Deno.test("verify detects a torn last line", async () => {
  for (const cut of [1, 5, L[7].length - 1]) {
    const result = await verifyBoth(L.join("").slice(0, -cut), base.head);
    assertEquals(damaged(result), { kind: "torn", seq: 8 });
  }
});

Deno.test("verify accepts an interrupted append with a warning", async () => {
  const lagging = await verifyBoth(L.join(""), { seq: 7, hash: base.hashes[6] });
  assert(lagging.ok);
  assertEquals(lagging.events, 8);
  assertMatch(lagging.warnings[0], /head\.json lags the log by one event \(seq 8\)/);
  const first = await verifyBoth(L[0], null);
  assert(first.ok && first.warnings.length === 1);
  const headless = await AuditLog.verifyFiles(LOG);
  assert(headless.ok);
  assertMatch(headless.warnings[0], /No head was given/);
});

Deno.test("verify runs in workers with the same results", async () => {
  const workers: VerifyOptions = { ...RANGES, workers: 2, rangeBytes: 1500 };
  const logs: [string, AuditHead][] = [
    [L.join(""), base.head],
    [[...L.slice(0, 5), ...L.slice(6)].join(""), base.head],
    [L.join("").replace('"i":6', '"i":7'), base.head],
    [L.join(""), { seq: 7, hash: base.hashes[6] }],
  ];
  for (const [log, head] of logs) {
    await writeLog(dir, { log, head });
    assertEquals(await verifyLogFile(LOG, workers), await verifyLogFile(LOG, SEQUENTIAL));
  }
});

Deno.test("verify: parallel and single-threaded paths agree on a 50k-event log", async () => {
  const big = buildLog(50_000);
  const parallel: VerifyOptions = { headFile: HEAD, workers: 2, parallelMinBytes: 0 };
  const check = async (lines: string[], expected?: { kind: AuditDamageKind; seq: number }) => {
    await writeLog(dir, { log: lines.join(""), head: big.head });
    const result = await verifyLogFile(LOG, parallel);
    assertEquals(result, await verifyLogFile(LOG, SEQUENTIAL));
    if (expected) assertEquals(damaged(result), expected);
    else assert(result.ok);
  };
  const lines = big.lines;
  await check(lines);
  const edited = [...lines];
  edited[31_234] = edited[31_234].replace('"i":31234', '"i":1');
  await check(edited, { kind: "edited", seq: 31_235 });
  const missing = [...lines];
  missing.splice(25_000, 1);
  await check(missing, { kind: "missing", seq: 25_001 });
  const swapped = [...lines];
  [swapped[12_499], swapped[12_500]] = [swapped[12_500], swapped[12_499]];
  await check(swapped, { kind: "reordered", seq: 12_500 });
  const duplicated = [...lines];
  duplicated.splice(40_000, 0, lines[10]);
  await check(duplicated, { kind: "duplicated", seq: 40_001 });
  await check(lines.slice(0, -3), { kind: "truncated", seq: 49_998 });
  await check([...lines.slice(0, -1), lines[49_999].slice(0, 100)], { kind: "torn", seq: 50_000 });
  const rehashed = rewrite(big, { index: 45_000, details: { forged: 1 }, through: 49_999 });
  await check(rehashed.lines, { kind: "forged", seq: 50_000 });
  const unlinked = rewrite(big, { index: 100, details: { forged: 1 }, through: 100 });
  await check(unlinked.lines, { kind: "forged", seq: 101 });
});

type Edit =
  | { kind: "byte"; line: number; at: number; delta: number }
  | { kind: "delete"; line: number }
  | { kind: "swap"; i: number; j: number }
  | { kind: "drop"; bytes: number }
  | { kind: "duplicate"; line: number; at: number }
  | { kind: "rehash"; line: number; through: "one" | "all"; value: string };

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant("byte" as const),
    line: fc.nat(),
    at: fc.nat(),
    delta: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ kind: fc.constant("drop" as const), bytes: fc.integer({ min: 1 }) }),
  fc.record({ kind: fc.constant("duplicate" as const), line: fc.nat(), at: fc.nat() }),
  fc.record({
    kind: fc.constant("rehash" as const),
    line: fc.nat(),
    through: fc.constantFrom("one" as const, "all" as const),
    value: fc.string(),
  }),
);

/** Applies an edit; returns the damaged log and the damage verify must report. */
function applyEdit(
  log: BuiltLog,
  edit: Edit,
): { bytes: Uint8Array; kinds: AuditDamageKind[]; seq: number } {
  const n = log.lines.length;
  const lines = [...log.lines];
  switch (edit.kind) {
    case "byte": {
      const k = edit.line % n;
      const bytes = new TextEncoder().encode(lines[k]);
      const at = edit.at % bytes.length;
      bytes[at] = (bytes[at] + edit.delta) % 256;
      const torn = k === n - 1 && at === bytes.length - 1;
      return {
        bytes: concat([...lines.slice(0, k), bytes, ...lines.slice(k + 1)]),
        kinds: torn ? ["torn"] : ["edited", "malformed"],
        seq: k + 1,
      };
    }
    case "delete": {
      const k = edit.line % n;
      lines.splice(k, 1);
      return { bytes: concat(lines), kinds: [k === n - 1 ? "truncated" : "missing"], seq: k + 1 };
    }
    case "swap": {
      const i = edit.i % n;
      const j = (i + 1 + (edit.j % (n - 1))) % n;
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return { bytes: concat(lines), kinds: ["reordered"], seq: Math.min(i, j) + 1 };
    }
    case "drop": {
      const all = concat(lines);
      const keep = all.length - 1 - ((edit.bytes - 1) % all.length);
      const whole = all.subarray(0, keep).filter((b) => b === 10).length;
      const boundary = keep === 0 || all[keep - 1] === 10;
      return {
        bytes: all.slice(0, keep),
        kinds: [boundary ? "truncated" : "torn"],
        seq: whole + 1,
      };
    }
    case "duplicate": {
      const i = edit.line % n;
      const j = edit.at % (n + 1);
      lines.splice(j, 0, lines[i]);
      return {
        bytes: concat(lines),
        kinds: ["duplicated"],
        seq: j === i || j === i + 1 ? i + 2 : j + 1,
      };
    }
    case "rehash": {
      const k = edit.line % n;
      const details = { ...log.events[k].details, forged: edit.value };
      const through = edit.through === "one" ? k : n - 1;
      const forged = rewrite(log, { index: k, details, through });
      return { bytes: concat(forged.lines), kinds: ["forged"], seq: through === n - 1 ? n : k + 1 };
    }
  }
}

Deno.test("property: every edit of a valid log is detected, with the right kind and seq", async () => {
  const logs = Array.from({ length: 13 }, (_, n) => n < 3 ? undefined : buildLog(n));
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 3, max: 12 }), editArbitrary, async (n, edit) => {
      const log = logs[n]!;
      const { bytes, kinds, seq } = applyEdit(log, edit);
      await writeLog(dir, { log: bytes, head: log.head });
      const result = await verifyLogFile(LOG, SEQUENTIAL);
      assert(!result.ok, `${JSON.stringify(edit)} was not detected`);
      assert(kinds.includes(result.kind), `${JSON.stringify(edit)}: ${result.message}`);
      assertEquals(result.seq, seq, `${JSON.stringify(edit)}: ${result.message}`);
      if (runs++ % 10 === 0) assertEquals(await verifyLogFile(LOG, RANGES), result);
    }),
    { numRuns: 1000 },
  );
});

const python = await new Deno.Command("python3", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((out) => out.success, () => false);

Deno.test({
  name: "the standalone Python verifier agrees",
  ignore: !python,
  async fn() {
    const script = new URL("../../test/fixtures/verify_audit.py", import.meta.url).pathname;
    const audit = new AuditLog(`${dir}/py`);
    await audit.append({
      actor: "Zoë",
      action: "experiment.created",
      target: { type: "experiment", id: "exp_1" },
      reason: 'Quoted "why" \u2028',
      details: { n: [1, 2.5e-7, 1e21, -0], s: "tab\there", nested: { deep: [[{}]] } },
    });
    await audit.appendMany(Array.from({ length: 5 }, (_, i) => ({ ...base.events[i] })));
    const run = async (...args: string[]) => {
      const out = await new Deno.Command("python3", { args: [script, ...args], stdout: "piped" })
        .output();
      return { code: out.code, text: new TextDecoder().decode(out.stdout).trim() };
    };
    const head = await audit.head();
    assertEquals(await run(audit.logFile, audit.headFile), {
      code: 0,
      text: `ok: 6 events, head ${head.hash}`,
    });
    const text = await Deno.readTextFile(audit.logFile);
    await Deno.writeTextFile(`${dir}/py/tampered.jsonl`, text.replace('"i":2', '"i":3'));
    const tampered = await run(`${dir}/py/tampered.jsonl`, audit.headFile);
    assertEquals(tampered.code, 1);
    assertMatch(tampered.text, /^bad: seq 4: hash does not match the event \(edited\)$/);
    await Deno.writeTextFile(
      `${dir}/py/short.jsonl`,
      text.split("\n").slice(0, 4).join("\n") + "\n",
    );
    assertEquals((await run(`${dir}/py/short.jsonl`, audit.headFile)).code, 1);
    await Deno.writeTextFile(
      `${dir}/py/lag.json`,
      formatHead({ seq: 5, hash: JSON.parse(text.split("\n")[5]).event.prev }),
    );
    assertEquals((await run(audit.logFile, `${dir}/py/lag.json`)).code, 0);
  },
});
