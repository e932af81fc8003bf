import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { AuditEvent } from "../audit/mod.ts";
import {
  checkSignatureEvents,
  parsePayload,
  payloadText,
  rawPublicKeyBase64,
  type SignaturePayload,
  signText,
} from "./mod.ts";

const PAYLOAD: SignaturePayload = {
  signer: "ada",
  displayName: "Ada Lovelace",
  meaning: "approved",
  reason: "Checked the calorimetry",
  time: "2026-01-02T03:04:05.006Z",
  recordType: "experiment",
  recordId: "exp_01JAAAAAAAAAAAAAAAAAAAAAAA",
  recordSha256: "a".repeat(64),
  auditSeq: 2,
};

function event(seq: number, action: string, details: Record<string, unknown>): AuditEvent {
  return {
    v: 1,
    seq,
    id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA",
    ts: "2026-01-02T03:04:05.006Z",
    actor: "ada",
    action,
    target: action === "user.key-created"
      ? { type: "user", id: "ada" }
      : { type: "signature", id: "sig_01JAAAAAAAAAAAAAAAAAAAAAAA" },
    reason: null,
    details,
    prev: "0".repeat(64),
  };
}

async function* log(...events: AuditEvent[]): AsyncIterable<AuditEvent> {
  yield* events;
}

const { privateKey } = generateKeyPairSync("ed25519");
const publicKey = rawPublicKeyBase64(privateKey);
const text = payloadText(PAYLOAD);
const signature = signText(text, privateKey);
const published = event(1, "user.key-created", { publicKey });

Deno.test("signatures: a payload round-trips; any other text is refused", () => {
  assert.deepEqual(parsePayload(text), PAYLOAD);
  assert.equal(parsePayload(text.replace("{", "{ ")), undefined);
  assert.equal(parsePayload(JSON.stringify({ ...PAYLOAD, extra: 1 })), undefined);
  assert.equal(parsePayload(JSON.stringify(PAYLOAD)), undefined, "keys not sorted");
});

Deno.test("signatures: a signature event verifies under the key published before it", async () => {
  const signed = event(3, "signature.created", { payload: text, signature, publicKey });
  assert.deepEqual(await checkSignatureEvents(log(published, signed)), { signatures: 1 });
});

Deno.test("signatures: an altered payload fails, naming the seq", async () => {
  const forged = text.replace("Checked the calorimetry", "Checked nothing");
  const signed = event(3, "signature.created", { payload: forged, signature, publicKey });
  const result = await checkSignatureEvents(log(published, signed));
  assert.equal(result.failure?.seq, 3);
  assert.match(result.failure?.message ?? "", /^seq 3: .*does not verify/);
});

Deno.test("signatures: a key never published for the signer fails", async () => {
  const other = generateKeyPairSync("ed25519").privateKey;
  const signed = event(3, "signature.created", {
    payload: text,
    signature: signText(text, other),
    publicKey: rawPublicKeyBase64(other),
  });
  const result = await checkSignatureEvents(log(published, signed));
  assert.match(result.failure?.message ?? "", /was not published/);
  // Published only after the signature: still refused.
  const late = await checkSignatureEvents(log(
    event(2, "signature.created", { payload: text, signature, publicKey }),
    event(3, "user.key-created", { publicKey }),
  ));
  assert.equal(late.failure?.seq, 2);
});
