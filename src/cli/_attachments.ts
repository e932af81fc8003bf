import * as path from "node:path";
import type { Command } from "commander";
import type { Attachment } from "../records/mod.ts";
import type { CliContext } from "./_context.ts";
import { printable, table } from "./_format.ts";

/** `labos attach`. */
export function registerAttachCommands(program: Command, cli: CliContext): void {
  program.command("attach")
    .description(
      "attach a file of any type (a photo, an instrument's raw file, a PDF) to an experiment",
    )
    .argument("<experiment>", "experiment id")
    .argument("<file>", "the file")
    .option("--title <text>", "a short title")
    .option("--reason <text>", "why, recorded in the audit log")
    .action(
      async (
        experimentId: string,
        file: string,
        options: { title?: string; reason?: string },
        command: Command,
      ) => {
        const lab = await cli.lab(command);
        const { byteSize } = await import("../service/mod.ts");
        const attachment = await lab.attach(experimentId, {
          file: path.resolve(cli.io.cwd, file),
        }, {
          ...(options.title === undefined ? {} : { title: options.title }),
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        });
        cli.emit(
          command,
          attachment,
          () =>
            `Attached ${printable(attachment.fileName)} (${byteSize(attachment.size)}, sha256 ${
              attachment.sha256.slice(0, 12)
            }) to ${experimentId} as ${attachment.id}\n`,
        );
      },
    );
}

/**
 * The attachments of an experiment as a table: id, title, file name, size
 * and the start of the SHA-256.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachmentTable } from "./_attachments.ts";
 * assert.equal(attachmentTable([], (n) => `${n} B`), "");
 * ```
 */
export function attachmentTable(
  attachments: Attachment[],
  size: (bytes: number) => string,
): string {
  if (attachments.length === 0) return "";
  return table(
    ["ATTACHMENT", "TITLE", "FILE", "SIZE", "SHA-256"],
    attachments.map((attachment) => [
      attachment.id,
      printable(attachment.title ?? "-"),
      printable(attachment.fileName),
      size(attachment.size),
      attachment.sha256.slice(0, 12),
    ]),
  );
}
