import { generateKeyPairSync } from "node:crypto";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { FolderStorage } from "../../src/storage/folder/mod.ts";
import { hashJson } from "../../src/records/mod.ts";
import { payloadText, rawPublicKeyBase64, signText } from "../../src/signatures/mod.ts";

Deno.test("signatures: audit verify checks every signature event against the published key", async () => {
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: dir, actor: "ada" });
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
    const storage = new FolderStorage(dir);
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
  });
});
