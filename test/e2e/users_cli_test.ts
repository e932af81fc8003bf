import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { cliJson, cliOk, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";

interface UserJson {
  username: string;
  displayName: string;
  role: string;
  disabled: boolean;
  createdAt: string;
  publicKey: string;
}

interface EventJson {
  actor: string;
  action: string;
  reason: string | null;
  details: Record<string, unknown>;
}

async function dataText(dir: string): Promise<string> {
  return [...(await snapshotTree(dir)).values()].join("\n");
}

Deno.test("labos users: add, list, token, passwd, disable; secrets stay out of the folder", async () => {
  await withTempDir(async (dir) => {
    const data = await initLab(dir);
    const at = ["--data-dir", data];
    const added = await cliJson<UserJson>(
      [
        ...at,
        "users",
        "add",
        "ana",
        "--role",
        "student",
        "--display-name",
        "Ana S",
        "--password-stdin",
      ],
      { stdin: "ana-password\n" },
    );
    assertEquals([added.username, added.role, added.displayName], ["ana", "student", "Ana S"]);
    assertEquals(Buffer.from(added.publicKey, "base64").length, 32);
    await cliOk([...at, "users", "add", "prof", "--role", "instructor", "--password-stdin"], {
      stdin: "prof-password\r\n",
    });
    const list = await cliJson<UserJson[]>([...at, "users", "list"]);
    assertEquals(list.map((u) => [u.username, u.role, u.disabled]), [
      ["ana", "student", false],
      ["prof", "instructor", false],
    ]);
    const text = await cliOk([...at, "users", "list"]);
    assertMatch(text, /^USERNAME +ROLE +STATUS/);

    const { username, token } = await cliJson<{ username: string; token: string }>(
      [...at, "users", "token", "ana"],
    );
    assertEquals(username, "ana");
    assertMatch(token, /^labos_[A-Za-z0-9_-]{43}$/);
    const plain = await runCli([...at, "users", "token", "prof"]);
    assertEquals(plain.code, 0, plain.stderr);
    assertMatch(plain.stdout, /^labos_[A-Za-z0-9_-]{43}\n$/);
    assertMatch(plain.stderr, /shown only now/);
    const stored = await dataText(data);
    assert(!stored.includes(token.slice("labos_".length)), "the token is stored");
    assert(!stored.includes(plain.stdout.trim().slice("labos_".length)), "the token is stored");
    assert(!stored.includes("ana-password"), "the password is stored");

    const changed = await cliJson<UserJson>([...at, "users", "passwd", "ana", "--password-stdin"], {
      stdin: "ana-new-password\n",
    });
    assert(changed.publicKey !== added.publicKey, "a reset makes a new key");
    const kept = await cliJson<UserJson>(
      [...at, "users", "passwd", "ana", "--password-stdin", "--keep-key"],
      { stdin: "ana-new-password\nana-newer-password\n" },
    );
    assertEquals(kept.publicKey, changed.publicKey);

    await cliOk([...at, "users", "disable", "ana", "--reason", "left the course"]);
    const after = await cliJson<UserJson[]>([...at, "users", "list"]);
    assertEquals(after.find((u) => u.username === "ana")?.disabled, true);
    const refused = await runCli([...at, "users", "token", "ana"]);
    assertEquals(refused.code, 2);
    assertEquals(
      refused.stderr,
      'error: Cannot make a token for user "ana": the user is disabled\n',
    );

    const events = await cliJson<{ items: EventJson[] } | EventJson[]>(
      [...at, "audit", "list", "--limit", "100"],
    );
    const items = Array.isArray(events) ? events : events.items;
    assert(items.length >= 10, `${items.length} events`);
    for (const event of items) {
      assertEquals(event.actor, "tester", event.action);
      assertEquals(event.details.auth, "local", event.action);
      const json = JSON.stringify(event);
      assert(!json.includes("ana-password") && !json.includes(token), event.action);
    }
    assertEquals(items.filter((e) => e.action === "user.key-created").length, 3);
    assertEquals(items.find((e) => e.action === "user.disabled")?.reason, "left the course");

    const status = await cliOk([...at, "status"]);
    assertMatch(status, /users +2\n/);
    const doctor = await runCli([...at, "doctor"]);
    assertEquals(doctor.code, 0, doctor.stdout + doctor.stderr);
    assertMatch(doctor.stdout, /2 users/);
  });
});

Deno.test("labos users: bad input is one line and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const data = await initLab(dir);
    const at = ["--data-dir", data];
    const before = await snapshotTree(data);
    const cases: Array<{ args: string[]; stdin?: string; error: string }> = [
      {
        args: ["users", "add", "ana", "--role", "student"],
        error:
          'error: "--password-stdin" is required: a password is read from standard input, never from the command line\n',
      },
      {
        args: ["users", "add", "ana", "--role", "student", "--password-stdin"],
        stdin: "\n",
        error:
          'error: Invalid "--password-stdin": the password (line 1 of stdin) must be at least 8 characters, found 0\n',
      },
      {
        args: ["users", "add", "ana", "--role", "student", "--password-stdin"],
        stdin: "1234567\n",
        error:
          'error: Invalid "--password-stdin": the password (line 1 of stdin) must be at least 8 characters, found 7\n',
      },
      {
        args: ["users", "add", "ana", "--role", "boss", "--password-stdin"],
        stdin: "ana-password\n",
        error:
          'error: Cannot add user "ana": the role must be one of admin, instructor, ta, student: current value is "boss"\n',
      },
      {
        args: ["users", "add", "Ana Souza", "--role", "student", "--password-stdin"],
        stdin: "ana-password\n",
        error:
          'error: Cannot add user: the username must be 2 to 32 lowercase letters, digits, ".", "_" or "-", starting with a letter: current value is "Ana Souza"\n',
      },
      {
        args: ["users", "passwd", "nobody", "--password-stdin"],
        stdin: "long-enough\n",
        error: 'error: No user "nobody"\n',
      },
      {
        args: ["users", "passwd", "nobody", "--password-stdin", "--keep-key"],
        stdin: "long-enough\n",
        error:
          'error: Invalid "--password-stdin": the new password (line 2 of stdin) must be at least 8 characters, found 0\n',
      },
    ];
    for (const { args, stdin, error } of cases) {
      const result = await runCli([...at, ...args], stdin === undefined ? {} : { stdin });
      assertEquals(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assertEquals(result.stderr, error);
    }
    const noReason = await runCli([...at, "users", "disable", "ana"]);
    assertEquals(noReason.code, 2);
    assertMatch(noReason.stderr, /^error: required option '--reason <text>' not specified\n$/);
    assertEquals(await snapshotTree(data), before);
  });
});

Deno.test("labos users loads no module or plugin", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/labos.jsonc`, '{ "plugins": ["./no-such-plugin.ts"] }');
    await cliOk(["init"], { cwd: dir });
    const list = await runCli(["users", "list"], { cwd: dir });
    assertEquals([list.code, list.stderr], [0, ""]);
    const modules = await runCli(["modules", "list"], { cwd: dir });
    assertMatch(modules.stderr, /plugin\(s\) skipped/);
  });
});
