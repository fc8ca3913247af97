import type { DriftReport } from "@azure-drift/core";
import type { CliIo } from "./io.js";
import type { ReportFormat } from "./options.js";

/** What the commands suggested after a report should repeat so they act on the same store. */
export interface NextStepsContext {
  /** `--store` as given, repeated in the commands; absent for the default store. */
  store?: string;
  /** The baseline the report compared with, if any: accepting drift updates it. */
  baseline?: string;
  /** The store is thrown away when the command ends (the demo without --store). */
  temporary?: boolean;
  /** Whether the report was saved in the store, so `azure-drift report ID` can show it again. */
  saved?: boolean;
}

/** How long the example suppression lasts: long enough to fix, short enough to be looked at again. */
const EXAMPLE_EXPIRY_DAYS = 30;

/**
 * The lines printed after a drift report on a terminal: how to accept the drift as a baseline, how
 * to silence one finding with a reason and an expiry, and where the full report is. Commands are
 * spelled out with the report's own names so they can be copied.
 */
export function nextSteps(report: DriftReport, context: NextStepsContext = {}): string[] {
  const first = report.resources[0];
  if (!first) return [];
  const store = context.temporary ? " --store DIR" : context.store ? ` --store ${quoted(context.store)}` : "";
  const baseline = context.baseline ?? "approved";
  const finding = first.changes.find((change) => change.ruleId) ?? first.changes[0];
  const name = first.name ?? first.id.slice(first.id.lastIndexOf("/") + 1);
  const match: Record<string, string> = {
    resourceId: `*/${first.type.slice(first.type.lastIndexOf("/") + 1)}/${name}`,
  };
  if (finding?.ruleId) match.ruleId = finding.ruleId;
  else if (finding && finding.path !== "") match.path = finding.path;
  const expires = new Date(Date.parse(report.createdAt) + EXAMPLE_EXPIRY_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const suppression = {
    suppressions: [
      { id: `accept-${name}`, match, reason: "why this is accepted, and who accepted it", expires },
    ],
  };
  const lines = [
    "",
    "What next:",
    `  - Approve the current state as baseline "${baseline}"; later checks then report drift from it:`,
    `      azure-drift baseline accept ${baseline}${store}`,
    `      azure-drift check --baseline ${baseline}${store} …`,
    `  - Or silence one finding, with a reason and an expiry: put it in a rules file and pass --rules FILE:`,
    `      ${JSON.stringify(suppression)}`,
    context.saved && !context.temporary
      ? `  - The full report, every value exact: azure-drift report ${report.id}${store} --format html > drift.html (or --format json)`
      : "  - The full report, every value exact: run again with --format html > drift.html (or --format json)",
  ];
  if (context.temporary) {
    lines.push(
      "  (The demo's store is temporary: run `azure-drift demo --store DIR` to keep it and try these.)",
    );
  }
  return lines;
}

/** Writes {@link nextSteps} after a table report with drift on a terminal; pipes and files never get them. */
export function writeNextSteps(
  io: CliIo,
  report: DriftReport,
  format: ReportFormat,
  context: NextStepsContext = {},
): void {
  if (format !== "table" || io.stdout.isTTY !== true) return;
  const lines = nextSteps(report, context);
  if (lines.length > 0) io.stdout.write(`${lines.join("\n")}\n`);
}

/** A path as a shell argument: quoted when it holds blanks or shell characters. */
function quoted(value: string): string {
  return /^[\w./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}
