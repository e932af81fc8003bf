/**
 * `labos experiments share`: the CLI (administrative, `local`) shares an
 * experiment with users and stops sharing it, audited; unknown names and
 * empty requests are one-line errors that write nothing.
 *
 * @module
 */
import { assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, initLab, runCli, withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import type { AuditEvent } from "../../src/audit/mod.ts";
import type { Experiment } from "../../src/records/mod.ts";

Deno.test("experiments share --with and --remove change sharedWith, audited; unknown users are refused", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const lab = openLab({ dataDir, actor: "prof", scryptCost: { N: 2 ** 10, r: 8, p: 1 } });
    for (const username of ["amy", "ben"]) {
      await lab.addUser({ username, role: "student", password: "correct horse battery" });
    }
    const cli = (args: string[]) => ["--data-dir", dataDir, ...args];
    const created = await cliJson<Experiment>(cli(["experiments", "create", "--title", "Pair"]));

    const shared = await cliOk(
      cli(["experiments", "share", created.id, "--with", "amy,ben", "--reason", "Lab partners"]),
    );
    assertEquals(shared, `${created.id} is shared with amy, ben (the change is audited)\n`);
    assertStringIncludes(
      await cliOk(cli(["experiments", "show", created.id])),
      "shared     amy, ben",
    );
    const removed = await cliJson<Experiment>(
      cli(["experiments", "share", created.id, "--remove", "amy"]),
    );
    assertEquals(removed.sharedWith, ["ben"]);

    const events = {
      items: await cliJson<AuditEvent[]>(cli(["audit", "list", "--action", "experiment.shared"])),
    };
    assertEquals(events.items.map((e) => e.details.added), [[], ["amy", "ben"]]);
    assertEquals(events.items.map((e) => e.details.removed), [["amy"], []]);
    assertEquals(events.items[1].reason, "Lab partners");
    assertEquals(events.items.map((e) => [e.actor, e.details.auth]), [
      ["tester", "local"],
      ["tester", "local"],
    ]);

    const before = await cliOk(cli(["audit", "head"]));
    for (
      const [args, message] of [
        [
          ["--with", "ghost"],
          /^error: Cannot share experiment "exp_\w+" with "ghost": there is no such user\n$/,
        ],
        [[], /^error: Nothing to share: name users with "with"/],
        [
          ["--with", "ben"],
          /^error: Nothing changed: experiment "exp_\w+" is already shared with "ben"\n$/,
        ],
      ] as const
    ) {
      const refused = await runCli(cli(["experiments", "share", created.id, ...args]));
      assertEquals(refused.code, 2, refused.stderr);
      assertMatch(refused.stderr, message);
    }
    assertEquals(await cliOk(cli(["audit", "head"])), before, "refusals write nothing");
  });
});
