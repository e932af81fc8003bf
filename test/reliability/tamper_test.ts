/**
 * Tamper evidence: every kind of edit to the audit log, its head, or a
 * record is detected, naming the first bad seq.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { runCli, withTempDir } from "../_cli.ts";
import { encodeEvent } from "../../src/audit/mod.ts";
import type { AuditEvent } from "../../src/audit/mod.ts";
import { folderInternals } from "../../src/storage/folder/internals.ts";
import { openLab } from "../../src/service/mod.ts";
import type { Lab } from "../../src/service/mod.ts";

/** A data folder with 10 events: init, 4 experiments, 5 transitions. */
async function buildLab(dataDir: string): Promise<{ lab: Lab; ids: string[] }> {
  const lab = openLab({ dataDir, actor: "ada" });
  await lab.init();
  const ids: string[] = [];
  for (const title of ["Calorimetry", "Kinetics", "Spectroscopy", "Chromatography"]) {
    ids.push((await lab.createExperiment({ title })).id);
  }
  for (const id of ids) {
    await lab.transitionExperiment(id, { to: "running", reason: "Samples ready" });
  }
  await lab.transitionExperiment(ids[0], { to: "completed", reason: "Three replicates agree" });
  return { lab, ids };
}

async function lines(lab: Lab): Promise<string[]> {
  const text = await fs.readFile(folderInternals(lab.dataDir).audit.logFile, "utf8");
  return text.split("\n").slice(0, -1);
}

async function writeLines(lab: Lab, list: string[]): Promise<void> {
  await fs.writeFile(
    folderInternals(lab.dataDir).audit.logFile,
    list.map((line) => `${line}\n`).join(""),
  );
}

function eventOf(line: string): AuditEvent {
  return JSON.parse(line).event;
}

interface Case {
  name: string;
  tamper: (lab: Lab, list: string[]) => Promise<void>;
  seq: number;
  kind: string;
}

const CASES: Case[] = [
  {
    name: "a changed byte in an event",
    tamper: (lab, list) =>
      writeLines(lab, list.with(3, list[3].replace(`"actor":"ada"`, `"actor":"adb"`))),
    seq: 4,
    kind: "edited",
  },
  {
    name: "a changed hash",
    tamper: (lab, list) => {
      const hash = eventOf(list[4]).prev;
      return writeLines(
        lab,
        list.with(3, list[3].replace(hash, hash.replace(/^./, (c) => c === "0" ? "1" : "0"))),
      );
    },
    seq: 4,
    kind: "edited",
  },
  {
    name: "a deleted line",
    tamper: (lab, list) => writeLines(lab, list.toSpliced(4, 1)),
    seq: 5,
    kind: "missing",
  },
  {
    name: "an inserted forged line",
    tamper: (lab, list) => {
      const before = eventOf(list[4]);
      const forged = encodeEvent({
        ...before,
        seq: 6,
        action: "experiment.transitioned",
        reason: "Forged",
        prev: JSON.parse(list[4]).hash,
      }).line.trimEnd();
      return writeLines(lab, list.toSpliced(5, 0, forged));
    },
    seq: 7,
    kind: "forged",
  },
  {
    name: "swapped lines",
    tamper: (lab, list) => writeLines(lab, list.with(4, list[5]).with(5, list[4])),
    seq: 5,
    kind: "reordered",
  },
  {
    name: "a truncated tail",
    tamper: (lab, list) => writeLines(lab, list.slice(0, 8)),
    seq: 9,
    kind: "truncated",
  },
  {
    name: "a duplicated line",
    tamper: (lab, list) => writeLines(lab, list.toSpliced(5, 0, list[4])),
    seq: 6,
    kind: "duplicated",
  },
  {
    name: "a replaced head",
    tamper: (lab, list) =>
      fs.writeFile(
        folderInternals(lab.dataDir).audit.headFile,
        JSON.stringify({ seq: list.length, hash: JSON.parse(list[3]).hash }),
      ),
    seq: 10,
    kind: "forged",
  },
];

for (const { name, tamper, seq, kind } of CASES) {
  Deno.test(`tamper: ${name} is detected at seq ${seq} (${kind})`, async () => {
    await withTempDir(async (dir) => {
      const { lab } = await buildLab(`${dir}/data`);
      assertEquals((await lines(lab)).length, 10);
      await tamper(lab, await lines(lab));
      const result = await lab.verifyAudit();
      assert(!result.ok, `${name} was not detected`);
      assertEquals({ seq: result.seq, kind: result.kind }, { seq, kind }, result.message);
      const cli = await runCli(["--data-dir", `${dir}/data`, "audit", "verify"]);
      assertEquals(cli.code, 1);
      assertMatch(cli.stdout, new RegExp(`\\bseq ${seq}\\b`));
      const report = await lab.doctor();
      assert(!report.ok);
      assert(
        report.problems.some((p) => p.kind === "audit-damaged" && p.message.includes(`seq ${seq}`)),
      );
    });
  });
}

Deno.test("tamper: a log copied from another data folder is detected at seq 1", async () => {
  await withTempDir(async (dir) => {
    const { lab } = await buildLab(`${dir}/a`);
    const other = await buildLab(`${dir}/b`);
    await fs.copyFile(
      folderInternals(other.lab.dataDir).audit.logFile,
      folderInternals(lab.dataDir).audit.logFile,
    );
    await fs.copyFile(
      folderInternals(other.lab.dataDir).audit.headFile,
      folderInternals(lab.dataDir).audit.headFile,
    );
    assert(
      (await folderInternals(lab.dataDir).audit.verify()).ok,
      "the copied chain verifies on its own",
    );
    const result = await lab.verifyAudit();
    assert(!result.ok);
    assertEquals({ seq: result.seq, kind: result.kind }, { seq: 1, kind: "forged" });
    assertMatch(result.message, /belongs to another data folder/);
    const report = await lab.doctor();
    const foreign = report.problems.find((p) => p.kind === "foreign-audit-log");
    assert(foreign, JSON.stringify(report.problems));
    assertMatch(foreign.message, /^seq 1: /);
    const cli = await runCli(["--data-dir", `${dir}/a`, "audit", "verify"]);
    assertEquals(cli.code, 1);
    assertMatch(cli.stdout, /seq 1: the audit log belongs to another data folder/);
  });
});

Deno.test("tamper: an edited record whose audited values no longer match names its last audited seq", async () => {
  await withTempDir(async (dir) => {
    const { lab, ids } = await buildLab(`${dir}/data`);
    const file = folderInternals(lab.dataDir).store.pathOf("experiment", ids[1]);
    const record = JSON.parse(await fs.readFile(file, "utf8"));
    await fs.writeFile(file, JSON.stringify({ ...record, status: "completed" }, null, 2));
    const last =
      (await folderInternals(lab.dataDir).audit.list({ targetId: ids[1], limit: 1 })).events[0];
    const report = await lab.doctor();
    assert(!report.ok);
    const problem = report.problems.find((p) => p.kind === "unaudited-change");
    assert(problem, JSON.stringify(report.problems));
    assertMatch(problem.message, new RegExp(`\\(seq ${last.seq}\\): it was edited outside LabOS`));
    assertEquals(problem.path, file);
    const cli = await runCli(["--data-dir", `${dir}/data`, "doctor"]);
    assertEquals(cli.code, 1);
    assertMatch(cli.stdout, new RegExp(`seq ${last.seq}`));
  });
});

Deno.test("tamper: a record file that is deleted is reported as missing with its last audited seq", async () => {
  await withTempDir(async (dir) => {
    const { lab, ids } = await buildLab(`${dir}/data`);
    await fs.rm(folderInternals(lab.dataDir).store.pathOf("experiment", ids[2]));
    const report = await lab.doctor();
    const problem = report.problems.find((p) => p.kind === "missing-record");
    assert(problem, JSON.stringify(report.problems));
    assertMatch(problem.message, /audited at seq \d+ but its file is missing/);
  });
});
