import type { DriftReport } from "@azure-drift/core";
import { createDriftDetector, createMemoryStore, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  collectorConformanceSuite,
  generateTenant,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { STORAGE_ACCOUNT_TYPE, storageRules, storageSecurityCollector } from "./src/index.js";

// What every collector must do (paging, 429s, 403 → incomplete coverage, abort, no secrets), against the
// replay server with the real @azure/arm-storage client. 60 accounts over two subscriptions keep it quick.
collectorConformanceSuite(test, () => storageSecurityCollector(), { resources: 60 });

describe("storage drift end to end (replay server → storageSecurityCollector → core's check)", () => {
  let server: ArmReplayServer;
  let tenant: Tenant;
  let subscriptionId: string;

  beforeAll(async () => {
    tenant = generateTenant({
      seed: "custom-collector",
      resources: 8,
      subscriptions: 1,
      mix: { storageAccount: 1 },
    });
    subscriptionId = tenant.subscriptions[0]!.subscriptionId;
    server = await startArmReplayServer({ tenant, pageSize: 3 });
  });
  afterAll(async () => {
    await server?.close();
  });

  // biome-ignore lint/suspicious/noExplicitAny: the test edits ARM JSON like a user in the portal.
  type Account = Record<string, any>;

  test("reports exactly the storage changes with their severities, and none of the noise", async () => {
    const detector = createDriftDetector({
      collectors: [storageSecurityCollector()],
      store: createMemoryStore(),
      credential: staticTokenCredential("replay-token"),
      arm: server.connection(),
    });
    const request = { tenantId: tenant.tenantId, subscriptions: [subscriptionId] };
    const [tls, open, firewall, replication, untouched] = resourcesOf(tenant, {
      types: [STORAGE_ACCOUNT_TYPE],
      subscriptionId,
    }) as Account[];
    // The starting state: one account open to every network, one with two firewall IP ranges.
    open!.properties.publicNetworkAccess = "Enabled";
    open!.properties.networkAcls.defaultAction = "Allow";
    firewall!.properties.networkAcls.ipRules = [
      { value: "198.51.100.0/24", action: "Allow" },
      { value: "203.0.113.0/24", action: "Allow" },
    ];
    const first = await detector.check(request);
    expect(first.snapshot.resourceCount).toBe(8);
    expect(first.snapshot.coverage.every((entry) => entry.complete)).toBe(true);

    // Drift.
    tls!.properties.minimumTlsVersion = "TLS1_0";
    tls!.properties.allowBlobPublicAccess = true;
    open!.properties.allowBlobPublicAccess = true;
    firewall!.properties.networkAcls.ipRules.push({ value: "192.0.2.0/24", action: "Allow" });
    replication!.properties.allowCrossTenantReplication = true;
    // Noise: a key rotation, an etag, the firewall's rules reordered.
    for (const account of [tls!, untouched!]) {
      account.properties.keyCreationTime.key1 = "2026-01-02T03:04:05.0000000Z";
      account.properties.encryption.services.blob.lastEnabledTime = "2026-01-02T03:04:05.0000000Z";
      account.etag = '"0x8DC0FFEE"';
    }
    firewall!.properties.networkAcls.ipRules.reverse();

    const { report } = await detector.check(request);
    const summary = (drift: DriftReport) =>
      drift.resources.map((resource) => ({
        name: resource.name,
        status: resource.status,
        severity: resource.severity,
        changes: resource.changes.map((change) => [change.kind, change.path, change.severity, change.ruleId]),
      }));
    const byName = (a: { name?: string }, b: { name?: string }) =>
      String(a.name).localeCompare(String(b.name));
    expect(summary(report).sort(byName)).toEqual(
      [
        {
          name: tls!.name,
          status: "modified",
          severity: "high",
          changes: [
            ["changed", "properties.allowBlobPublicAccess", "high", "core/storage-blob-public-access-on"],
            ["changed", "properties.minimumTlsVersion", "high", "core/storage-min-tls-lowered"],
          ],
        },
        {
          name: open!.name,
          status: "modified",
          severity: "critical",
          changes: [
            [
              "changed",
              "properties.allowBlobPublicAccess",
              "critical",
              "example-storage/anonymous-blob-access-open-network",
            ],
          ],
        },
        {
          name: firewall!.name,
          status: "modified",
          severity: "medium",
          changes: [
            [
              "added",
              "properties.networkAcls.ipRules[value=192.0.2.0/24]",
              "medium",
              "example-storage/firewall-ip-range-added",
            ],
          ],
        },
        {
          name: replication!.name,
          status: "modified",
          severity: "high",
          changes: [
            [
              "changed",
              "properties.allowCrossTenantReplication",
              "high",
              "example-storage/cross-tenant-replication-on",
            ],
          ],
        },
      ].sort(byName),
    );
    expect(report.summary).toEqual({
      added: 0,
      removed: 0,
      modified: 4,
      unknown: 0,
      bySeverity: { critical: 1, high: 2, medium: 1, low: 0, info: 0 },
    });
    const messages = report.resources.flatMap((resource) => resource.changes.map((change) => change.message));
    expect(messages).toContain(
      `IP range 192.0.2.0/24 can now reach storage account ${firewall!.name} through its firewall.`,
    );
    expect(messages).toContain(
      `Minimum TLS version of storage account ${tls!.name} was lowered from TLS1_2 to TLS1_0.`,
    );
    // Each finding says what to do: the example's rules and core's alike.
    const rated = report.resources.flatMap((resource) => resource.changes).filter((change) => change.ruleId);
    expect(rated.filter((change) => !change.remediation)).toEqual([]);
  });
});

test("each of the example's rules says in one line what to do about its finding", () => {
  expect(storageRules.length).toBe(3);
  expect(storageRules.filter((rule) => !rule.remediation?.trim() || rule.remediation.includes("\n"))).toEqual(
    [],
  );
});
