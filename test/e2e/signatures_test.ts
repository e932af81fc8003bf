import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "../_assert.ts";
import { cliOk, runCli, withTempDir } from "../_cli.ts";
import type { LabosError } from "../../src/errors.ts";
import type { Experiment, Role } from "../../src/records/mod.ts";
import { createApp, csrfToken } from "../../src/server/mod.ts";
import type { Lab, SignatureListing } from "../../src/service/mod.ts";
import { folderOnlyTest, openTestLab, openTestStorage, TEST_STORE } from "../_store.ts";
import { hashJson } from "../../src/records/mod.ts";
import { payloadText, rawPublicKeyBase64, signText } from "../../src/signatures/mod.ts";

Deno.test("signatures: audit verify checks every signature event against the published key", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "ada" });
    await lab.init();
    const experiment = await lab.createExperiment({ title: "Calorimetry" });
    const { privateKey } = generateKeyPairSync("ed25519");
    const publicKey = rawPublicKeyBase64(privateKey);
    const payload = payloadText({
      signer: "ada",
      displayName: "Ada",
      meaning: "approved",
      reason: "Checked",
      time: new Date().toISOString(),
      recordType: "experiment",
      recordId: experiment.id,
      recordSha256: hashJson(experiment),
      auditSeq: 3,
    });
    const signature = signText(payload, privateKey);
    const storage = await openTestStorage(dir);
    const append = (action: string, details: Record<string, unknown>) =>
      storage.transaction((tx) => {
        tx.audit({
          actor: "ada",
          action,
          target: { type: "user", id: "ada" },
          reason: null,
          details,
        });
        return Promise.resolve();
      });
    await append("user.key-created", { username: "ada", publicKey });
    await append("signature.created", { payload, signature, publicKey });
    const good = await lab.verifyAudit();
    assert(good.ok, JSON.stringify(good));

    // A chain that verifies line by line, but a signature over a payload someone changed.
    const forged = payload.replace('"Checked"', '"Not checked"');
    await append("signature.created", { payload: forged, signature, publicKey });
    const bad = await lab.verifyAudit();
    assert(!bad.ok);
    assertEquals([bad.seq, bad.kind], [5, "forged"]);
    assertMatch(bad.message, /^seq 5: the signature by "ada" does not verify/);
    const report = await lab.doctor();
    assertEquals(report.ok, false);
    assertEquals(report.problems.map((p) => p.kind), ["bad-signature"]);
    await storage.close();
    if (hasCryptography) {
      const log = TEST_STORE === "folder"
        ? `${dir}/audit/log.jsonl`
        : `${await Deno.makeTempDir({ prefix: "labos-sig-" })}/log.jsonl`;
      if (TEST_STORE !== "folder") await lab.exportAudit(log);
      const offline = await tool(PY, [VERIFIER, "--log", log]);
      assertEquals(offline?.code, 1, offline?.out);
      assertMatch(offline?.out ?? "", /^ok {2}ada approved .*\nBAD ada approved .*does not verify/);
    }
  });
});

const PASSWORDS = { ana: "ana-password-1", bob: "bob-password-1", ines: "ines-password-1" };
const PY = ["/usr/bin/python3", "/usr/local/bin/python3"].find((p) => existsSync(p)) ?? "python3";
const VERIFIER = new URL("../fixtures/verify_signatures.py", import.meta.url).pathname;

async function tool(
  command: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; out: string } | undefined> {
  try {
    const child = new Deno.Command(command, {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
    }
    const output = await child.output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, out: decode(output.stdout) + decode(output.stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

const hasCryptography = (await tool(PY, ["-c", "import cryptography"]))?.code === 0;
const hasOpenssl = (await tool("openssl", ["version"]))?.code === 0;
if (!hasCryptography) {
  console.log("notice: python3 with cryptography is absent; its signature check is skipped");
}
if (!hasOpenssl) console.log("notice: openssl is absent; its signature check is skipped");

/** A lab with a student (ana, who owns an experiment), another student (bob) and an instructor (ines). */
async function withClass(
  fn: (context: { dir: string; lab: Lab; experiment: Experiment }) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "admin" });
    await lab.init();
    await lab.addUser({ username: "ana", role: "student", password: PASSWORDS.ana });
    await lab.addUser({ username: "bob", role: "student", password: PASSWORDS.bob });
    await lab.addUser({
      username: "ines",
      role: "instructor",
      displayName: "Inès Duval",
      password: PASSWORDS.ines,
    });
    const experiment = await as(lab, "ana", "student").createExperiment({ title: "Calorimetry" });
    await fn({ dir, lab, experiment });
  });
}

function as(lab: Lab, actor: string, role: Role): Lab {
  return lab.as({ actor, role, auth: "session" });
}

function spki(publicKey: string): string {
  const der = new Uint8Array([
    ...[0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00],
    ...atob(publicKey).split("").map((c) => c.charCodeAt(0)),
  ]);
  return `-----BEGIN PUBLIC KEY-----\n${
    btoa(String.fromCharCode(...der))
  }\n-----END PUBLIC KEY-----\n`;
}

async function opensslVerifies(dir: string, entry: SignatureListing): Promise<boolean> {
  await Deno.writeTextFile(`${dir}/pub.pem`, spki(entry.publicKey));
  await Deno.writeTextFile(`${dir}/payload.txt`, entry.payload);
  await Deno.writeFile(
    `${dir}/sig.bin`,
    Uint8Array.from(atob(entry.signature), (c) => c.charCodeAt(0)),
  );
  const result = await tool("openssl", [
    "pkeyutl",
    "-verify",
    "-pubin",
    "-inkey",
    `${dir}/pub.pem`,
    "-rawin",
    "-in",
    `${dir}/payload.txt`,
    "-sigfile",
    `${dir}/sig.bin`,
  ]);
  return result?.code === 0 && /Signature Verified Successfully/.test(result.out);
}

// Folder-only: it reads audit/log.jsonl and edits an experiment file.
folderOnlyTest(
  "signatures: signed on the CLI and in the service, every one verified by Python and openssl; an edit outside LabOS shows",
  async () => {
    await withClass(async ({ dir, lab, experiment }) => {
      const signed = await runCli([
        "--data-dir",
        dir,
        "sign",
        experiment.id,
        "--as",
        "ana",
        "--meaning",
        "authored",
        "--reason",
        "My measurements",
        "--password-stdin",
      ], { stdin: `${PASSWORDS.ana}\n` });
      assertEquals(signed.code, 0, signed.stderr);
      assertMatch(signed.stdout, /^Signed exp_\w+ as ana \(ana\): authored at /);
      await as(lab, "ines", "instructor").sign(experiment.id, {
        meaning: "approved",
        reason: "Checked against the worked example",
        password: PASSWORDS.ines,
      });

      const listed = await cliOk([
        "--data-dir",
        dir,
        "signatures",
        "list",
        experiment.id,
        "--json",
      ]);
      const list = JSON.parse(listed) as SignatureListing[];
      assertEquals(list.map((s) => [s.signer, s.meaning, s.matches]), [
        ["ana", "authored", true],
        ["ines", "approved", true],
      ]);
      const payload = JSON.parse(list[1].payload);
      assertEquals(payload.displayName, "Inès Duval");
      assertEquals(payload.recordSha256, hashJson(await lab.getExperiment(experiment.id)));
      assertEquals(atob(list[1].signature).length, 64);
      assertEquals(atob(list[1].publicKey).length, 32);
      assertEquals(list[1].publicKey, (await lab.getUser("ines")).publicKey);
      // The audit event carries everything needed offline.
      const [event] = (await lab.listAudit({ action: "signature.created", actor: "ines" })).items;
      assertEquals(
        [event.details.payload, event.details.signature, event.details.publicKey],
        [list[1].payload, list[1].signature, list[1].publicKey],
      );
      assert((await lab.verifyAudit()).ok);

      const tampered = [{
        ...list[0],
        payload: list[0].payload.replace("My measurements", "Mine"),
      }];
      const log = `${dir}/audit/log.jsonl`;
      if (hasCryptography) {
        const python = await tool(PY, [VERIFIER, "-", log], listed);
        assertEquals(python?.code, 0, python?.out);
        assertEquals(python?.out.match(/^ok /gm)?.length, 2, python?.out);
        const offline = await tool(PY, [VERIFIER, "--log", log]);
        assertEquals(offline?.code, 0, offline?.out);
        assertEquals(offline?.out.match(/^ok /gm)?.length, 2, offline?.out);
        const bad = await tool(PY, [VERIFIER, "-"], JSON.stringify(tampered));
        assertEquals(bad?.code, 1, bad?.out);
        assertMatch(bad?.out ?? "", /^BAD ana authored .*signature does not verify/m);
      }
      if (hasOpenssl) {
        for (const entry of list) assert(await opensslVerifies(dir, entry), entry.signer);
        assertEquals(await opensslVerifies(dir, tampered[0]), false);
      }

      // Edited outside LabOS: the signatures stay, and no longer match.
      const file = `${dir}/experiments/${experiment.id}.json`;
      const record = JSON.parse(await Deno.readTextFile(file));
      await Deno.writeTextFile(file, JSON.stringify({ ...record, title: "Calorimetry (fixed)" }));
      const after = JSON.parse(
        await cliOk(["--data-dir", dir, "signatures", "list", experiment.id, "--json"]),
      ) as SignatureListing[];
      assertEquals(after.map((s) => s.matches), [false, false]);
      if (hasCryptography) {
        const still = await tool(PY, [VERIFIER, "-", log], JSON.stringify(after));
        assertEquals(still?.code, 0, still?.out);
      }
      const shown = await cliOk(["--data-dir", dir, "experiments", "show", experiment.id]);
      assertMatch(
        shown,
        /signatures authored by ana \(ana\) at .*: My measurements \(no longer matches\)/,
      );
      assertMatch(shown, /approved by Inès Duval \(ines\) at .* \(no longer matches\)/);
      const report = await lab.doctor();
      const kinds = report.problems.map((p) => p.kind);
      assertEquals(kinds.filter((k) => k === "changed-after-signing").length, 2);
      assert(kinds.includes("unaudited-change"));
      const doctor = await runCli(["--data-dir", dir, "doctor"]);
      assertMatch(
        doctor.stdout,
        /changed-after-signing .*changed after signing: the approved signature/,
      );
    });
  },
);

Deno.test("signatures: a change made through LabOS after signing is a doctor notice, not damage", async () => {
  await withClass(async ({ lab, experiment }) => {
    const ines = as(lab, "ines", "instructor");
    await ines.sign(experiment.id, {
      meaning: "reviewed",
      reason: "Fine",
      password: PASSWORDS.ines,
    });
    await as(lab, "ana", "student").editExperiment(experiment.id, {
      title: "Calorimetry, run 2",
      reason: "Renamed",
    });
    assertEquals((await lab.listSignatures(experiment.id)).map((s) => s.matches), [false]);
    const report = await lab.doctor();
    assertEquals(report.ok, true);
    assertEquals(report.problems.map((p) => [p.kind, p.notice]), [["changed-after-signing", true]]);
  });
});

Deno.test("signatures: a wrong password, a bad meaning or no reason is refused and signs nothing", async () => {
  await withClass(async ({ dir, lab, experiment }) => {
    const ana = as(lab, "ana", "student");
    const before = (await lab.auditHead()).seq;
    const wrong = await assertRejects(
      () => ana.sign(experiment.id, { meaning: "authored", reason: "Mine", password: "nope-nope" }),
    );
    assertEquals((wrong as LabosError).kind, "unauthorized");
    // The one write: the failure counts towards the login lockout, like a failed login.
    const written = (await lab.listAudit({ limit: 50 })).items.filter((e) => e.seq > before);
    assertEquals(written.map((e) => e.action), ["user.login-failed"]);
    const meaning = await assertRejects(
      () => ana.sign(experiment.id, { meaning: "liked", reason: "x", password: PASSWORDS.ana }),
      /"meaning"/,
    );
    assertEquals((meaning as LabosError).kind, "invalid");
    await assertRejects(
      () => ana.sign(experiment.id, { meaning: "authored", reason: " ", password: PASSWORDS.ana }),
      /"reason"/,
    );
    const cli = await runCli(
      ["--data-dir", dir, "sign", experiment.id, "--as", "ana", "--meaning", "authored"].concat(
        ["--reason", "Mine", "--password-stdin"],
      ),
      { stdin: "wrong password\n" },
    );
    assertEquals(cli.code, 2);
    assertEquals(cli.stderr.split("\n").length, 2, cli.stderr);
    assert(!cli.stderr.includes("wrong password"));
    await lab.disableUser("ana", { reason: "Left the course" });
    const disabled = await assertRejects(
      () => ana.sign(experiment.id, { meaning: "authored", reason: "x", password: PASSWORDS.ana }),
    );
    assertEquals((disabled as LabosError).kind, "unauthorized");
    assertEquals(await lab.listSignatures(experiment.id), []);
    assertEquals((await lab.listAudit({ action: "signature.created" })).items, []);
    if (TEST_STORE === "folder") assertEquals([...Deno.readDirSync(`${dir}/signatures`)], []);
  });
});

Deno.test("signatures: a student cannot sign another student's experiment; an instructor or TA can", async () => {
  await withClass(async ({ dir, lab, experiment }) => {
    const bob = as(lab, "bob", "student");
    await assertRejects(
      () => bob.sign(experiment.id, { meaning: "reviewed", reason: "x", password: PASSWORDS.bob }),
      new RegExp(`^No experiment with id "${experiment.id}"$`),
    );
    // On the CLI (local access) bob can see it, but signing it needs another role.
    const cli = await runCli(
      ["--data-dir", dir, "sign", experiment.id, "--as", "bob", "--meaning", "reviewed"].concat(
        ["--reason", "x", "--password-stdin"],
      ),
      { stdin: PASSWORDS.bob },
    );
    assertEquals(cli.code, 2);
    assertMatch(cli.stderr, /needs the instructor or TA role \("bob" is a student\)/);
    await lab.addUser({ username: "tom", role: "ta", password: "tom-password-1" });
    await as(lab, "tom", "ta").sign(experiment.id, {
      meaning: "reviewed",
      reason: "Looked at it",
      password: "tom-password-1",
    });
    assertEquals((await lab.listSignatures(experiment.id)).map((s) => s.signer), ["tom"]);
  });
});

Deno.test("signatures: the panel signs with the password entered again, behind CSRF", async () => {
  await withClass(async ({ lab, experiment }) => {
    const token = "signatures-panel-token-0123456789";
    // The lab has users, so the panel is in sign-in mode: Inès signs in.
    const app = createApp({ lab, token, port: 8322 });
    const request = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("host", "127.0.0.1:8322");
      return Promise.resolve(app.request(`http://127.0.0.1:8322${path}`, { ...init, headers }));
    };
    const login = await request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        _csrf: csrfToken(token),
        username: "ines",
        password: PASSWORDS.ines,
      }).toString(),
    });
    assertEquals(login.status, 303);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(
      await (await request("/", { headers: { cookie } })).text(),
    )?.[1] ?? "";
    const post = (fields: Record<string, string>) =>
      request(`/experiments/${experiment.id}/sign`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams(fields).toString(),
      });
    const fields = { meaning: "approved", reason: "Good work", password: PASSWORDS.ines };
    assertEquals((await post({ ...fields, _csrf: "forged" })).status, 403);
    const refused = await post({ ...fields, password: "not-it-at-all", _csrf: csrf });
    assertEquals(refused.status, 401);
    const page = await refused.text();
    assertStringIncludes(page, "Not signed.");
    assert(!page.includes("not-it-at-all"));
    const ok = await post({ ...fields, _csrf: csrf });
    assertEquals(ok.status, 303);
    const shown = await (await request(`/experiments/${experiment.id}`, { headers: { cookie } }))
      .text();
    assertMatch(shown, /<strong>Inès Duval<\/strong> \(ines\)/);
    assertStringIncludes(shown, "approved");
    assert(!shown.includes(`<span class="badge failed">no longer matches</span>`));
    await as(lab, "ana", "student").editExperiment(experiment.id, {
      purpose: "Heat of neutralisation",
      reason: "Purpose added",
    });
    const changed = await (await request(`/experiments/${experiment.id}`, { headers: { cookie } }))
      .text();
    assertStringIncludes(changed, `<span class="badge failed">no longer matches</span>`);
    // The API signs too, with the password in the body; a personal token needs no CSRF token.
    const personal = (await lab.createToken("ines")).token;
    const api = await request(`/api/v1/experiments/${experiment.id}/signatures`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${personal}` },
      body: JSON.stringify({
        meaning: "reviewed",
        reason: "Purpose read",
        password: PASSWORDS.ines,
      }),
    });
    assertEquals(api.status, 201, await api.clone().text());
    assertEquals((await api.json()).matches, true);
    const listed = await request(`/api/v1/experiments/${experiment.id}/signatures`, {
      headers: { authorization: `Bearer ${personal}` },
    });
    assertEquals((await listed.json()).map((s: SignatureListing) => s.matches), [false, true]);
  });
});

Deno.test("signatures: without user accounts the panel shows no sign form, and says why", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "tester" });
    await lab.init();
    const experiment = await lab.createExperiment({ title: "Solo" });
    const token = "signatures-solo-token-0123456789ab";
    const app = createApp({ lab, token, port: 8323 });
    const page = await (await app.request(`http://127.0.0.1:8323/experiments/${experiment.id}`, {
      headers: { host: "127.0.0.1:8323", authorization: `Bearer ${token}` },
    })).text();
    assertStringIncludes(page, "Not signed yet.");
    assertStringIncludes(page, "Signing needs user accounts");
    assert(!page.includes(`action="/experiments/${experiment.id}/sign"`));
  });
});

Deno.test("signatures: a job and its output dataset can be signed and listed too", async () => {
  await withClass(async ({ lab }) => {
    const ana = as(lab, "ana", "student");
    const experiment = await ana.createExperiment({ template: "coffee-cup-calorimetry" });
    const { runs } = await ana.runPlan(experiment.id);
    const job = runs[0].result.job;
    const request = { meaning: "authored" as const, reason: "My run", password: PASSWORDS.ana };
    await ana.sign(job.id, request);
    await ana.sign(job.outputDatasetId as string, request);
    const [signedJob] = await lab.listSignatures(job.id);
    assertEquals(JSON.parse(signedJob.payload).recordType, "job");
    assertEquals(signedJob.matches, true);
    const [signedDataset] = await lab.listSignatures(job.outputDatasetId as string);
    assertEquals(JSON.parse(signedDataset.payload).recordType, "dataset");
    assertEquals(await lab.listSignatures(experiment.id), []);
    await assertRejects(
      () => ana.sign("usr_01JAAAAAAAAAAAAAAAAAAAAAAA", request),
      /is not an experiment, dataset or job id/,
    );
    assert((await lab.verifyAudit()).ok);
  });
});
