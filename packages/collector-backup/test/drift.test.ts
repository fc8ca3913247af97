import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject, JsonValue } from "@azure-drift/core";
import { createDriftDetector, staticTokenCredential } from "@azure-drift/core";
import { createFileStore } from "@azure-drift/store-file";
import {
  type ArmReplayServer,
  cloneTenant,
  mutateTenant,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKUP_TYPES, backupCollector } from "../src/index.js";
import { backupTenant } from "./tenant.js";

const TYPES = Object.values(BACKUP_TYPES);
// Secrets under names core's default secret patterns do not match, and values that carry no
// `sig=`/`AccountKey=` marker: only the collector's declared secret paths can catch them.
const SAS_KEY = "c3RhZ2luZy1jb250YWluZXItc2FzLWtleS0wMDAwMQ";
const INTEGRITY_KEY = "aW50ZWdyaXR5LWtleS1vZi10aGUtdmF1bHQtMDAwMDI";

/**
 * The severity each mutated path gets, by type: the rule that rates it, or the default (low) for a
 * change no rule rates. Derived from the rules' table in the README, independently of rules.ts.
 */
function expectedRating(type: string, path: string): [string | undefined, string] {
  const byPath: Record<string, [string, string]> = {
    "properties.securitySettings.softDeleteSettings.softDeleteState": [
      "backup/vault-soft-delete-disabled",
      "critical",
    ],
    "properties.securitySettings.immutabilitySettings.state": ["backup/vault-immutability-weakened", "high"],
    "properties.securitySettings.softDeleteSettings.enhancedSecurityState": [
      "backup/vault-enhanced-security-off",
      "high",
    ],
    "properties.securitySettings.multiUserAuthorization": [
      "backup/vault-multi-user-authorization-off",
      "high",
    ],
    "properties.publicNetworkAccess": ["backup/vault-public-network-access-enabled", "medium"],
    "properties.redundancySettings.crossRegionRestore": ["backup/vault-cross-region-restore-off", "medium"],
    "properties.retentionPolicy.dailySchedule.retentionDuration.count": [
      "backup/policy-daily-retention-lowered",
      "medium",
    ],
    "properties.protectionState": ["backup/protection-stopped", "high"],
    "properties.storageType": ["backup/storage-redundancy-lowered", "medium"],
    "properties.crossRegionRestoreFlag": ["backup/storage-cross-region-restore-off", "medium"],
    "properties.deleteRetentionPolicy.enabled": ["backup/blob-soft-delete-off", "medium"],
    "properties.containerDeleteRetentionPolicy.enabled": ["backup/container-soft-delete-off", "medium"],
    "properties.isVersioningEnabled": ["backup/blob-versioning-off", "medium"],
    "properties.restorePolicy.enabled": ["backup/point-in-time-restore-off", "medium"],
    "properties.shareDeleteRetentionPolicy.enabled": ["backup/file-share-soft-delete-off", "medium"],
  };
  const removed: Record<string, [string, string]> = {
    [BACKUP_TYPES.vault]: ["backup/vault-removed", "high"],
    [BACKUP_TYPES.backupPolicy]: ["backup/policy-removed", "medium"],
    [BACKUP_TYPES.protectedItem]: ["backup/protected-item-removed", "high"],
    [BACKUP_TYPES.resourceGuardProxy]: ["backup/resource-guard-proxy-removed", "high"],
  };
  if (path === "removed") return removed[type] ?? [undefined, "low"];
  return byPath[path] ?? [undefined, "low"];
}

/** The value at a dotted path (the mutator's paths have no array selectors). */
function valueAt(resource: JsonObject | undefined, path: string): JsonValue | undefined {
  let value: JsonValue | undefined = resource;
  for (const segment of path.split(".")) {
    if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = value[segment];
  }
  return value;
}

/** Every file under `dir`, as text. */
async function filesUnder(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map((entry) => readFile(join(entry.parentPath, entry.name), "utf8")),
  );
  return texts.join("\n");
}

describe("backup drift end to end (replay server → backupCollector → core's check → file store)", () => {
  let tenant: Tenant;
  let server: ArmReplayServer;
  let dir: string;
  let subscriptions: string[];

  beforeAll(async () => {
    tenant = backupTenant("backup-drift", 60);
    subscriptions = tenant.subscriptions.map((subscription) => subscription.subscriptionId);
    for (const vault of resourcesOf(tenant, { types: [BACKUP_TYPES.vault] }))
      (vault.properties as JsonObject).storageContainerSasKey = SAS_KEY;
    for (const item of resourcesOf(tenant, { types: [BACKUP_TYPES.protectedItem] }))
      (item.properties as JsonObject).extendedProperties = { integrityKey: INTEGRITY_KEY, sasKey: SAS_KEY };
    server = await startArmReplayServer({ tenant, pageSize: 7 });
    dir = await mkdtemp(join(tmpdir(), "azd-backup-drift-"));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const detector = async () =>
    createDriftDetector({
      collectors: [backupCollector()],
      store: await createFileStore({ directory: join(dir, "store"), compression: "none" }),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 6, maxRetryDelayMs: 20 } },
      concurrency: 8,
    });

  test("reports exactly the mutator's truth with the backup severities, none of its noise, and no secret", async () => {
    const check = await detector();
    const first = await check.check({ tenantId: tenant.tenantId, subscriptions });
    expect(first.report.resources).toEqual([]);
    expect(first.snapshot.coverage.every((entry) => entry.complete)).toBe(true);

    const before = cloneTenant(tenant);
    const { changes } = mutateTenant(tenant, { churn: 0.2, seed: 5, noise: 0.4, types: TYPES });
    expect(changes.filter((change) => change.status === "modified").length).toBeGreaterThan(8);
    expect(changes.some((change) => change.status === "removed")).toBe(true);
    expect(changes.some((change) => change.status === "added")).toBe(true);

    const { report } = await check.check({ tenantId: tenant.tenantId, subscriptions });
    expect(report.unknown).toEqual([]);
    const found = report.resources
      .map((drift) => ({
        key: drift.key,
        status: drift.status,
        changes: drift.changes.map((change) => ({
          path: change.path,
          kind: change.kind,
          before: change.before,
          after: change.after,
          ruleId: change.ruleId,
          severity: change.severity,
        })),
      }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    const expected = changes.map((change) => {
      const was = before.resources.get(change.key);
      const now = tenant.resources.get(change.key);
      if (change.status !== "modified") {
        const [ruleId, severity] =
          change.status === "removed" ? expectedRating(change.type, "removed") : [undefined, "low"];
        return {
          key: change.key,
          status: change.status,
          changes: ruleId
            ? [{ path: "", kind: "removed", before: undefined, after: undefined, ruleId, severity }]
            : [],
        };
      }
      return {
        key: change.key,
        status: change.status,
        changes: change.paths
          .map((path) => {
            const [ruleId, severity] = expectedRating(change.type, path);
            const from = valueAt(was, path);
            const to = valueAt(now, path);
            return {
              path,
              kind: from === undefined ? "added" : to === undefined ? "removed" : "changed",
              before: from,
              after: to,
              ruleId,
              severity,
            };
          })
          .sort((a, b) => (a.path < b.path ? -1 : 1)),
      };
    });
    /** Undefined fields dropped (as JSON drops them) and changes in path order, on both sides. */
    const sortChanges = (entries: { key: string; status: string; changes: { path: string }[] }[]) =>
      entries.map((entry) => ({
        ...entry,
        changes: entry.changes
          .map((change) => JSON.parse(JSON.stringify(change)) as { path: string })
          .sort((a, b) => (a.path < b.path ? -1 : 1)),
      }));
    expect(sortChanges(found)).toEqual(sortChanges(expected));
    // Rules of every level fired: the critical soft delete, high protection, medium storage settings.
    const severities = new Set(found.flatMap((entry) => entry.changes.map((change) => change.severity)));
    expect(severities).toContain("high");
    expect(severities).toContain("medium");

    // Secrets planted under neutral names never reach the store's bytes or the report.
    const stored = await filesUnder(join(dir, "store"));
    expect(stored.length).toBeGreaterThan(10_000);
    expect(stored).toContain("softDeleteState");
    expect(stored).not.toContain(SAS_KEY);
    expect(stored).not.toContain(INTEGRITY_KEY);
    expect(JSON.stringify(report)).not.toContain(SAS_KEY);
  });

  test("noise alone (backup health, last-backup times, counts, scores, etags, order, id case) reports nothing", async () => {
    const check = await detector();
    const baseline = await check.check({ tenantId: tenant.tenantId, subscriptions });
    expect(baseline.report.resources).toEqual([]);
    const before = JSON.stringify([...tenant.resources]);
    const { changes } = mutateTenant(tenant, { churn: 0, seed: 11, noise: 1, types: TYPES });
    expect(changes).toEqual([]);
    expect(JSON.stringify([...tenant.resources])).not.toBe(before);
    const item = resourcesOf(tenant, { types: [BACKUP_TYPES.protectedItem] })[0]!;
    (item.properties as JsonObject).lastBackupTime = "2026-04-01T01:00:00.0000000Z";
    (item.properties as JsonObject).healthStatus = "ActionRequired";
    const { report } = await check.check({ tenantId: tenant.tenantId, subscriptions });
    expect(report.unknown).toEqual([]);
    expect(report.resources).toEqual([]);
  });

  test("a 403 on protected items makes them unknown, never removed, and leaves the other types compared", async () => {
    const check = await detector();
    const baseline = await check.check({ tenantId: tenant.tenantId, subscriptions });
    expect(baseline.report.resources).toEqual([]);

    const softDeleteOf = (vault: JsonObject) =>
      ((vault.properties as JsonObject).securitySettings as JsonObject).softDeleteSettings as JsonObject;
    const vault = resourcesOf(tenant, { types: [BACKUP_TYPES.vault] }).find(
      (candidate) => softDeleteOf(candidate).softDeleteState !== "Disabled",
    )!;
    softDeleteOf(vault).softDeleteState = "Disabled";
    server.setFaults({ forbidden: [{ type: BACKUP_TYPES.protectedItem }] });
    try {
      const { report } = await check.check({ tenantId: tenant.tenantId, subscriptions });
      // One entry per slice that could not be enumerated, and one per item that could not be seen.
      expect(report.unknown.every((entry) => entry.type === BACKUP_TYPES.protectedItem)).toBe(true);
      expect(report.unknown.every((entry) => entry.collector === "backup")).toBe(true);
      expect(
        report.unknown
          .filter((entry) => entry.id === undefined)
          .map((entry) => entry.scope)
          .sort(),
      ).toEqual([...subscriptions].sort());
      expect(
        report.unknown
          .filter((entry) => entry.id !== undefined)
          .map((entry) => String(entry.id).toLowerCase())
          .sort(),
      ).toEqual(
        resourcesOf(tenant, { types: [BACKUP_TYPES.protectedItem] }).map((item) =>
          String(item.id).toLowerCase(),
        ),
      );
      expect(report.resources.some((drift) => drift.type === BACKUP_TYPES.protectedItem)).toBe(false);
      expect(
        report.resources.map((drift) => [
          drift.key,
          drift.changes.map((change) => [change.path, change.severity]),
        ]),
      ).toEqual([
        [
          String(vault.id).toLowerCase(),
          [["properties.securitySettings.softDeleteSettings.softDeleteState", "critical"]],
        ],
      ]);
    } finally {
      server.setFaults({});
    }
  });
});
