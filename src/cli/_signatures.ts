import process from "node:process";
import { Buffer } from "node:buffer";
import type { Command } from "commander";
import { LabosError } from "../errors.ts";
import type { SignatureListing } from "../service/mod.ts";
import type { CliContext } from "./_context.ts";
import { printable, table, truncate } from "./_format.ts";

/** `labos sign` and `labos signatures list`. */
export function registerSignatureCommands(program: Command, cli: CliContext): void {
  program.command("sign")
    .description("sign a record (experiment, dataset or job) with your Ed25519 key")
    .argument("<id>", "the record to sign")
    .requiredOption("--as <name>", "the signer: a user whose password unlocks their key")
    .requiredOption("--meaning <meaning>", "authored, reviewed or approved")
    .requiredOption("--reason <text>", "why you sign, recorded in the signed payload")
    .option("--password-stdin", "read the signer's password from standard input (required)")
    .action(
      async (
        id: string,
        options: { as: string; meaning: string; reason: string; passwordStdin?: boolean },
        command: Command,
      ) => {
        if (!options.passwordStdin) {
          throw new LabosError(
            "invalid",
            `"--password-stdin" is required: pipe the signer's password on standard input`,
          );
        }
        const password = await readPassword();
        const lab = (await cli.lab(command)).as({
          actor: options.as,
          role: "local",
          auth: "local",
        });
        const signature = await lab.sign(id, {
          meaning: options.meaning,
          reason: options.reason,
          password,
        });
        cli.emit(
          command,
          signature,
          () =>
            `Signed ${id} as ${printable(signature.signer)} (${
              printable(signature.displayName)
            }): ${signature.meaning} at ${signature.time}\n`,
        );
      },
    );

  const signatures = program.command("signatures").description(
    "list and check the electronic signatures of a record",
  );
  signatures.command("list")
    .description("every signature of a record, and whether the record still matches it")
    .argument("<id>", "an experiment, dataset or job id")
    .action(async (id: string, _options, command: Command) => {
      const list = await (await cli.lab(command)).listSignatures(id);
      cli.emit(command, list, () => describeSignatures(list, cli));
    });
}

/** The signatures of a record as a table: time, signer, meaning, reason and whether it still matches. */
export function describeSignatures(
  list: SignatureListing[],
  cli: Pick<CliContext, "style">,
): string {
  if (list.length === 0) return "No signatures\n";
  return table(
    ["TIME", "SIGNER", "MEANING", "REASON", "RECORD"],
    list.map((signature) => [
      signature.time,
      `${signature.displayName} (${signature.signer})`,
      signature.meaning,
      truncate(signature.reason, 40),
      signature.matches ? cli.style.green("matches") : cli.style.yellow("no longer matches"),
    ]),
  );
}

/** The password on standard input: its first line, without the line ending. */
async function readPassword(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  const text = Buffer.concat(chunks).toString("utf8");
  const password = text.split(/\r?\n/)[0];
  if (password === "") {
    throw new LabosError(
      "invalid",
      `No password on standard input: "--password-stdin" reads one line`,
    );
  }
  return password;
}
