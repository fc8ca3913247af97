import { type DriftReport, type ResourceDrift, SEVERITIES, type Severity } from "@azure-drift/core";

/** What `--min-severity` and `--ignore` remove from a report before it is shown. */
export interface ReportFilter {
  minSeverity?: Severity;
  ignore?: readonly string[];
}

/**
 * A change-path glob as a RegExp: `*` matches one property name, `**` any depth, `[*]` any array
 * selector; a glob also covers everything below what it matches (`tags` ignores `tags.owner`).
 */
export function pathGlobToRegExp(glob: string): RegExp {
  let pattern = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (glob.startsWith("[*]", i)) {
      pattern += "\\[[^\\]]*\\]";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      pattern += ".*";
      i += 1;
    } else if (char === "*") {
      pattern += "[^.\\[\\]]*";
    } else {
      pattern += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${pattern}(?:[.[].*)?$`, "i");
}

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

/**
 * The report with changes below `minSeverity` or at ignored paths removed, resources left without
 * changes dropped (added/removed ones are kept when their own severity passes), severities and the
 * summary recomputed. `unknown` entries are never filtered: they are not findings but blind spots.
 */
export function applyReportFilters(report: DriftReport, filter: ReportFilter): DriftReport {
  const ignore = (filter.ignore ?? []).map(pathGlobToRegExp);
  const min = filter.minSeverity;
  if (ignore.length === 0 && min === undefined) return report;
  const passes = (severity: Severity) => min === undefined || rank(severity) <= rank(min);
  const resources: ResourceDrift[] = [];
  for (const resource of report.resources) {
    const changes = resource.changes.filter(
      // Path "" is the finding about the resource itself (added, removed): globs are about fields.
      (change) =>
        passes(change.severity) && (change.path === "" || !ignore.some((regexp) => regexp.test(change.path))),
    );
    if (resource.status === "modified") {
      if (changes.length === 0) continue;
      const severity = changes.reduce<Severity>(
        (highest, change) => (rank(change.severity) < rank(highest) ? change.severity : highest),
        "info",
      );
      resources.push({ ...resource, changes, severity });
    } else if (passes(resource.severity)) {
      resources.push({ ...resource, changes });
    }
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  for (const resource of resources) bySeverity[resource.severity]++;
  return {
    ...report,
    resources,
    summary: {
      added: resources.filter((resource) => resource.status === "added").length,
      removed: resources.filter((resource) => resource.status === "removed").length,
      modified: resources.filter((resource) => resource.status === "modified").length,
      unknown: report.unknown.length,
      bySeverity,
    },
  };
}
