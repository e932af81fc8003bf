import assert from "node:assert/strict";
import { createPublicKey, sign, verify } from "node:crypto";
import fc from "fast-check";
import { LabosError } from "../errors.ts";
import { type Lab, openLab } from "./mod.ts";
import { makeVerifier, verifyPassword } from "./_users.ts";
import { folderOnlyTest, openTestLab } from "../../test/_store.ts";

// Tests use a low scrypt cost; one test below runs the production default.
const CHEAP = { N: 1024, r: 8, p: 1 };
const T0 = Date.parse("2026-01-05T09:00:00.000Z");

interface Clock {
  now: () => Date;
  advance(ms: number): void;
}

function clock(): Clock {
  let time = T0;
  return { now: () => new Date(time), advance: (ms) => (time += ms) };
}

async function withLab(
  fn: (lab: Lab, context: { dir: string; clock: Clock }) => Promise<void>,
  options: { cheap?: boolean } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-users-" });
  const time = clock();
  try {
    await using lab = await openTestLab({
      dataDir: dir,
      actor: "admin-cli",
      now: time.now,
      ...(options.cheap === false ? {} : { scryptCost: CHEAP }),
    });
    await lab.init();
    await fn(lab, { dir, clock: time });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function rejects(promise: Promise<unknown>, kind: string, message?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof LabosError, String(error));
    assert.equal(error.kind, kind, error.message);
    if (message) assert.match(error.message, message);
    assert.ok(!error.message.includes("\n"));
    return true;
  });
}

async function allFiles(dir: string): Promise<string> {
  let text = "";
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) text += await allFiles(path);
    else if (entry.isFile) text += await Deno.readTextFile(path);
  }
  return text;
}

Deno.test("users: scrypt verifier accepts the password and rejects others", async () => {
  const verifier = await makeVerifier("correct horse battery", CHEAP);
  assert.equal(verifier.algorithm, "scrypt");
  assert.equal(Buffer.from(verifier.salt, "base64").length, 16);
  assert.equal(await verifyPassword("correct horse battery", verifier), true);
  assert.equal(await verifyPassword("correct horse batterY", verifier), false);
  const again = await makeVerifier("correct horse battery", CHEAP);
  assert.notEqual(again.salt, verifier.salt);
  assert.notEqual(again.hash, verifier.hash);
});

Deno.test("users: a wrong password never verifies (property)", async () => {
  const verifier = await makeVerifier("the-right-password", { N: 16, r: 1, p: 1 });
  await fc.assert(
    fc.asyncProperty(
      fc.string({ minLength: 0, maxLength: 40 }).filter((s) => s !== "the-right-password"),
      async (guess) => !(await verifyPassword(guess, verifier)),
    ),
    { numRuns: 200 },
  );
});

// Folder-only: it reads the stored user file for the scrypt parameters.
folderOnlyTest("users: production scrypt cost (N = 2^15) makes and checks a login", async () => {
  await withLab(async (lab, { dir }) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const stored = JSON.parse(await allFiles(`${dir}/users`));
    assert.deepEqual([stored.password.N, stored.password.r, stored.password.p], [2 ** 15, 8, 1]);
    assert.deepEqual(stored.privateKey.kdf.N, 2 ** 15);
    assert.equal((await lab.authenticatePassword("ana", "ana-password")).username, "ana");
    await rejects(lab.authenticatePassword("ana", "not-her-password"), "unauthorized");
  }, { cheap: false });
});

Deno.test("users: add, get, list; secrets never shown; the username is unique", async () => {
  await withLab(async (lab) => {
    assert.equal(await lab.hasUsers(), false);
    const ana = await lab.addUser({
      username: "ana",
      role: "student",
      displayName: "Ana Souza",
      password: "ana-password",
    });
    await lab.addUser({ username: "prof.x", role: "instructor", password: "prof-password" });
    assert.equal(await lab.hasUsers(), true);
    assert.deepEqual(Object.keys(ana).sort(), [
      "createdAt",
      "disabled",
      "displayName",
      "publicKey",
      "role",
      "username",
    ]);
    assert.deepEqual(await lab.getUser("ana"), ana);
    assert.deepEqual((await lab.listUsers()).map((u) => [u.username, u.displayName, u.role]), [
      ["ana", "Ana Souza", "student"],
      ["prof.x", "prof.x", "instructor"],
    ]);
    await rejects(
      lab.addUser({ username: "ana", role: "ta", password: "another-password" }),
      "conflict",
      /user "ana" exists/,
    );
    await rejects(lab.getUser("nobody"), "not_found", /No user "nobody"/);
  });
});

// Folder-only: it lists users/ to show nothing was written.
folderOnlyTest("users: bad input is one line naming the value, and writes nothing", async () => {
  await withLab(async (lab, { dir }) => {
    const before = await lab.auditHead();
    await rejects(
      lab.addUser({ username: "Ana", role: "student", password: "ana-password" }),
      "invalid",
      /username .*current value is "Ana"/,
    );
    await rejects(
      lab.addUser({ username: "ana", role: "boss" as never, password: "ana-password" }),
      "invalid",
      /role must be one of admin, instructor, ta, student: current value is "boss"/,
    );
    await rejects(
      lab.addUser({
        username: "ana",
        role: "student",
        displayName: "A\nB",
        password: "long-enough",
      }),
      "invalid",
      /display name .*control characters: current value is "A\\nB"/,
    );
    await rejects(
      lab.addUser({ username: "ana", role: "student", password: "short" }),
      "invalid",
      /at least 8 characters/,
    );
    assert.deepEqual(await lab.auditHead(), before);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(`${dir}/users`)), []);
  });
});

Deno.test("users: a wrong password and an unknown user fail with the same message", async () => {
  await withLab(async (lab) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    let wrong = "";
    let unknown = "";
    await lab.authenticatePassword("ana", "bad-password").catch((e) => (wrong = e.message));
    await lab.authenticatePassword("nobody", "bad-password").catch((e) => (unknown = e.message));
    await lab.authenticatePassword("NOT A NAME", "x").catch((e) => (unknown = e.message));
    assert.equal(wrong, "Wrong username or password");
    assert.equal(unknown, wrong);
    await rejects(lab.authenticatePassword("ana", "bad-password"), "unauthorized");
  });
});

Deno.test("users: a disabled user cannot log in, and its token is unauthorized", async () => {
  await withLab(async (lab) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const { token } = await lab.createToken("ana");
    assert.equal((await lab.authenticateToken(token)).username, "ana");
    const session = await lab.createSession("ana");
    await rejects(lab.disableUser("ana", {}), "invalid", /"reason" must not be empty/);
    const disabled = await lab.disableUser("ana", { reason: "left the course" });
    assert.equal(disabled.disabled, true);
    await rejects(lab.authenticateToken(token), "unauthorized");
    await rejects(lab.authenticatePassword("ana", "ana-password"), "unauthorized");
    await rejects(lab.resolveSession(session.token), "unauthorized");
    await rejects(lab.createToken("ana"), "conflict", /disabled/);
    const [event] = (await lab.listAudit({ action: "user.disabled" })).items;
    assert.equal(event.reason, "left the course");
  });
});

// Folder-only: it searches every file of the data folder for the secrets.
folderOnlyTest("users: tokens and sessions are stored only as hashes", async () => {
  await withLab(async (lab, { dir }) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const { token, username } = await lab.createToken("ana");
    assert.equal(username, "ana");
    assert.match(token, /^labos_[A-Za-z0-9_-]{43}$/);
    const session = await lab.createSession("ana");
    assert.match(session.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(session.expiresAt, new Date(T0 + 12 * 3_600_000).toISOString());
    const everything = await allFiles(dir);
    assert.ok(!everything.includes(token.slice(6)), "the token is in the data folder");
    assert.ok(!everything.includes(session.token), "the session token is in the data folder");
    assert.ok(!everything.includes("ana-password"));
    await rejects(lab.authenticateToken(`${token}x`), "unauthorized");
    await rejects(lab.authenticateToken("labos_nope"), "unauthorized");
  });
});

Deno.test("users: after 5 failures logins are slowed, the lockout audited once, success resets", async () => {
  await withLab(async (lab, { clock }) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    for (let i = 0; i < 5; i++) {
      await rejects(lab.authenticatePassword("ana", `wrong-${i}-pass`), "unauthorized");
    }
    // Locked even with the right password; the error says when to retry.
    let retryAfter: number | undefined;
    await lab.authenticatePassword("ana", "ana-password").catch((error) => {
      assert.equal(error.kind, "locked");
      retryAfter = error.retryAfter;
    });
    assert.equal(retryAfter, 15);
    clock.advance(15_000);
    await rejects(lab.authenticatePassword("ana", "wrong-again"), "unauthorized");
    // The sixth failure doubles the wait.
    clock.advance(15_000);
    await rejects(lab.authenticatePassword("ana", "ana-password"), "locked", /try again in 15 s/);
    clock.advance(15_000);
    assert.equal((await lab.authenticatePassword("ana", "ana-password")).username, "ana");
    const locked = (await lab.listAudit({ action: "user.locked-out" })).items;
    assert.equal(locked.length, 1);
    assert.equal(locked[0].details.username, "ana");
    assert.equal((await lab.listAudit({ action: "user.login-failed" })).items.length, 6);
    // Reset: five more failures lock again, and that lockout is audited too.
    for (let i = 0; i < 5; i++) await lab.authenticatePassword("ana", "nope-nope").catch(() => {});
    await rejects(lab.authenticatePassword("ana", "ana-password"), "locked");
    assert.equal((await lab.listAudit({ action: "user.locked-out" })).items.length, 2);
  });
});

Deno.test("users: the published key verifies a signature made with the unlocked key", async () => {
  await withLab(async (lab) => {
    const ana = await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const [event] = (await lab.listAudit({ action: "user.key-created" })).items;
    assert.deepEqual(event.details.username, "ana");
    assert.deepEqual(event.details.algorithm, "Ed25519");
    assert.equal(event.details.publicKey, ana.publicKey);
    assert.equal(Buffer.from(ana.publicKey, "base64").length, 32);
    const { privateKey, publicKey } = await lab.unlockSigningKey("ana", "ana-password");
    assert.equal(publicKey, ana.publicKey);
    const payload = Buffer.from('{"meaning":"authored"}', "utf8");
    const signature = sign(null, payload, privateKey);
    const published = createPublicKey({
      key: {
        kty: "OKP",
        crv: "Ed25519",
        x: Buffer.from(publicKey, "base64").toString("base64url"),
      },
      format: "jwk",
    });
    assert.equal(verify(null, payload, published, signature), true);
    await rejects(lab.unlockSigningKey("ana", "bad-password"), "unauthorized");
    const text = JSON.stringify((await lab.listAudit({ limit: 1000 })).items);
    assert.ok(!text.includes("privateKey") && !text.includes("ana-password"));
  });
});

// Folder-only: it reads the user file before and after.
folderOnlyTest(
  "users: passwd with the current password re-encrypts the key and ends sessions",
  async () => {
    await withLab(async (lab, { dir }) => {
      const ana = await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
      const session = await lab.createSession("ana");
      assert.equal((await lab.resolveSession(session.token)).username, "ana");
      const file = `${dir}/users/${(await Array.fromAsync(Deno.readDir(`${dir}/users`)))[0].name}`;
      const before = JSON.parse(await Deno.readTextFile(file));
      await rejects(
        lab.setPassword("ana", "new-password", { currentPassword: "bad-password" }),
        "unauthorized",
      );
      assert.equal((await lab.listAudit({ action: "user.login-failed" })).items.length, 1);
      await lab.setPassword("ana", "new-password", { currentPassword: "ana-password" });
      const after = JSON.parse(await Deno.readTextFile(file));
      assert.equal(after.credentialVersion, before.credentialVersion + 1);
      assert.equal(after.publicKey, before.publicKey);
      assert.notEqual(after.privateKey.data, before.privateKey.data);
      assert.notEqual(after.privateKey.kdf.salt, before.privateKey.kdf.salt);
      await rejects(lab.resolveSession(session.token), "unauthorized");
      await rejects(lab.authenticatePassword("ana", "ana-password"), "unauthorized");
      const key = await lab.unlockSigningKey("ana", "new-password");
      assert.equal(key.publicKey, ana.publicKey);
      await rejects(lab.unlockSigningKey("ana", "ana-password"), "unauthorized");
    });
  },
);

Deno.test("users: passwd without the current password makes and publishes a new key", async () => {
  await withLab(async (lab) => {
    const ana = await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const after = await lab.setPassword("ana", "reset-password");
    assert.notEqual(after.publicKey, ana.publicKey);
    const keys = (await lab.listAudit({ action: "user.key-created" })).items;
    assert.deepEqual(keys.map((e) => e.details.publicKey), [after.publicKey, ana.publicKey]);
    assert.equal((await lab.unlockSigningKey("ana", "reset-password")).publicKey, after.publicKey);
  });
});

Deno.test("users: a session expires, ends at logout, and an unknown one is unauthorized", async () => {
  await withLab(async (lab, { clock }) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const first = await lab.createSession("ana");
    const second = await lab.createSession("ana");
    await lab.endSession(second.token);
    await rejects(lab.resolveSession(second.token), "unauthorized");
    await rejects(lab.endSession(second.token), "unauthorized");
    await rejects(lab.resolveSession("A".repeat(43)), "unauthorized");
    clock.advance(12 * 3_600_000 - 1);
    assert.equal((await lab.resolveSession(first.token)).username, "ana");
    clock.advance(1);
    await rejects(lab.resolveSession(first.token), "unauthorized", /log in again/);
  });
});

Deno.test("principal: details.auth and the actor are stamped on every event through lab.as", async () => {
  await withLab(async (lab) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    assert.deepEqual(lab.principal, { actor: "admin-cli", role: "local", auth: "local" });
    const ana = lab.as({ actor: "ana", role: "student", auth: "session" });
    assert.deepEqual(ana.principal, { actor: "ana", role: "student", auth: "session" });
    assert.equal(ana.actor, "ana");
    const experiment = await ana.createExperiment({ title: "Mine" });
    assert.equal(experiment.createdBy, "ana");
    await ana.run({
      module: "thermo.calorimetry",
      input: { massG: 100, initialTempC: 21.8, finalTempC: 28.5, amountMol: 0.05 },
      experimentId: experiment.id,
    });
    await lab.as({ actor: "bot", role: "ta", auth: "token" }).createExperiment({ title: "T" });
    const events = (await lab.listAudit({ limit: 1000 })).items;
    const byAna = events.filter((event) => event.actor === "ana");
    assert.ok(byAna.length >= 3, `${byAna.length} events by ana`);
    for (const event of events) {
      const expected = event.actor === "ana"
        ? "session"
        : event.actor === "bot"
        ? "token"
        : "local";
      assert.equal(event.details.auth, expected, `${event.action} by ${event.actor}`);
    }
    assert.ok(events.some((event) => event.action === "data.initialized"));
    // The original lab is unchanged.
    assert.equal((await lab.createExperiment({ title: "Local" })).createdBy, "admin-cli");
  });
});

// Folder-only: it removes the users/ and sessions/ folders.
folderOnlyTest(
  "users: a data folder without users/ works, and doctor finds nothing wrong",
  async () => {
    await withLab(async (lab, { dir }) => {
      await lab.createExperiment({ title: "Before accounts" });
      // A folder made before accounts existed has neither folder.
      await Deno.remove(`${dir}/users`);
      await Deno.remove(`${dir}/sessions`);
      assert.equal(await lab.hasUsers(), false);
      assert.deepEqual(await lab.listUsers(), []);
      await assert.rejects(Deno.stat(`${dir}/users`));
      await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
      await lab.createSession("ana");
      await lab.authenticatePassword("ana", "wrong-password").catch(() => {});
      const report = await lab.doctor();
      assert.deepEqual(report.problems, []);
      assert.equal(report.ok, true);
    });
  },
);

// Folder-only: it edits a user file.
folderOnlyTest("users: doctor reports a user record edited outside LabOS", async () => {
  await withLab(async (lab, { dir }) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const name = (await Array.fromAsync(Deno.readDir(`${dir}/users`)))[0].name;
    const file = `${dir}/users/${name}`;
    const record = JSON.parse(await Deno.readTextFile(file));
    await Deno.writeTextFile(file, JSON.stringify({ ...record, role: "admin" }));
    const report = await lab.doctor();
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems.map((p) => [p.kind, p.path]), [["unaudited-change", file]]);
  });
});

// Folder-only: it puts a stray file in users/.
folderOnlyTest("principal: doctor --repair through lab.as stamps its events too", async () => {
  await withLab(async (lab, { dir }) => {
    await lab.addUser({ username: "ana", role: "admin", password: "ana-password" });
    await Deno.writeTextFile(`${dir}/users/notes.txt`, "stray");
    const admin = lab.as({ actor: "ana", role: "admin", auth: "session" });
    const report = await admin.doctor({ repair: true });
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    const [event] = (await lab.listAudit({ action: "data.quarantined" })).items;
    assert.equal(event.actor, "ana");
    assert.equal(event.details.auth, "session");
  });
});

// Folder-only: it deletes a user file.
folderOnlyTest("users: doctor reports a session of a user that does not exist", async () => {
  await withLab(async (lab, { dir }) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    await lab.createSession("ana");
    const name = (await Array.fromAsync(Deno.readDir(`${dir}/users`)))[0].name;
    await Deno.remove(`${dir}/users/${name}`);
    const report = await lab.doctor();
    assert.ok(
      report.problems.some((p) =>
        p.kind === "dangling-reference" && p.message === 'User "ana" does not exist'
      ),
      JSON.stringify(report.problems),
    );
  });
});

Deno.test("users: sessionHours sets the expiry; a bad value is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "labos-users-" });
  try {
    const time = clock();
    await using lab = await openTestLab({
      dataDir: dir,
      actor: "a",
      now: time.now,
      scryptCost: CHEAP,
      sessionHours: 1,
    });
    await lab.init();
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const { token, expiresAt } = await lab.createSession("ana");
    assert.equal(expiresAt, new Date(T0 + 3_600_000).toISOString());
    time.advance(3_600_000);
    await rejects(lab.resolveSession(token), "unauthorized");
    assert.throws(
      () => openLab({ dataDir: dir, actor: "a", sessionHours: -1 }),
      /Invalid "sessionHours": expected a positive number of hours: current value is -1/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("users: an archive carries the accounts; the copy logs in and verifies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "labos-users-" });
  try {
    await using lab = await openTestLab({ dataDir: `${dir}/a`, actor: "a", scryptCost: CHEAP });
    await lab.init();
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const { token } = await lab.createToken("ana");
    const session = await lab.createSession("ana");
    await lab.exportArchive(`${dir}/lab.zip`);
    await using copy = await openTestLab({ dataDir: `${dir}/b`, actor: "b", scryptCost: CHEAP });
    await copy.importArchive(`${dir}/lab.zip`);
    assert.equal((await copy.authenticatePassword("ana", "ana-password")).username, "ana");
    assert.equal((await copy.authenticateToken(token)).username, "ana");
    assert.equal((await copy.resolveSession(session.token)).username, "ana");
    assert.equal((await copy.doctor()).ok, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("principal: lab.as refuses an unknown role or auth, and a blank actor", () => {
  const lab = openLab({ dataDir: "/nonexistent/labos-never-written", actor: "a" });
  assert.throws(
    () => lab.as({ actor: "ana", role: "guest" as never, auth: "session" }),
    /^LabosError: Invalid principal: "role" must be one of admin, instructor, ta, student, local: current value is "guest"$/,
  );
  assert.throws(
    () => lab.as({ actor: "ana", role: "student", auth: "cookie" as never }),
    /"auth" must be one of session, token, local: current value is "cookie"/,
  );
  assert.throws(() => lab.as({ actor: " ", role: "student", auth: "token" }), /"actor"/);
});

Deno.test("users: concurrent wrong passwords are all counted; the lockout is audited once", async () => {
  await withLab(async (lab) => {
    await lab.addUser({ username: "ana", role: "student", password: "ana-password" });
    const attempts = Array.from(
      { length: 7 },
      (_, i) =>
        lab.authenticatePassword("ana", `wrong-password-${i}`).then(
          () => "ok",
          (error: LabosError) => error.kind,
        ),
    );
    assert.deepEqual((await Promise.all(attempts)).sort(), Array(7).fill("unauthorized"));
    const failed = (await lab.listAudit({ action: "user.login-failed" })).items;
    assert.deepEqual(failed.map((e) => e.details.failedLogins).sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal((await lab.listAudit({ action: "user.locked-out" })).items.length, 1);
    await rejects(lab.authenticatePassword("ana", "ana-password"), "locked", /try again in 60 s/);
  });
});
