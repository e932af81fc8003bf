import { assertEquals, assertRejects } from "../../test/_assert.ts";
import type { LabosError } from "../errors.ts";
import { openTestLab, openTestStorage } from "../../test/_store.ts";
import { scopedStorage } from "./_scopes.ts";

const PASSWORD = "correct horse battery";

async function classLab() {
  const dir = await Deno.makeTempDir({ prefix: "labos-scopes-" });
  const root = await openTestLab({
    dataDir: dir,
    actor: "prof",
    scryptCost: { N: 2 ** 10, r: 8, p: 1 },
  });
  await root.init();
  for (const username of ["amy", "ben"]) {
    await root.addUser({ username, role: "student", password: PASSWORD });
  }
  await root.addUser({ username: "tim", role: "ta", password: PASSWORD });
  const amy = root.as({ actor: "amy", role: "local", auth: "local" });
  const ben = root.as({ actor: "ben", role: "local", auth: "local" });
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
  return { dir, root, amys, bens, shared, amyRun, benRun, sharedRun, loose, amyLoose };
}

Deno.test("a student's storage answers only their own and shared records", async () => {
  const c = await classLab();
  try {
    const base = await openTestStorage(c.dir);
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
    await base.close();
  } finally {
    await c.root.close();
    await Deno.remove(c.dir, { recursive: true });
  }
});

Deno.test("a student's lab changes only what is theirs, and manages no users", async () => {
  const c = await classLab();
  try {
    const amy = c.root.as({ actor: "amy", role: "student", auth: "session" });
    const moved = await assertRejects(() =>
      amy.transitionExperiment(c.bens.id, { to: "running", reason: "Mine now" })
    ) as LabosError;
    assertEquals([moved.kind, moved.message], [
      "not_found",
      `No experiment with id "${c.bens.id}"`,
    ]);
    await assertRejects(
      () => amy.editExperiment(c.bens.id, { title: "Taken", reason: "x" }),
      /^No experiment with id/,
    );
    await assertRejects(() => amy.retryJob(c.benRun.job.id), /^No job with id/);
    await assertRejects(
      () => amy.collectJobs({ jobIds: [c.loose.job.id], fields: ["activationEnergyJPerMol"] }),
      /^No job with id/,
    );
    const shared = await amy.editExperiment(c.shared.id, { title: "Group, renamed", reason: "ok" });
    assertEquals(shared.title, "Group, renamed", "a shared experiment can be changed");

    const owned = await assertRejects(() =>
      amy.createExperiment({ title: "For Ben", owner: "ben" })
    ) as LabosError;
    assertEquals(owned.kind, "invalid");
    assertEquals((await amy.createExperiment({ title: "Own" })).owner, "amy");
    const reshare = await assertRejects(() =>
      amy.shareExperiment(c.shared.id, { with: ["tim"] })
    ) as LabosError;
    assertEquals(reshare.kind, "forbidden", "only the owner or staff may share");
    assertEquals(
      (await amy.shareExperiment(c.amys.id, { with: ["ben"] })).sharedWith,
      ["ben"],
    );

    for (
      const [who, role] of [["amy", "student"], ["tim", "ta"]] as const
    ) {
      const lab = c.root.as({ actor: who, role, auth: "session" });
      const refused = await assertRejects(() =>
        lab.addUser({ username: "eve", role: "admin", password: PASSWORD })
      ) as LabosError;
      assertEquals([refused.kind, refused.exitCode], ["forbidden", 2]);
      await assertRejects(() => lab.disableUser("ben", { reason: "x" }), /Only an instructor/);
      await assertRejects(() => lab.createToken("ben"), /Only an instructor/);
      await assertRejects(() => lab.setPassword("ben", "new password 1"), /Only an instructor/);
      await assertRejects(() => lab.setPassword(who, "new password 1"), /current password/);
      assertEquals((await lab.createToken(who)).username, who, "a token of one's own is fine");
    }
    await assertRejects(() => amy.doctor(), /A student may not/);
    const tim = c.root.as({ actor: "tim", role: "ta", auth: "token" });
    assertEquals((await tim.getExperiment(c.bens.id)).id, c.bens.id, "a TA sees everything");
    assertEquals(
      (await tim.transitionExperiment(c.bens.id, { to: "archived", reason: "x" })).status,
      "archived",
    );
    const back = amy.as({ actor: "ivy", role: "instructor", auth: "session" });
    assertEquals(
      (await back.getExperiment(c.bens.id)).id,
      c.bens.id,
      "as() starts from everything",
    );
  } finally {
    await c.root.close();
    await Deno.remove(c.dir, { recursive: true });
  }
});
