import { existsSync } from "node:fs";
import { assertEquals, assertStringIncludes } from "./_assert.ts";
import { openLab } from "../mod.ts";

const PYTHON = ["/usr/bin/python3", "/usr/local/bin/python3"].find((p) => existsSync(p)) ??
  "python3";

async function python(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const output = await new Deno.Command(PYTHON, { args, stdout: "piped", stderr: "piped" })
      .output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      out: decoder.decode(output.stdout) + decoder.decode(output.stderr),
    };
  } catch {
    return { code: -1, out: "python3 is absent" };
  }
}

const hasPython = (await python(["--version"])).code === 0;
if (!hasPython) console.log("notice: python3 is absent; the README verifier test is skipped");

Deno.test({
  name: "the README's 12-line Python verifier accepts a LabOS log and rejects an edited one",
  ignore: !hasPython,
  async fn() {
    const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
    const code = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
    if (!code) throw new Error("README has no python block");
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/verify.py`, code);
    const lab = openLab({ dataDir: `${dir}/data`, actor: "readme" });
    await lab.init();
    const e = await lab.createExperiment({ title: "Ünïcode ✓ title" });
    await lab.transitionExperiment(e.id, { to: "running", reason: "go" });
    const log = `${dir}/data/audit/log.jsonl`;
    const head = `${dir}/data/audit/head.json`;
    const ok = await python([`${dir}/verify.py`, log, head]);
    assertEquals(ok.code, 0, ok.out);
    assertStringIncludes(ok.out, "ok: 3 events");
    await Deno.writeTextFile(log, (await Deno.readTextFile(log)).replace('"go"', '"no"'));
    const bad = await python([`${dir}/verify.py`, log, head]);
    assertEquals(bad.code, 1, bad.out);
    assertStringIncludes(bad.out, "edited");
    await Deno.remove(dir, { recursive: true });
  },
});
