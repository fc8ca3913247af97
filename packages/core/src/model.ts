/**
 * The data model: what a collector produces, what a store keeps and what the diff engine reports.
 * These shapes are contracts: stores persist them and pipelines parse the report, so change them
 * only with a format version bump.
 */

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Severity of a change or a resource, most severe first. */
export type Severity = "critical" | "high" | "medium" | "low" | "info";

/** All severities, most severe first. */
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

/**
 * One resource's configuration at one time.
 *
 * `config` is the resource JSON as the ARM REST API returns it, after normalization (volatile fields
 * dropped, ARM ids lower-cased, keyed arrays and sets in canonical order) and redaction (secrets
 * replaced by {@link REDACTED}). `hash` is the content hash of the canonical JSON of `config`.
 */
export interface ResourceRecord {
  /** The ARM id as returned by Azure (original spelling, for display). */
  id: string;
  /** The lower-cased ARM id: the identity used for comparison. */
  key: string;
  /** The resource type as ARM spells it, e.g. `Microsoft.Network/networkSecurityGroups`. */
  type: string;
  name: string;
  /** Lower-cased subscription id; the snapshot scope this record belongs to. */
  subscriptionId: string;
  resourceGroup?: string;
  location?: string;
  tags?: Record<string, string>;
  /** The domain of the collector that produced it (`network`, `identity`, …). */
  domain: string;
  /** The name of the collector that produced it. */
  collector: string;
  config: JsonObject;
  hash: string;
}

/** The marker that replaces a secret value in `config`. */
export const REDACTED = "[REDACTED]";

/**
 * Whether one (scope, collector, resource type) slice was enumerated completely.
 * A resource can only be reported removed (or added) when its slice is complete in both snapshots.
 */
export interface CoverageEntry {
  /** Lower-cased subscription id. */
  scope: string;
  collector: string;
  /** Resource type, as the collector declares it. Compared case-insensitively. */
  type: string;
  complete: boolean;
  /** Why enumeration is incomplete (a 403, a timeout, a failed page…). */
  reason?: string;
}

/** How one collector run ended in a snapshot, per scope. */
export interface CollectorRun {
  name: string;
  version: string;
  scope: string;
  outcome: "succeeded" | "partial" | "failed";
  /** What went wrong, when the outcome is not `succeeded`. Never contains secrets. */
  error?: string;
  records: number;
  startedAt: string;
  finishedAt: string;
}

/** Metadata of a stored, complete snapshot. */
export interface SnapshotMeta {
  /** Snapshot format version; see docs/snapshot-format.md. */
  formatVersion: number;
  id: string;
  tenantId: string;
  /** Lower-cased subscription ids the snapshot was asked to cover. */
  scopes: string[];
  startedAt: string;
  finishedAt: string;
  collectors: CollectorRun[];
  coverage: CoverageEntry[];
  resourceCount: number;
  /** Where the snapshot came from: a check, an import of ARM JSON, a test… */
  source?: string;
}

/** What a change did to the value at its path. */
export type ChangeKind = "added" | "removed" | "changed";

/**
 * One field-level change.
 *
 * `path` is dot-separated property names, with `[key=value]` for an element of a keyed array
 * (`[k1=v1,k2=v2]` for a composite key) and `[n]` only for arrays without a key, e.g.
 * `properties.securityRules[name=AllowSSH].properties.access`. For an unordered primitive array
 * (a set), an element added or removed is reported at the array's path with the element as
 * `after` (added) or `before` (removed).
 */
export interface FieldChange {
  path: string;
  kind: ChangeKind;
  before?: JsonValue;
  after?: JsonValue;
  severity: Severity;
  /** The sentence of the severity rule that matched, if any. */
  message?: string;
  /** The id of the severity rule that matched, if any. */
  ruleId?: string;
  /** What to do about it, from the rule that matched (its `remediation`), if any. */
  remediation?: string;
}

/** One write or delete operation on a resource, as the source recorded it. */
export interface AttributedOperation {
  /** Who: a UPN, an application id or a principal id, as ARM gives it. */
  caller?: string;
  /** e.g. `Microsoft.Network/networkSecurityGroups/securityRules/write`. */
  operationName: string;
  /** e.g. `Succeeded`, `Failed`. */
  status: string;
  /** ISO time of the event. */
  timestamp: string;
  correlationId?: string;
}

/** What is known of who changed a drifted resource between the two snapshots. */
export interface ResourceAttribution {
  /**
   * `found`: operations on the resource in the window, newest first. `unknown`: the source has
   * nothing for it (or could not be read, or does not reach that far back): `reason` says which.
   */
  status: "found" | "unknown";
  operations: AttributedOperation[];
  reason?: string;
}

/** Drift of one resource. */
export interface ResourceDrift {
  /** ARM id in its original spelling (from `current`, or from `base` when removed). */
  id: string;
  key: string;
  type: string;
  name?: string;
  subscriptionId?: string;
  status: "added" | "removed" | "modified";
  /** The highest severity among `changes`, or the severity of the addition/removal. */
  severity: Severity;
  /** Field changes (for `modified`; empty for `added`/`removed` unless a rule reports on the resource itself). */
  changes: FieldChange[];
  message?: string;
  /** What to do about the addition or removal, from the rule that matched, if any. */
  remediation?: string;
  /** Who changed it and when, from the Activity Log (when attribution ran). */
  attribution?: ResourceAttribution;
}

/** A slice that could not be compared, or a resource whose status cannot be known. */
export interface UnknownEntry {
  /** The resource id, when the entry is about one resource. */
  id?: string;
  scope: string;
  type?: string;
  collector?: string;
  reason: string;
}

/** A finding that a suppression hid, kept in the report for audit. */
export interface SuppressedFinding {
  id: string;
  path?: string;
  suppressionId: string;
  reason: string;
  expires?: string;
}

/** What was compared with what. */
export interface ReportSide {
  snapshotId?: string;
  /** The baseline name when the side is a baseline. */
  baseline?: string;
  /** A human label, e.g. a file name for `azure-drift diff`. */
  label?: string;
  takenAt?: string;
}

/**
 * What a report covers when it is not a whole snapshot: a targeted check's resources
 * (`DriftDetector.checkResources`), read by id and compared with the latest snapshot.
 */
export interface ReportScope {
  kind: "resources";
  /** Lower-cased subscription id the resources were checked in. */
  subscriptionId: string;
  /** The ids asked for, as given (duplicates dropped). */
  resourceIds: string[];
}

/** A drift report: the JSON interface pipelines parse (see docs/report-format.md). */
export interface DriftReport {
  formatVersion: number;
  id: string;
  tenantId: string;
  createdAt: string;
  base: ReportSide;
  current: ReportSide;
  summary: {
    added: number;
    removed: number;
    modified: number;
    unknown: number;
    bySeverity: Record<Severity, number>;
  };
  resources: ResourceDrift[];
  unknown: UnknownEntry[];
  suppressed: SuppressedFinding[];
  /**
   * Snapshots newer than the base that the store could not read, so the check compared with an
   * older one (absent when there were none). Each also has a notice.
   */
  unreadableSnapshots?: { snapshotId: string; reason: string }[];
  /** Warnings about the run itself: expired suppressions, partial collectors, … */
  notices: string[];
  /**
   * Present on the report of a targeted check only: what was read. Such a report's `base` is the
   * latest snapshot and its `current` has a `label` and no `snapshotId` (nothing was stored but the
   * report). Absent on the report of a full check.
   */
  scope?: ReportScope;
}

/** A named, approved snapshot that checks can compare against. */
export interface Baseline {
  tenantId: string;
  name: string;
  snapshotId: string;
  createdAt: string;
  note?: string;
}
