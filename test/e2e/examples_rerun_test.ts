import { assert, assertEquals } from "../_assert.ts";
import { cliOk } from "../_cli.ts";
import { openLab } from "../../mod.ts";

Deno.test("every module example runs through the service and reruns byte-identically", async () => {
  const dir = await Deno.makeTempDir({ prefix: "labos-examples-" });
  const lab = openLab({ dataDir: dir, actor: "tester" });
  await lab.init();
  let checked = 0;
  for (const info of (await lab.listModules())) {
    assert(info.examples.length > 0, `${info.key} has no example`);
    for (const example of info.examples) {
      const { job } = await lab.run({ module: info.key, input: example.input });
      assertEquals(job.status, "succeeded", `${info.key} / ${example.name}: ${job.error?.message}`);
      const check = await lab.checkRerun(job.id);
      assert(check.matches, `${info.key} / ${example.name}: ${check.message}`);
      checked++;
    }
  }
  assert(checked >= 8);
  // And once through the CLI, as a user would.
  const [job] = (await lab.listJobs({ limit: 1 })).items;
  const out = await cliOk(["--data-dir", dir, "jobs", "rerun", job.id, "--check"]);
  assert(out.startsWith("ok: Output is byte-identical"), out);
  assert((await lab.verifyAudit()).ok);
  await Deno.remove(dir, { recursive: true });
});
