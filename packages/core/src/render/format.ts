import type { DriftReport, FieldChange, ReportSide, ResourceDrift, Severity } from "../model.js";
import { SEVERITIES } from "../model.js";
import { summarizeValue } from "./summarize.js";

/** One line per finding: a change, or an added/removed resource that has no change of its own. */
export interface FindingRow {
  resource: ResourceDrift;
  change?: FieldChange;
  severity: Severity;
}

/** The findings of a report, most severe first, in the report's resource order within a severity. */
export function findingRows(report: DriftReport): FindingRow[] {
  const rows: FindingRow[] = [];
  for (const resource of report.resources) {
    if (resource.changes.length === 0) rows.push({ resource, severity: resource.severity });
    for (const change of resource.changes) rows.push({ resource, change, severity: change.severity });
  }
  const rank = (severity: Severity) => SEVERITIES.indexOf(severity);
  // Array.prototype.sort is stable, so the report's order survives within a severity.
  return rows.sort((a, b) => rank(a.severity) - rank(b.severity));
}

/** `1 critical, 2 high` from a by-severity count; empty severities are left out. */
export function severityCounts(bySeverity: Record<Severity, number>): string {
  return SEVERITIES.filter((severity) => bySeverity[severity] > 0)
    .map((severity) => `${bySeverity[severity]} ${severity}`)
    .join(", ");
}

/** The headline of a report: how many resources drifted and how severe. */
export function headline(report: DriftReport): string {
  const drifted = report.resources.length;
  if (drifted === 0) return "no drift";
  const counts = severityCounts(report.summary.bySeverity);
  return `${drifted} resource${drifted === 1 ? "" : "s"} drifted (${counts})`;
}

/** `1 added, 0 removed, 2 modified, 0 unknown`, plus suppressed findings when there are any. */
export function statusCounts(report: DriftReport): string {
  const { added, removed, modified, unknown } = report.summary;
  const parts = [`${added} added`, `${removed} removed`, `${modified} modified`, `${unknown} unknown`];
  if (report.suppressed.length > 0) parts.push(`${report.suppressed.length} suppressed`);
  return parts.join(", ");
}

/** How a report side reads: `baseline "approved" (snapshot X, 2026-…)`, `snapshot X (…)`, or a label. */
export function sideText(side: ReportSide): string {
  const parts: string[] = [];
  if (side.baseline !== undefined) parts.push(`baseline "${side.baseline}"`);
  if (side.label !== undefined) parts.push(side.label);
  const details = [
    side.snapshotId === undefined ? undefined : `snapshot ${side.snapshotId}`,
    side.takenAt,
  ].filter((part): part is string => part !== undefined);
  if (parts.length === 0) return details.length > 0 ? details.join(", ") : "(none)";
  return details.length > 0 ? `${parts.join(" ")} (${details.join(", ")})` : parts.join(" ");
}

/** Cuts text to `max` characters, ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

/** What happened at a change, in words: `added AllowSSH (access: Allow, …)`, `removed …`, `TLS1_2 → TLS1_0`. */
export function changeText(change: FieldChange): string {
  if (change.path === "") return `resource ${change.kind}`;
  if (change.kind === "added") return `added ${summarizeValue(change.after)}`;
  if (change.kind === "removed") return `removed ${summarizeValue(change.before)}`;
  return `${summarizeValue(change.before)} → ${summarizeValue(change.after)}`;
}

/** The path of a change as shown; a resource-level finding has none. */
export function pathText(change: FieldChange | undefined): string {
  return change === undefined || change.path === "" ? "(resource)" : change.path;
}

/** A short label for a resource: `rg/name` when it has a resource group, else the name. */
export function resourceLabel(resource: ResourceDrift): string {
  const name = resource.name ?? resource.id.slice(resource.id.lastIndexOf("/") + 1);
  const group = /\/resourceGroups\/([^/]+)/i.exec(resource.id)?.[1];
  return group ? `${group}/${name}` : name;
}

/** The last segment of a resource type: `networkSecurityGroups`. */
export function shortType(type: string): string {
  return type.slice(type.lastIndexOf("/") + 1);
}

/** Section titles per severity. */
export const SEVERITY_TITLES: Readonly<Record<Severity, string>> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  info: "Info",
};

/**
 * Who changed a resource, in one line: the newest operation's caller, operation, status and time,
 * and how many more there were; `unknown (why)` when attribution found nothing; undefined when
 * attribution did not run.
 */
export function attributionText(resource: ResourceDrift): string | undefined {
  const attribution = resource.attribution;
  if (!attribution) return undefined;
  const [newest, ...older] = attribution.operations;
  if (attribution.status === "unknown" || !newest) return `unknown (${attribution.reason ?? "no record"})`;
  const more =
    older.length > 0 ? `, and ${older.length} earlier operation${older.length === 1 ? "" : "s"}` : "";
  return `${newest.caller ?? "an unnamed caller"} (${newest.operationName}, ${newest.status}, ${newest.timestamp})${more}`;
}
