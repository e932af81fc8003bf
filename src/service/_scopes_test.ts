import { assertEquals, assertRejects } from "../../test/_assert.ts";
import type { LabosError } from "../errors.ts";
import { FolderStorage } from "../storage/folder/mod.ts";
import { openLab } from "./open_lab.ts";
import { scopedStorage } from "./_scopes.ts";

async function classLab() {
  const dir = await Deno.makeTempDir({ prefix: "labos-scopes-" });
  const root = openLab({ dataDir: dir, actor: "prof" });
  await root.init();
  const amy = openLab({ dataDir: dir, actor: "amy" });
  const ben = openLab({ dataDir: dir, actor: "ben" });
  const amys = await amy.createExperiment({ title: "Amy's" });
  const bens = await ben.createExperiment({ title: "Ben's" });
  const shared = await root.createExperiment({ title: "Group", owner: "ben" });
  await root.shareExperiment(shared.id, { with: ["amy"] });
  const input = { temperaturesK: [650, 700], rateConstants: [1.66, 7.39] };
  const amyRun = await amy.run({ module: "kinetics.arrhenius", input, experimentId: amys.id });
  const benRun = await ben.run({ module: "kinetics.arrhenius", input, experimentId: bens.id });
  const sharedRun = await ben.run({ module: "kinetics.arrhenius", input, experimentId: shared.id });
  const loose = await ben.run({ module: "kinetics.arrhenius", input });
  const amyLoose = await amy.run({ module: "kinetics.arrhenius", input });
  return { dir, amys, bens, shared, amyRun, benRun, sharedRun, loose, amyLoose };
}

Deno.test("a student's storage answers only their own and shared records", async () => {
  const c = await classLab();
  try {
    const base = new FolderStorage(c.dir);
    const view = scopedStorage(base, { actor: "amy", role: "student" });
    const ids = async (type: "experiment" | "job" | "dataset") =>
      (await view.listSummaries(type)).items.map((r) => r.id).sort();
    assertEquals(await ids("experiment"), [c.amys.id, c.shared.id].sort());
    assertEquals(
      await ids("job"),
      [c.amyRun.job.id, c.sharedRun.job.id, c.amyLoose.job.id].sort(),
    );
    assertEquals(
      await ids("dataset"),
      [c.amyRun.dataset!.id, c.sharedRun.dataset!.id, c.amyLoose.dataset!.id].sort(),
    );
    assertEquals(await view.count("experiment"), 2);
    assertEquals(await base.count("experiment"), 3);
    assertEquals((await view.get("job", c.sharedRun.job.id)).id, c.sharedRun.job.id);

    for (
      const [type, id] of [
        ["experiment", c.bens.id],
        ["job", c.benRun.job.id],
        ["job", c.loose.job.id],
        ["dataset", c.benRun.dataset!.id],
      ] as const
    ) {
      const error = await assertRejects(() => view.get(type, id)) as LabosError;
      assertEquals([error.kind, error.message], ["not_found", `No ${type} with id "${id}"`]);
      await assertRejects(() => view.getSummary(type, id), /^No /);
      await assertRejects(() => view.transaction((tx) => tx.get(type, id)), /^No /);
    }
    const events = (await view.auditList({ limit: 1000 })).items;
    const targets = new Set(events.map((event) => event.target.id));
    assertEquals(targets.has(c.bens.id), false);
    assertEquals(targets.has(c.benRun.job.id), false);
    assertEquals(targets.has(c.shared.id), true, "events of a shared experiment are shown");
    assertEquals(
      events.every((e) => e.actor === "amy" || targets.has(e.target.id)),
      true,
    );

    const staff = scopedStorage(base, { actor: "tim", role: "ta" });
    assertEquals(staff, base);
  } finally {
    await Deno.remove(c.dir, { recursive: true });
  }
});
