import {
  type AttributedOperation,
  acceptBaseline,
  acceptBaselinePartially,
  BASELINE_MERGE_SOURCE,
  createMemoryStore,
  createRecord,
  createTypeRegistry,
  defaultRules,
  diffStoredSnapshots,
  isDriftError,
  type JsonObject,
  resourceHistory,
  type Store,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";

const tenantId = "11111111-1111-1111-1111-111111111111";
const sub = "22222222-2222-2222-2222-222222222222";
const nsgId = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/web`;
const saId = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/logs`;
const NSG = "Microsoft.Network/networkSecurityGroups";
const SA = "Microsoft.Storage/storageAccounts";
const registry = createTypeRegistry();

function nsg(
  rules: Array<{ name: string; port: string; source: string }>,
  tags: Record<string, string> = {},
): JsonObject {
  return {
    id: nsgId,
    name: "web",
    type: NSG,
    location: "westeurope",
    tags,
    properties: {
      securityRules: rules.map((rule, i) => ({
        name: rule.name,
        properties: {
          access: "Allow",
          direction: "Inbound",
          priority: 100 + i,
          protocol: "Tcp",
          destinationPortRange: rule.port,
          sourceAddressPrefix: rule.source,
        },
      })),
    },
  };
}

function storage(tls: string): JsonObject {
  return { id: saId, name: "logs", type: SA, location: "westeurope", properties: { minimumTlsVersion: tls } };
}

let clock = Date.parse("2026-05-01T00:00:00.000Z");
async function snapshot(store: Store, resources: JsonObject[], incomplete: string[] = []): Promise<string> {
  clock += 3_600_000;
  const at = new Date(clock).toISOString();
  const writer = await store.beginSnapshot({ tenantId, scopes: [sub], startedAt: at, source: "check" });
  await writer.write(
    resources.map((resource) => createRecord(resource, { collector: "test", domain: "test" }, registry)),
  );
  const meta = await writer.commit({
    finishedAt: at,
    collectors: [
      {
        name: "test",
        version: "1",
        scope: sub,
        outcome: "succeeded",
        records: resources.length,
        startedAt: at,
        finishedAt: at,
      },
    ],
    coverage: [NSG, SA].map((type) => ({
      scope: sub,
      collector: "test",
      type,
      complete: !incomplete.includes(type),
      ...(incomplete.includes(type) ? { reason: "403 Forbidden" } : {}),
    })),
  });
  return meta.id;
}

describe("resourceHistory", () => {
  test("one resource's changes across snapshots, newest first, rated by the rules; unchanged steps are skipped", async () => {
    const store = createMemoryStore();
    const s1 = await snapshot(store, [storage("TLS1_2")]);
    const s2 = await snapshot(store, [storage("TLS1_2"), nsg([{ name: "https", port: "443", source: "*" }])]);
    const s3 = await snapshot(store, [storage("TLS1_2"), nsg([{ name: "https", port: "443", source: "*" }])]);
    const s4 = await snapshot(store, [
      storage("TLS1_0"),
      nsg([
        { name: "https", port: "443", source: "*" },
        { name: "ssh", port: "22", source: "Internet" },
      ]),
    ]);
    const s5 = await snapshot(store, [storage("TLS1_0")]);

    const history = await resourceHistory(store, tenantId, nsgId.toUpperCase(), {
      registry,
      collectorRules: defaultRules,
    });
    expect(history.snapshots).toBe(5);
    expect(history.firstSeen?.snapshotId).toBe(s2);
    expect(
      history.entries.map((entry) => [entry.snapshotId, entry.baseSnapshotId, entry.status, entry.severity]),
    ).toEqual([
      [s5, s4, "removed", "low"],
      [s4, s3, "modified", "critical"],
      [s2, s1, "added", "low"],
    ]);
    expect(history.entries[1]?.changes.map((change) => [change.path, change.kind, change.ruleId])).toEqual([
      ["properties.securityRules[name=ssh]", "added", "core/nsg-open-management-port"],
    ]);
    const tls = await resourceHistory(store, tenantId, saId, { registry, collectorRules: defaultRules });
    expect(
      tls.entries.map((entry) => [
        entry.snapshotId,
        entry.status,
        entry.changes[0]?.path,
        entry.changes[0]?.after,
      ]),
    ).toEqual([[s4, "modified", "properties.minimumTlsVersion", "TLS1_0"]]);
  });

  test("absent where its type's listing was incomplete is unknown, never removed", async () => {
    const store = createMemoryStore();
    await snapshot(store, [nsg([])]);
    const blind = await snapshot(store, [], [NSG]);
    const history = await resourceHistory(store, tenantId, nsgId, { registry });
    expect(history.entries.map((entry) => [entry.snapshotId, entry.status])).toEqual([[blind, "unknown"]]);
    expect(history.entries[0]?.reason).toMatch(/incomplete/);
  });

  test("each change carries the attribution of its snapshot pair's stored report, else unknown with the reason", async () => {
    const store = createMemoryStore();
    const s1 = await snapshot(store, [storage("TLS1_2")]);
    const s2 = await snapshot(store, [storage("TLS1_2"), nsg([])]);
    const s3 = await snapshot(store, [storage("TLS1_2"), nsg([{ name: "https", port: "443", source: "*" }])]);
    const s4 = await snapshot(store, [
      storage("TLS1_2"),
      nsg([{ name: "https", port: "8443", source: "*" }]),
    ]);
    const s5 = await snapshot(store, [storage("TLS1_2")], [NSG]);
    const write: AttributedOperation = {
      caller: "dana.ops@contoso.example",
      operationName: "Microsoft.Network/networkSecurityGroups/write",
      status: "Succeeded",
      timestamp: "2026-05-01T02:30:00.000Z",
      correlationId: "c0ffee00-0000-4000-8000-000000000001",
    };
    // s1 → s2: a check with attribution; s2 → s3: a check without it; s3 → s4: no stored report.
    const attributed = await diffStoredSnapshots(store, tenantId, s1, s2, { registry });
    for (const resource of attributed.resources)
      resource.attribution = { status: "found", operations: [write] };
    await store.putReport(attributed);
    await store.putReport(await diffStoredSnapshots(store, tenantId, s2, s3, { registry }));
    // A report of another pair that lists the resource must not lend it its callers.
    const other = await diffStoredSnapshots(store, tenantId, s1, s3, { registry });
    for (const resource of other.resources)
      resource.attribution = { status: "found", operations: [{ ...write, caller: "someone-else" }] };
    await store.putReport(other);

    const history = await resourceHistory(store, tenantId, nsgId, { registry });
    expect(history.entries.map((entry) => [entry.snapshotId, entry.status, entry.attribution])).toEqual([
      [
        s5,
        "unknown",
        {
          status: "unknown",
          operations: [],
          reason: "its status between these snapshots is unknown: nothing to attribute",
        },
      ],
      [
        s4,
        "modified",
        {
          status: "unknown",
          operations: [],
          reason: "no stored report compares these two snapshots (no check compared exactly them)",
        },
      ],
      [
        s3,
        "modified",
        {
          status: "unknown",
          operations: [],
          reason: "the check that compared these snapshots ran without attribution",
        },
      ],
      [s2, "added", { status: "found", operations: [write] }],
    ]);
  });

  test("an id that is not an ARM id is E_INPUT", async () => {
    await expect(resourceHistory(createMemoryStore(), tenantId, "web")).rejects.toSatisfy((error) =>
      isDriftError(error, "E_INPUT"),
    );
  });
});

describe("acceptBaselinePartially", () => {
  async function drifted() {
    const store = createMemoryStore();
    await snapshot(store, [
      storage("TLS1_2"),
      nsg([{ name: "https", port: "443", source: "*" }], { owner: "a" }),
    ]);
    await acceptBaseline(store, tenantId, "approved");
    const current = await snapshot(store, [
      storage("TLS1_0"),
      nsg(
        [
          { name: "https", port: "8443", source: "*" },
          { name: "ssh", port: "22", source: "Internet" },
        ],
        { owner: "b" },
      ),
    ]);
    return { store, current };
  }

  async function findings(store: Store, current: string) {
    const baseline = await store.getBaseline(tenantId, "approved");
    const report = await diffStoredSnapshots(store, tenantId, baseline?.snapshotId ?? "", current, {
      registry,
    });
    return report.resources.flatMap((resource) =>
      resource.changes.map((change) => `${resource.name} ${change.path}`),
    );
  }

  test("accepts only the changes under the named paths; the rest is still reported", async () => {
    const { store, current } = await drifted();
    expect(await findings(store, current)).toEqual([
      "web properties.securityRules[name=https].properties.destinationPortRange",
      "web properties.securityRules[name=ssh]",
      "web tags.owner",
      "logs properties.minimumTlsVersion",
    ]);
    const result = await acceptBaselinePartially(store, tenantId, "approved", {
      only: ["properties.securityRules[name=https]", "tags"],
      registry,
      now: new Date("2026-06-01T00:00:00.000Z"),
    });
    expect([result.accepted, result.remaining]).toEqual([2, 2]);
    expect(result.snapshot.source).toBe(BASELINE_MERGE_SOURCE);
    expect(result.baseline.note).toBe(
      `accepted properties.securityRules[name=https], tags from snapshot ${current}`,
    );
    expect(await findings(store, current)).toEqual([
      "web properties.securityRules[name=ssh]",
      "logs properties.minimumTlsVersion",
    ]);
  });

  test("a resource-id glob accepts the whole resource; the merged snapshot is never the previous snapshot of a check", async () => {
    const { store, current } = await drifted();
    await acceptBaselinePartially(store, tenantId, "approved", {
      only: ["/subscriptions/*/storageAccounts/logs"],
      registry,
    });
    expect(await findings(store, current)).toEqual([
      "web properties.securityRules[name=https].properties.destinationPortRange",
      "web properties.securityRules[name=ssh]",
      "web tags.owner",
    ]);
    const history = await resourceHistory(store, tenantId, saId, { registry });
    expect(history.snapshots).toBe(2);
  });

  test("nothing matching is an error and changes nothing; no baseline is E_NOT_FOUND", async () => {
    const { store } = await drifted();
    const before = await store.getBaseline(tenantId, "approved");
    await expect(
      acceptBaselinePartially(store, tenantId, "approved", { only: ["properties.nothing"], registry }),
    ).rejects.toThrow(/matches --only properties\.nothing; nothing was accepted/);
    expect(await store.getBaseline(tenantId, "approved")).toEqual(before);
    await expect(acceptBaselinePartially(store, tenantId, "other", { only: ["tags"] })).rejects.toSatisfy(
      (error) => isDriftError(error, "E_NOT_FOUND"),
    );
  });
});
