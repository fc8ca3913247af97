import type { DriftReport } from "../model.js";

const REPORT_KEYS = [
  "formatVersion",
  "id",
  "tenantId",
  "createdAt",
  "base",
  "current",
  "summary",
  "resources",
  "unknown",
  "suppressed",
  "unreadableSnapshots",
  "notices",
];
const SIDE_KEYS = ["snapshotId", "baseline", "label", "takenAt"];
const SUMMARY_KEYS = ["added", "removed", "modified", "unknown", "bySeverity"];
const SEVERITY_KEYS = ["critical", "high", "medium", "low", "info"];
const RESOURCE_KEYS = [
  "id",
  "key",
  "type",
  "name",
  "subscriptionId",
  "status",
  "severity",
  "message",
  "remediation",
  "attribution",
  "changes",
];
const CHANGE_KEYS = ["path", "kind", "before", "after", "severity", "message", "ruleId", "remediation"];
const UNKNOWN_KEYS = ["id", "scope", "type", "collector", "reason"];
const SUPPRESSED_KEYS = ["id", "path", "suppressionId", "reason", "expires"];

/** A copy of `value` with `order`'s keys first, in that order, then any other keys sorted. */
function ordered(value: object, order: readonly string[]): Record<string, unknown> {
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of order) if (source[key] !== undefined) out[key] = source[key];
  for (const key of Object.keys(source).sort())
    if (!(key in out) && source[key] !== undefined) out[key] = source[key];
  return out;
}

/**
 * The report as pretty-printed JSON (two spaces, a final newline): the interface pipelines parse,
 * documented in docs/report-format.md. Keys come in a fixed order (the order of the `DriftReport`
 * type) so two runs with the same result print the same text; `before`/`after` values are printed
 * as they are (normalized configs already have sorted keys).
 */
export function renderJson(report: DriftReport): string {
  const document = ordered(report, REPORT_KEYS);
  document.base = ordered(report.base ?? {}, SIDE_KEYS);
  document.current = ordered(report.current ?? {}, SIDE_KEYS);
  const summary = ordered(report.summary, SUMMARY_KEYS);
  summary.bySeverity = ordered(report.summary.bySeverity, SEVERITY_KEYS);
  document.summary = summary;
  document.resources = report.resources.map((resource) => {
    const out = ordered(resource, RESOURCE_KEYS);
    out.changes = resource.changes.map((change) => ordered(change, CHANGE_KEYS));
    return out;
  });
  document.unknown = report.unknown.map((entry) => ordered(entry, UNKNOWN_KEYS));
  document.suppressed = report.suppressed.map((entry) => ordered(entry, SUPPRESSED_KEYS));
  return `${JSON.stringify(document, null, 2)}\n`;
}
