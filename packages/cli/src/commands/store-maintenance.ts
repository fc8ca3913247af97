import { resolve } from "node:path";
import { DriftError } from "@azure-drift/core";
import type { FileStore, VerifyReport } from "@azure-drift/store-file";
import type { Command } from "commander";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { checkStoreLocation, DEFAULT_STORE_DIR } from "../store.js";
import { type StoreOptions, storeOptions, withStore } from "./store-commands.js";

/** `store verify` and `store quarantine`: find damage, and set a damaged snapshot aside. */
export function registerStoreMaintenance(program: Command, context: CommandContext): void {
  // `store init` may have created the command already: verify and quarantine join it.
  const store = program.commands.find((command) => command.name() === "store") ?? program.command("store");
  store.summary("set up the store, check it for damage, set damaged snapshots aside");

  store
    .command("verify")
    .summary("read the whole store and list damage (changes nothing)")
    .description(
      "Reads every manifest, record index, resource document, report and baseline of the file store and lists what is damaged. Changes nothing. Exit code 0: no damage; 1: damage found (the findings are on stdout).",
    )
    .option("--store <dir>", "the file store directory (default: ./.azure-drift)")
    .option("--format <format>", "json or text (default: text on a terminal, else json)")
    .action(async (options: { store?: string; format?: string }) => {
      const { io } = context;
      const format = chooseFindingsFormat(options.format, io.stdout.isTTY === true);
      checkStoreLocation(options.store);
      const { verifyFileStore } = await import("@azure-drift/store-file");
      const directory = resolve(io.cwd, options.store ?? DEFAULT_STORE_DIR);
      const report = await verifyFileStore(directory, io.signal ? { signal: io.signal } : {});
      io.stdout.write(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : verifyText(report));
      if (report.ok) {
        context.setExitCode(EXIT_CODES.ok);
        return;
      }
      throw new DriftError(
        "E_STORE_CORRUPT",
        `store verify found ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} in ${directory} (listed on stdout): restore the files from a backup, or set each damaged snapshot aside with azure-drift store quarantine SNAPSHOT_ID --tenant TENANT_ID.`,
      );
    });

  storeOptions(
    store
      .command("quarantine")
      .summary("set a damaged snapshot aside so checks continue from the one before it")
      .description(
        "Moves the snapshot's folder into the tenant's quarantine/ folder: it is no longer listed, compared with, pruned or swept, and checks compare with the newest snapshot left. Prints what was moved as JSON.",
      )
      .argument("<snapshot-id>", "the snapshot to set aside (as `store verify` or `snapshots` names it)"),
  ).action(async (snapshotId: string, options: StoreOptions) => {
    await withStore(context.io, options, async (opened, tenantId) => {
      if (!isFileStore(opened)) {
        throw new DriftError("E_INPUT", "store quarantine works on the file store only (--store DIR).");
      }
      const result = await opened.quarantineSnapshot(tenantId, snapshotId, {
        ...(context.io.signal ? { signal: context.io.signal } : {}),
      });
      context.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
    context.setExitCode(EXIT_CODES.ok);
  });
}

function isFileStore(store: object): store is FileStore {
  return typeof (store as Partial<FileStore>).quarantineSnapshot === "function";
}

function chooseFindingsFormat(value: string | undefined, tty: boolean): "json" | "text" {
  if (value === undefined) return tty ? "text" : "json";
  if (value !== "json" && value !== "text") {
    throw new DriftError("E_INPUT", `Unknown format "${value}": use --format json or text.`);
  }
  return value;
}

/** One line per finding, then what was checked. */
function verifyText(report: VerifyReport): string {
  const lines = report.problems.map(
    (problem) =>
      `${problem.code}${problem.tenantId ? ` tenant=${problem.tenantId}` : ""}${problem.snapshotId ? ` snapshot=${problem.snapshotId}` : ""} ${problem.message}`,
  );
  const { checked } = report;
  lines.push(
    `${report.ok ? "ok" : `${report.problems.length} problem(s)`}: checked ${checked.tenants} tenant(s), ${checked.snapshots} snapshot(s), ${checked.records} record(s), ${checked.documents} document(s), ${checked.reports} report(s), ${checked.baselines} baseline(s); ${report.unreferencedDocuments} unreferenced document(s), ${report.leftovers.length} leftover(s).`,
  );
  return `${lines.join("\n")}\n`;
}
