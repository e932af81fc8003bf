import { assert, assertEquals, assertMatch } from "../../test/_assert.ts";
import { withLock } from "../durable/mod.ts";
import { buildLog, input, rejects, T0, writeLog } from "./_fixtures_test.ts";
import { type AuditEvent, AuditLog, encodeEvent, GENESIS_HASH } from "./mod.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "labos-audit-" });
}

function clock(start = T0, step = 1000): () => Date {
  let t = start - step;
  return () => new Date(t += step);
}

async function lines(audit: AuditLog): Promise<string[]> {
  const text = await Deno.readTextFile(audit.logFile);
  return text.split("\n").slice(0, -1);
}

Deno.test("append, head and verify round trip", async () => {
  const dir = await tempDir();
  const audit = new AuditLog(`${dir}/audit`, { now: clock() });
  const first = await audit.append(input(0));
  const second = await audit.append(input(1));
  assertEquals(first.seq, 1);
  assertEquals(first.prev, GENESIS_HASH);
  assertEquals(first.ts, new Date(T0).toISOString());
  assertMatch(first.id, /^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  assertEquals(second.prev, encodeEvent(first).hash);
  const head = await audit.head();
  assertEquals(head, { seq: 2, hash: encodeEvent(second).hash });
  assertEquals(JSON.parse(await Deno.readTextFile(audit.headFile)), head);
  assertEquals(await audit.verify(), { ok: true, events: 2, head: head.hash, warnings: [] });
  const stored = await lines(audit);
  assertEquals(stored.length, 2);
  assertEquals(`${stored[1]}\n`, encodeEvent(second).line);
  assert(stored[0].startsWith('{"event":{"v":1,"seq":1,"id":"evt_'));
});

Deno.test("appendMany writes all events at once and returns them as stored", async () => {
  const audit = new AuditLog(await tempDir(), { now: clock() });
  assertEquals(await audit.appendMany([]), []);
  const events = await audit.appendMany([input(0), input(1), input(2)]);
  assertEquals(events.map((e) => e.seq), [1, 2, 3]);
  assertEquals(events[2].prev, encodeEvent(events[1]).hash);
  const scanned: AuditEvent[] = [];
  for await (const event of audit.scan()) scanned.push(event);
  assertEquals(scanned, events);
  assertEquals((await audit.verify()).ok, true);
});

Deno.test("appends of one instance are serialized", async () => {
  const audit = new AuditLog(await tempDir());
  const events = await Promise.all(Array.from({ length: 20 }, (_, i) => audit.append(input(i))));
  assertEquals(events.map((e) => e.seq), Array.from({ length: 20 }, (_, i) => i + 1));
  assertEquals((await audit.verify()).ok, true);
});

Deno.test("append under the data folder lock", async () => {
  const dir = await tempDir();
  const audit = new AuditLog(`${dir}/audit`);
  const event = await withLock(dir, () => audit.append(input(3)));
  assertEquals(event.seq, 1);
  assertEquals((await audit.verify()).ok, true);
});

Deno.test("append validates its input and normalizes details", async () => {
  const audit = new AuditLog(await tempDir());
  const bad: [unknown, string][] = [
    [{ ...input(0), actor: "" }, "actor"],
    [{ ...input(0), action: 7 }, "action"],
    [{ ...input(0), action: "Experiment.Created" }, "action"],
    [{ ...input(0), action: "created" }, "action"],
    [{ ...input(0), target: { type: "experiment" } }, "target.id"],
    [{ ...input(0), reason: undefined }, "reason"],
    [{ ...input(0), details: [1] }, "details"],
    [{ ...input(0), details: { n: 1n } }, "details"],
    [null, ""],
  ];
  for (const [value, path] of bad) {
    const error = await rejects(() => audit.append(value as Parameters<AuditLog["append"]>[0]));
    assertEquals(error.kind, "invalid");
    assertEquals(error.issues[0].path, path);
    assertMatch(error.message, /^Cannot append to the audit log: .+, got .+$/);
  }
  const many = await rejects(() => audit.appendMany([input(0), { ...input(1), actor: "" }]));
  assertEquals(many.issues[0].path, "1.actor");
  assertEquals((await audit.head()).seq, 0);
  const event = await audit.append({
    ...input(0),
    details: { when: new Date(T0), skip: undefined, nan: NaN },
  });
  assertEquals(event.details, { when: new Date(T0).toISOString(), nan: null });
  const [stored] = await lines(audit);
  assertEquals(JSON.parse(stored).event.details, event.details);
});

Deno.test("ts never decreases when the clock steps back", async () => {
  const times = [T0 + 5000, T0, T0 + 9000];
  const audit = new AuditLog(await tempDir(), { now: () => new Date(times.shift()!) });
  const events = [];
  for (let i = 0; i < 3; i++) events.push(await audit.append(input(i)));
  assertEquals(
    events.map((e) => e.ts),
    [T0 + 5000, T0 + 5000, T0 + 9000].map((t) => new Date(t).toISOString()),
  );
});

Deno.test("append reads only the tail: damage before the last line does not stop it", async () => {
  const dir = await tempDir();
  const log = buildLog(5);
  const edited = [log.lines[0].replace('"i":0', '"i":9'), ...log.lines.slice(1)];
  await writeLog(dir, { log: edited.join(""), head: log.head });
  const audit = new AuditLog(dir);
  assertEquals((await audit.append(input(5))).seq, 6);
  assertEquals((await audit.verify()).ok, false);
});

Deno.test("append refuses a torn or damaged last line", async () => {
  const log = buildLog(3);
  const cases: [string, string][] = [
    [log.lines.join("").slice(0, -10), "no trailing newline"],
    [log.lines.join("").slice(0, -1), "no trailing newline"],
    [log.lines.slice(0, 2).join("") + "garbage\n", "not a valid audit record"],
    [
      log.lines.slice(0, 2).join("") + log.lines[2].replace('"i":2', '"i":3'),
      "not a valid audit record",
    ],
  ];
  for (const [text, why] of cases) {
    const dir = await tempDir();
    await writeLog(dir, { log: text, head: log.head });
    const audit = new AuditLog(dir);
    const error = await rejects(() => audit.append(input(3)));
    assertEquals(error.kind, "check_failed");
    assert(error.message.startsWith("Cannot append to the audit log: "));
    assert(error.message.includes(why), error.message);
    assert(error.message.endsWith("run `labos doctor --repair`"));
    assertEquals(await Deno.readTextFile(audit.logFile), text);
  }
});

Deno.test("append heals a head that lags one interrupted append", async () => {
  const dir = await tempDir();
  const log = buildLog(4);
  await writeLog(dir, { log: log.lines.join(""), head: { seq: 3, hash: log.hashes[2] } });
  const audit = new AuditLog(dir);
  const verified = await audit.verify();
  assert(verified.ok);
  assertEquals(verified.warnings.length, 1);
  assertMatch(verified.warnings[0], /lags the log by one event \(seq 4\)/);
  assertEquals(await audit.head(), log.head);
  assertEquals((await audit.append(input(4))).seq, 5);
  assertEquals(await audit.verify(), {
    ...verified,
    events: 5,
    head: (await audit.head()).hash,
    warnings: [],
  });

  const first = await tempDir();
  await writeLog(first, { log: buildLog(1).lines[0], head: null });
  assertEquals((await new AuditLog(first).append(input(1))).seq, 2);
});

Deno.test("append refuses a head that disagrees with the log", async () => {
  const log = buildLog(4);
  const heads: [string | null, string][] = [
    [
      JSON.stringify({ seq: 5, hash: log.hashes[3] }),
      "records 5 events but the log ends at seq 4 (truncated)",
    ],
    [JSON.stringify({ seq: 4, hash: log.hashes[2] }), "does not match the last event"],
    [JSON.stringify({ seq: 3, hash: log.hashes[1] }), "does not match the last event"],
    ["{not json", "head.json is not"],
    [null, "head.json is missing but the log has 4 events"],
  ];
  for (const [head, why] of heads) {
    const dir = await tempDir();
    await writeLog(dir, { log: log.lines.join(""), head: null });
    if (head !== null) await Deno.writeTextFile(`${dir}/head.json`, head);
    const error = await rejects(() => new AuditLog(dir).append(input(4)));
    assertEquals(error.kind, "check_failed");
    assert(error.message.includes(why), error.message);
  }
  const empty = await tempDir();
  await writeLog(empty, { log: "", head: log.head });
  const error = await rejects(() => new AuditLog(empty).head());
  assertMatch(error.message, /^Cannot read the audit log head: .*truncated/);
});

Deno.test("append heals a head left behind by an interrupted batch append", async () => {
  const log = buildLog(4);
  const dir = await tempDir();
  await writeLog(dir, { log: log.lines.join(""), head: null });
  await Deno.writeTextFile(`${dir}/head.json`, JSON.stringify({ seq: 2, hash: log.hashes[1] }));
  const audit = new AuditLog(dir);
  assertEquals(await audit.lastSeq(), 4);
  const event = await audit.append(input(4));
  assertEquals(event.seq, 5);
  assertEquals(await audit.head(), {
    seq: 5,
    hash: JSON.parse(await Deno.readTextFile(`${dir}/head.json`)).hash,
  });
  assert((await audit.verify()).ok);
});

Deno.test("list pages newest first with filters", async () => {
  const audit = new AuditLog(await tempDir(), { now: clock() });
  const events: AuditEvent[] = [];
  for (let i = 0; i < 30; i++) events.push(await audit.append(input(i)));
  const seqs = async (filter: Parameters<AuditLog["list"]>[0]) => {
    const page = await audit.list(filter);
    return { seqs: page.events.map((e) => e.seq), hasMore: page.hasMore };
  };
  const all = events.map((e) => e.seq).reverse();
  assertEquals(await seqs({}), { seqs: all, hasMore: false });
  assertEquals(await seqs({ limit: 5 }), { seqs: all.slice(0, 5), hasMore: true });
  assertEquals(await seqs({ limit: 5, offset: 25 }), { seqs: all.slice(25), hasMore: false });
  assertEquals(await seqs({ limit: 5, offset: 24 }), { seqs: all.slice(24, 29), hasMore: true });
  assertEquals(await seqs({ offset: 30 }), { seqs: [], hasMore: false });
  const by = (pick: (e: AuditEvent) => boolean) => events.filter(pick).map((e) => e.seq).reverse();
  assertEquals((await seqs({ actor: "bob" })).seqs, by((e) => e.actor === "bob"));
  assertEquals(
    (await seqs({ action: "dataset.added" })).seqs,
    by((e) => e.action === "dataset.added"),
  );
  assertEquals(
    (await seqs({ targetType: "dataset" })).seqs,
    by((e) => e.target.type === "dataset"),
  );
  assertEquals((await seqs({ targetId: "exp_3" })).seqs, by((e) => e.target.id === "exp_3"));
  assertEquals(
    (await seqs({ actor: "ada", targetId: "exp_3" })).seqs,
    by((e) => e.actor === "ada" && e.target.id === "exp_3"),
  );
  assertEquals((await seqs({ actor: "nobody" })).seqs, []);
  const since = new Date(T0 + 20_000).toISOString();
  assertEquals((await seqs({ since })).seqs, by((e) => e.ts >= since));
  assertEquals((await seqs({ since: "2025-03-01T10:00:20+01:00" })).seqs, by((e) => e.ts >= since));
  assertEquals(
    await seqs({ since, actor: "ada", limit: 2 }),
    { seqs: by((e) => e.ts >= since && e.actor === "ada").slice(0, 2), hasMore: true },
  );
  assertEquals((await audit.list({ limit: 1 })).events[0], events[29]);
});

Deno.test("list matches values with escapes and non-ASCII text", async () => {
  const audit = new AuditLog(await tempDir());
  const actor = 'Zoë "Z" \u2028 O\'Brien\\';
  await audit.append(input(0));
  await audit.append(input(1, { actor }));
  assertEquals((await audit.list({ actor })).events.map((e) => e.actor), [actor]);
});

Deno.test("list reads backwards across chunks of a larger log", async () => {
  const dir = await tempDir();
  const log = buildLog(3000, (i) => ({ i, padding: "x".repeat(i % 200) }));
  await writeLog(dir, { log: log.lines.join(""), head: log.head });
  const audit = new AuditLog(dir);
  const page = await audit.list({ limit: 100, offset: 2850 });
  assertEquals(page.events.map((e) => e.seq), Array.from({ length: 100 }, (_, i) => 150 - i));
  assertEquals(page.hasMore, true);
  assertEquals((await audit.list({ targetId: "exp_4", limit: 1000 })).events.length, 600);
  assertEquals((await audit.list({ limit: 1, offset: 2999 })).events[0].seq, 1);
});

Deno.test("list and scan skip a torn final fragment but refuse a bad line", async () => {
  const dir = await tempDir();
  const log = buildLog(3);
  await writeLog(dir, { log: log.lines.join("") + log.lines[0].slice(0, 40), head: log.head });
  const audit = new AuditLog(dir);
  assertEquals((await audit.list()).events.map((e) => e.seq), [3, 2, 1]);
  const seen: number[] = [];
  for await (const event of audit.scan()) seen.push(event.seq);
  assertEquals(seen, [1, 2, 3]);
  await writeLog(dir, { log: log.lines[0] + "nonsense\n" + log.lines[2], head: log.head });
  const error = await rejects(() => audit.list());
  assertEquals(error.kind, "check_failed");
  assertMatch(
    error.message,
    /^Cannot list the audit log: the line at byte \d+ is not a valid audit record/,
  );
  await rejects(async () => {
    for await (const _ of audit.scan()) { /* drain */ }
  });
});

Deno.test("list validates its filter", async () => {
  const audit = new AuditLog(await tempDir());
  for (
    const filter of [{ limit: 0 }, { limit: 1001 }, { limit: 1.5 }, { offset: -1 }, {
      since: "yesterday",
    }]
  ) {
    const error = await rejects(() => audit.list(filter));
    assertEquals(error.kind, "invalid");
    assertMatch(error.message, /^Cannot list the audit log: ".+" must .+, got .+$/);
  }
});

Deno.test("exportTo writes a copy that verifies, and refuses a damaged log", async () => {
  const dir = await tempDir();
  const audit = new AuditLog(`${dir}/audit`);
  await audit.appendMany(Array.from({ length: 12 }, (_, i) => input(i)));
  const out = `${dir}/export/audit-2025.jsonl`;
  await Deno.mkdir(`${dir}/export`);
  const exported = await audit.exportTo(out);
  assertEquals(exported, { events: 12, head: await audit.head() });
  assertEquals(await Deno.readFile(out), await Deno.readFile(audit.logFile));
  assertEquals(JSON.parse(await Deno.readTextFile(`${out}.head.json`)), exported.head);
  assertEquals(await AuditLog.verifyFiles(out, `${out}.head.json`), await audit.verify());
  assertEquals([...Deno.readDirSync(`${dir}/export`)].length, 2);

  const text = await Deno.readTextFile(audit.logFile);
  await Deno.writeTextFile(audit.logFile, text.replace('"i":3', '"i":4'));
  const error = await rejects(() => audit.exportTo(`${dir}/export/bad.jsonl`));
  assertEquals(error.kind, "check_failed");
  assertMatch(error.message, /^Cannot export the audit log: it is damaged at seq 4 \(edited\)/);
  assertEquals([...Deno.readDirSync(`${dir}/export`)].length, 2);
  assertEquals((await rejects(() => audit.exportTo(`${dir}/nowhere/out.jsonl`))).kind, "not_found");
});

Deno.test("an empty or absent log is a valid empty log", async () => {
  const dir = await tempDir();
  const audit = new AuditLog(`${dir}/missing`);
  assertEquals(await audit.head(), { seq: 0, hash: GENESIS_HASH });
  assertEquals(await audit.verify(), { ok: true, events: 0, head: GENESIS_HASH, warnings: [] });
  assertEquals(await audit.list(), { events: [], hasMore: false });
  await writeLog(`${dir}/empty`, { log: "", head: { seq: 0, hash: GENESIS_HASH } });
  assertEquals((await new AuditLog(`${dir}/empty`).verify()).ok, true);
  assertEquals((await audit.exportTo(`${dir}/empty.jsonl`)).events, 0);
  assertEquals(await Deno.readTextFile(`${dir}/empty.jsonl`), "");
});

Deno.test("quarantineTornTail moves an interrupted append aside", async () => {
  const dir = await tempDir();
  const log = buildLog(3);
  const torn = log.lines[2].slice(0, 50);
  await writeLog(`${dir}/audit`, {
    log: log.lines.slice(0, 2).join("") + torn,
    head: {
      seq: 2,
      hash: log.hashes[1],
    },
  });
  const audit = new AuditLog(`${dir}/audit`, { now: clock() });
  const result = await audit.verify();
  assert(!result.ok && result.kind === "torn" && result.seq === 3);
  const moved = await audit.quarantineTornTail(`${dir}/audit/quarantine`);
  assertMatch(moved, /quarantine\/log-2025-03-01T09-00-00-000Z-[0-9a-f]{6}\.part$/);
  assertEquals(await Deno.readTextFile(moved), torn);
  assertEquals(await audit.verify(), { ok: true, events: 2, head: log.hashes[1], warnings: [] });
  assertEquals(await audit.lastSeq(), 2);
  assertEquals((await audit.append(input(2))).seq, 3);
  assertEquals((await rejects(() => audit.quarantineTornTail(`${dir}/q`))).kind, "conflict");
  const missing = new AuditLog(`${dir}/missing`);
  assertEquals((await rejects(() => missing.quarantineTornTail(`${dir}/q`))).kind, "conflict");
});

Deno.test("scan with actions yields only those events, in log order", async () => {
  const audit = new AuditLog(await tempDir());
  for (const action of ["user.key-created", "experiment.created", "signature.created"]) {
    await audit.append({
      actor: "ada",
      action,
      target: { type: "t", id: "1" },
      reason: null,
      details: {},
    });
  }
  const seen: Array<[number, string]> = [];
  for await (const event of audit.scan({ actions: ["signature.created", "user.key-created"] })) {
    seen.push([event.seq, event.action]);
  }
  assertEquals(seen, [[1, "user.key-created"], [3, "signature.created"]]);
  let all = 0;
  for await (const _ of audit.scan()) all++;
  assertEquals(all, 3);
});

Deno.test("head read while another process appends never reports a false truncation", async () => {
  // A reader holds no lock: an append (log first, then head.json) may land between its reads.
  const dir = await tempDir();
  const reader = new AuditLog(dir);
  await reader.append(input(0));
  const mod = new URL("./mod.ts", import.meta.url).href;
  const writer = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { AuditLog } from ${JSON.stringify(mod)};
       const log = new AuditLog(${JSON.stringify(dir)});
       for (let i = 1; i < 400; i++) {
         await log.append({ actor: "w", action: "x.y", target: { type: "t", id: "i" }, reason: null, details: {} });
       }`,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = writer.output().then((output) => {
    exited = true;
    return output;
  });
  // Many reads at once, as in a busy server, widen the gap between a read's two awaits.
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (!exited) await reader.head();
  }));
  const output = await status;
  assert(output.success, new TextDecoder().decode(output.stderr));
  assertEquals((await reader.head()).seq, 400);
});
