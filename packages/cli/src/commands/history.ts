import {
  createTypeRegistry,
  type ResourceAttribution,
  type ResourceHistory,
  resourceHistory,
} from "@azure-drift/core";
import type { Command } from "commander";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { parsePositiveInt } from "../options.js";
import { type StoreOptions, storeOptions, withStore } from "./store-commands.js";

/** `azure-drift history RESOURCE_ID`: one resource's changes across the stored snapshots. */
export function registerHistory(program: Command, context: CommandContext): void {
  storeOptions(
    program
      .command("history")
      .summary("one resource's changes across the stored snapshots, newest first")
      .description(
        "Compare each pair of consecutive stored snapshots for one resource, with the same coverage and severity rules as check, and print its changes newest first: a configuration timeline.",
      )
      .argument("<resource-id>", "the ARM id, as in a report (any case)")
      .option("--limit <n>", "look at most this many snapshots back (default 50)")
      .option("--format <format>", "text or json (default: text on a terminal, else json)"),
  ).action(async (resourceId: string, options: StoreOptions & { limit?: string; format?: string }) => {
    const limit = parsePositiveInt("--limit", options.limit);
    await withStore(context.io, options, async (store, tenantId) => {
      const collectors = (await import("../collectors.js")).defaultCollectors();
      const history = await resourceHistory(store, tenantId, resourceId, {
        registry: createTypeRegistry(collectors.flatMap((collector) => collector.types)),
        collectorRules: collectors.flatMap((collector) => collector.rules ?? []),
        ...(limit ? { limit } : {}),
        ...(context.io.signal ? { signal: context.io.signal } : {}),
      });
      const json = options.format ? options.format === "json" : !context.io.stdout.isTTY;
      context.io.stdout.write(json ? `${JSON.stringify(history, null, 2)}\n` : historyText(history));
    });
    context.setExitCode(EXIT_CODES.ok);
  });
}

/** Who made a change, for the timeline's line: the callers of its operations, or `unknown`. */
function callers(attribution: ResourceAttribution): string {
  if (attribution.status !== "found" || attribution.operations.length === 0) return "unknown";
  const names = attribution.operations.map((operation) => operation.caller ?? "an unnamed caller");
  return [...new Set(names)].join(", ");
}

/** The timeline as lines for a terminal. */
export function historyText(history: ResourceHistory): string {
  const lines = [
    `${history.resourceId}: ${history.entries.length} change${history.entries.length === 1 ? "" : "s"} in ${history.snapshots} snapshots`,
  ];
  for (const entry of history.entries) {
    lines.push(
      `${entry.takenAt}  ${entry.status}${entry.severity ? ` (${entry.severity})` : ""}  snapshot ${entry.snapshotId}  by ${callers(entry.attribution)}`,
    );
    if (entry.reason) lines.push(`    ${entry.reason}`);
    if (entry.attribution.status === "unknown" && entry.status !== "unknown")
      lines.push(`    who: unknown, ${entry.attribution.reason ?? "no reason given"}`);
    for (const change of entry.changes) {
      const what = change.path === "" ? `resource ${change.kind}` : `${change.path} ${change.kind}`;
      lines.push(`    ${what}${change.message ? `: ${change.message}` : ""}`);
    }
  }
  if (history.firstSeen)
    lines.push(`first seen ${history.firstSeen.takenAt} (snapshot ${history.firstSeen.snapshotId})`);
  return `${lines.join("\n")}\n`;
}
