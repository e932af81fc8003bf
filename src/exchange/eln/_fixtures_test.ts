/**
 * Test helpers: crates built in code (fflate), and a small lab with an
 * experiment holding a table with units, a module run with its plot, and
 * a signature.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { strToU8, zipSync } from "fflate";
import { type Lab, openLab } from "../../service/mod.ts";

/** A cheap scrypt cost for tests. */
export const CHEAP = { N: 1024, r: 8, p: 1 };
/** The test users' password. */
export const PASSWORD = "calorimeter-2026";

/** Lowercase hex SHA-256 of text or bytes. */
export function sha(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Writes a zip of these entries (text or bytes), in this order. */
export async function writeZip(
  file: string,
  entries: Record<string, string | Uint8Array>,
): Promise<string> {
  const files: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(entries)) {
    files[name] = typeof value === "string" ? strToU8(value) : value;
  }
  await Deno.writeFile(file, zipSync(files));
  return file;
}

/**
 * A crate: `root/ro-crate-metadata.json` holding `graph` (with the
 * RO-Crate 1.1 context), and `root/<path>` for each file.
 */
export function crate(
  root: string,
  graph: unknown[],
  files: Record<string, string | Uint8Array> = {},
): Record<string, string | Uint8Array> {
  const entries: Record<string, string | Uint8Array> = {
    [`${root}/ro-crate-metadata.json`]: JSON.stringify({
      "@context": "https://w3id.org/ro/crate/1.1/context",
      "@graph": graph,
    }),
  };
  for (const [name, value] of Object.entries(files)) entries[`${root}/${name}`] = value;
  return entries;
}

/** A temporary folder, removed after `fn`. */
export async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-eln-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A fresh lab in `dir/name`, initialised, with user `ada` (instructor). */
export async function newLab(dir: string, name = "data"): Promise<Lab> {
  const admin = openLab({ dataDir: `${dir}/${name}`, actor: "admin", scryptCost: CHEAP });
  await admin.init();
  if (!(await admin.hasUsers())) {
    await admin.addUser({ username: "ada", role: "instructor", password: PASSWORD });
  }
  return admin.as({ actor: "ada", role: "instructor", auth: "local" });
}

/** The CSV of the sample table: a unit in each numeric header. */
export const RATES_CSV =
  'time [min],conc [mmol/L],note\r\n0,1.5,start\r\n5,1.25,\r\n10,1,"a, b"\r\n';

/** An experiment with a table, a run (with a plot), a signature and a transition. */
export async function sampleExperiment(lab: Lab, dir: string): Promise<string> {
  const experiment = await lab.createExperiment({
    title: "Arrhenius of the decomposition",
    purpose: "Find the activation energy",
    tags: ["kinetics", "year-2"],
  });
  await Deno.writeTextFile(`${dir}/rates.csv`, RATES_CSV);
  await lab.importCsv({
    fileName: "rates.csv",
    bytes: new TextEncoder().encode(RATES_CSV),
    experimentId: experiment.id,
  });
  await lab.run({
    module: "kinetics.arrhenius",
    input: { temperaturesK: [650, 700, 750], rateConstants: [1.66, 7.39, 25.1] },
    experimentId: experiment.id,
  });
  await lab.transitionExperiment(experiment.id, { to: "completed", reason: "Measured" });
  await lab.sign(experiment.id, { meaning: "authored", reason: "My data", password: PASSWORD });
  return experiment.id;
}

/** Marks an entry of a zip as a Unix symbolic link in the central directory. */
export function markSymlink(zip: Uint8Array, name: string): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const encoded = new TextEncoder().encode(name);
  for (let p = 0; p + 46 < zip.length; p++) {
    if (view.getUint32(p, true) !== 0x02014b50) continue;
    const length = view.getUint16(p + 28, true);
    const found = zip.subarray(p + 46, p + 46 + length);
    if (length === encoded.length && found.every((b, i) => b === encoded[i])) {
      view.setUint16(p + 4, (3 << 8) | 20, true);
      view.setUint32(p + 38, (0o120777 << 16) >>> 0, true);
    }
  }
  return zip;
}
