import * as path from "node:path";
import type { Command } from "commander";
import { table, truncate, verifyText } from "./_format.ts";
import { type CliContext, wholeNumber } from "./_context.ts";

/** `labos audit verify|head|list|export`. */
export function registerAuditCommands(program: Command, cli: CliContext): void {
  const audit = program.command("audit").description("verify, inspect and export the audit log");

  audit.command("verify")
    .description("check every line's structure, hash, link and seq, and the head")
    .action(async (_options, command: Command) => {
      const result = await (await cli.lab(command)).verifyAudit();
      cli.emit(command, result, () => verifyText(result, cli.style));
      if (!result.ok) cli.fail(1);
    });

  audit.command("head")
    .description("print the current head, to write down as an external witness")
    .action(async (_options, command: Command) => {
      const head = await (await cli.lab(command)).auditHead();
      cli.emit(command, head, () => `seq ${head.seq} ${head.hash}\n`);
    });

  audit.command("list")
    .description("list events, newest first")
    .option("--actor <name>", "only this actor")
    .option("--action <action>", "only this action, e.g. experiment.transitioned")
    .option("--target <id>", "only this target: an id, or TYPE:ID")
    .option("--since <time>", "only events at or after this ISO 8601 time")
    .option("--limit <n>", "page size", wholeNumber, 50)
    .option("--offset <n>", "skip this many", wholeNumber, 0)
    .action(
      async (
        options: {
          actor?: string;
          action?: string;
          target?: string;
          since?: string;
          limit: number;
          offset: number;
        },
        command: Command,
      ) => {
        const { parseAuditTarget } = await import("../service/mod.ts");
        const target = parseAuditTarget(options.target);
        const page = await (await cli.lab(command)).listAudit({
          actor: options.actor,
          action: options.action,
          targetType: target?.type,
          targetId: target?.id,
          since: options.since,
          limit: options.limit,
          offset: options.offset,
        });
        cli.emit(command, page.items, () =>
          page.items.length === 0 ? "No events\n" : table(
            ["SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "REASON"],
            page.items.map((e) => [
              String(e.seq),
              e.ts,
              e.actor,
              e.action,
              `${e.target.type}:${e.target.id}`,
              truncate(e.reason ?? "", 40),
            ]),
          ));
      },
    );

  audit.command("export")
    .description("write a verifiable copy of the audit log")
    .requiredOption("--out <file>", "output file, outside the data folder; it must not exist")
    .option("--force", "overwrite an existing output file")
    .action(async (options: { out: string; force?: boolean }, command: Command) => {
      const result = await (await cli.lab(command)).exportAudit(
        path.resolve(cli.io.cwd, options.out),
        { force: options.force === true },
      );
      cli.emit(
        command,
        result,
        () => `Exported ${result.events} events to ${options.out} (head ${result.head.hash})\n`,
      );
    });
}
