import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { DriftError } from "@azure-drift/core";
import type { Command } from "commander";
import type { CommandContext } from "../command-context.js";
import { CONFIG_FILES } from "../config/load.js";
import { EXIT_CODES } from "../exit-codes.js";

/** Where editors find the schema once the CLI is installed in the project. */
const SCHEMA_URL = "./node_modules/@azure-drift/cli/azure-drift.config.schema.json";

/** The starting file: every key explained, the ones that need a decision left commented out. */
export const CONFIG_TEMPLATE = `{
  // azure-drift configuration. A flag on the command line always wins over this file.
  // Comments and trailing commas are allowed. Reference: docs/cli.md#configuration.
  "$schema": "${SCHEMA_URL}",

  // The subscriptions to check (default: every subscription the credential can see).
  // "subscriptions": ["00000000-0000-0000-0000-000000000000"],
  // Or every subscription below a management group, at any depth (its id; not with "subscriptions").
  // "managementGroup": "contoso-platform",

  // Built-in collectors (network, identity, security, encryption, backup, governance), paths of
  // modules exporting a collector ("./collectors/storage.mjs"), or package names.
  // Default: every built-in collector.
  // "collectors": ["network", "identity"],

  // Where snapshots and reports are kept: a directory, or a mongodb:// URI.
  "store": ".azure-drift",

  // Compare with this baseline instead of the previous snapshot (azure-drift baseline accept NAME).
  // "baseline": "approved",

  // Report only changes at or above this severity: critical, high, medium, low or info.
  "minSeverity": "low",

  // Change paths to ignore (globs: * one name, ** any depth, [*] any array element).
  "ignore": ["tags.**"],

  // Extra rules and severity overrides, inline or as the path of a rules file.
  // "rules": { "overrides": { "core/public-ip-created": "medium" } },

  // Findings you accept for now: each with a reason, and an expiry so it comes back.
  "suppressions": [
    // { "id": "legacy-app", "match": { "resourceId": "/subscriptions/*/resourceGroups/legacy/**" },
    //   "reason": "decommissioned in Q3", "expires": "2027-01-01" }
  ],

  // The format printed on stdout (default: table on a terminal, else json), and files the same
  // report is written to, in the format their extension names.
  // "format": "json",
  "outputs": [
    // "drift.sarif", "drift.html", "drift.xml"
  ]
}
`;

/** `azure-drift init`: writes a commented starting configuration file. */
export function registerInit(program: Command, context: CommandContext): void {
  program
    .command("init")
    .summary("write a commented starting azure-drift.config.json")
    .description(
      "Write azure-drift.config.json in the working directory: every key explained, with a $schema for editors. It never overwrites a file unless --force is given.",
    )
    .option("--force", "replace an existing azure-drift.config.json")
    .action(async (options: { force?: boolean }) => {
      const path = resolve(context.io.cwd, CONFIG_FILES[0]);
      try {
        const handle = await open(path, options.force ? "w" : "wx");
        try {
          await handle.writeFile(CONFIG_TEMPLATE, "utf8");
        } finally {
          await handle.close();
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EEXIST") {
          throw new DriftError(
            "E_INPUT",
            `${CONFIG_FILES[0]} exists already: edit it, or pass --force to replace it with the starting file.`,
          );
        }
        throw new DriftError("E_INPUT", `Cannot write ${path}: ${code ?? String(error)}.`, { cause: error });
      }
      context.io.stderr.write(
        `azure-drift: wrote ${CONFIG_FILES[0]}; edit it, then run azure-drift check.\n`,
      );
      context.setExitCode(EXIT_CODES.ok);
    });
}
