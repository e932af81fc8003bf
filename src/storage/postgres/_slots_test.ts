import { assertEquals } from "../../../test/_assert.ts";
import { PG_AVAILABLE, startPostgres } from "../../../test/_pg.ts";
import { openLab } from "../../service/mod.ts";
import { PostgresStorage } from "./mod.ts";

Deno.test({
  name: "more transactions than pool connections, each reading beside its own, all commit",
  ignore: !PG_AVAILABLE && Deno.env.get("CI") !== "true",
  async fn() {
    const cluster = (await startPostgres())!;
    try {
      const url = await cluster.createDatabase();
      const lab = openLab({ dataDir: await Deno.makeTempDir(), store: url, actor: "t" });
      await lab.init();
      await lab.close();
      // Two connections: with both held by transactions waiting for the head lock, the
      // holder's read beside its transaction found no connection until the lock timed out.
      const storage = new PostgresStorage(url, { poolMax: 2, lockTimeoutMs: 3000 });
      try {
        const before = (await storage.auditHead()).seq;
        await Promise.all(Array.from({ length: 6 }, (_, i) =>
          storage.transaction(async (tx) => {
            await storage.auditHead();
            tx.audit({
              actor: "t",
              action: "experiment.noted",
              target: { type: "experiment", id: "exp_01M93KKDPT2969TJHDQRTA4XTS" },
              reason: null,
              details: { note: `note ${i}` },
            });
          })));
        assertEquals((await storage.auditHead()).seq, before + 6);
      } finally {
        await storage.close();
      }
    } finally {
      await cluster.stop();
    }
  },
});
