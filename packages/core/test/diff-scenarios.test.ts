import {
  createRecord,
  createTypeRegistry,
  defaultRules,
  diffSnapshots,
  type JsonObject,
  REDACTED,
  type ResourceRecord,
  type RuleOptions,
  type SnapshotData,
  type SnapshotMeta,
  serializeSnapshot,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import {
  armSnapshot,
  diffArm,
  keyVault,
  nsg,
  nsgRule,
  resourceId,
  roleAssignment,
  SUB,
  storageAccount,
  TENANT,
  thirtyRules,
} from "./support/arm-fixtures.js";

/** The real rule engine with every default rule off: every change is `low`, without a message. */
const plainRules: RuleOptions = {
  overrides: Object.fromEntries(defaultRules.map((rule) => [rule.id, "off" as const])),
};
const plain = { rules: plainRules };

const NSG_ID = resourceId("Microsoft.Network/networkSecurityGroups", "nsg-web");
const NSG_KEY = NSG_ID.toLowerCase();

/** The normalized form of a rule element, as the report shows it. */
function normalizedRule(spec: Parameters<typeof nsgRule>[1]): JsonObject {
  const element = nsgRule("nsg-web", spec);
  const record = createRecord(
    { id: NSG_ID, type: "Microsoft.Network/networkSecurityGroups", properties: { securityRules: [element] } },
    { collector: "t", domain: "t" },
    createTypeRegistry(),
  );
  return (record.config.properties as { securityRules: JsonObject[] }).securityRules[0]!;
}

describe("NSG rules are matched by name", () => {
  test("a rule inserted at the front of a 30-rule NSG is one added change", () => {
    const rules = thirtyRules();
    const ssh = { name: "AllowSSH", priority: 100, port: "22", source: "*" };
    const report = diffArm([nsg("nsg-web", rules)], [nsg("nsg-web", [ssh, ...rules])], plain);
    expect(report.summary).toEqual({
      added: 0,
      removed: 0,
      modified: 1,
      unknown: 0,
      bySeverity: { critical: 0, high: 0, medium: 0, low: 1, info: 0 },
    });
    expect(report.resources).toEqual([
      {
        id: NSG_ID,
        key: NSG_KEY,
        type: "Microsoft.Network/networkSecurityGroups",
        name: "nsg-web",
        subscriptionId: SUB,
        status: "modified",
        severity: "low",
        changes: [
          {
            path: "properties.securityRules[name=AllowSSH]",
            kind: "added",
            after: normalizedRule(ssh),
            severity: "low",
          },
        ],
      },
    ]);
    expect(normalizedRule(ssh)).toEqual({
      id: `${NSG_KEY}/securityrules/allowssh`,
      name: "AllowSSH",
      type: "microsoft.network/networksecuritygroups/securityrules",
      properties: {
        access: "Allow",
        destinationAddressPrefix: "*",
        destinationPortRange: "22",
        direction: "Inbound",
        priority: 100,
        protocol: "Tcp",
        sourceAddressPrefix: "*",
        sourcePortRange: "*",
      },
    });
  });

  test("reordered rules are not drift", () => {
    const rules = thirtyRules();
    const report = diffArm([nsg("nsg-web", rules)], [nsg("nsg-web", [...rules].reverse())], plain);
    expect(report.resources).toEqual([]);
    expect(report.summary.modified).toBe(0);
  });

  test("a changed field inside a rule is reported under the rule's key", () => {
    const rules = thirtyRules();
    const changed = rules.map((rule) =>
      rule.name === "rule-07" ? { ...rule, access: "Deny" as const } : rule,
    );
    const report = diffArm([nsg("nsg-web", rules)], [nsg("nsg-web", changed)], plain);
    expect(report.resources.map((drift) => drift.changes)).toEqual([
      [
        {
          path: "properties.securityRules[name=rule-07].properties.access",
          kind: "changed",
          before: "Allow",
          after: "Deny",
          severity: "low",
        },
      ],
    ]);
  });

  test("the default rules rate an internet-open SSH rule critical", () => {
    const rules = thirtyRules();
    const ssh = { name: "AllowSSH", priority: 100, port: "22", source: "*" };
    const report = diffArm([nsg("nsg-web", rules)], [nsg("nsg-web", [ssh, ...rules])]);
    expect(
      report.resources.map((drift) => [
        drift.severity,
        drift.changes.map((change) => [change.path, change.severity, change.ruleId]),
      ]),
    ).toEqual([
      [
        "critical",
        [["properties.securityRules[name=AllowSSH]", "critical", "core/nsg-open-management-port"]],
      ],
    ]);
  });
});

describe("noise is not drift", () => {
  test("etag, provisioningState, systemData.lastModified* and geo-replication sync time changes are not drift", () => {
    const before = [
      nsg("nsg-web", thirtyRules()),
      storageAccount("stprod"),
      keyVault("kv-prod", [{ objectId: "o1", secrets: ["get"] }]),
    ];
    const vault = keyVault("kv-prod", [{ objectId: "o1", secrets: ["get"] }]);
    (vault.systemData as JsonObject).lastModifiedAt = "2026-11-20T23:00:00.000Z";
    (vault.properties as JsonObject).provisioningState = "Updating";
    const after = [
      nsg("nsg-web", thirtyRules(), { etag: 'W/"ffffffff-0000-0000-0000-000000000002"' }),
      storageAccount("stprod", { lastSyncTime: "2026-11-21T11:59:00.0000000Z" }),
      vault,
    ];
    const report = diffArm(before, after, plain);
    expect(report.resources).toEqual([]);
    expect(report.unknown).toEqual([]);
  });

  test("ARM ids that differ only in case are not drift", () => {
    const upper = nsg("nsg-web", thirtyRules(), {
      id: `/subscriptions/${SUB.toUpperCase()}/resourcegroups/RG-PROD/Providers/Microsoft.Network/networkSecurityGroups/NSG-WEB`,
    });
    const subnets = (upper.properties as { subnets: JsonObject[] }).subnets;
    subnets[0]!.id = String(subnets[0]!.id)
      .replace("resourceGroups", "resourcegroups")
      .replace("virtualNetworks", "VirtualNetworks");
    const report = diffArm([nsg("nsg-web", thirtyRules())], [upper], plain);
    expect(report.resources).toEqual([]);
    expect(report.unknown).toEqual([]);
  });

  test("null, missing, empty array and empty object compare equal", () => {
    const base = storageAccount("stprod");
    const current = storageAccount("stprod");
    delete current.tags; // {} before
    (current.properties as JsonObject).customDomain = null;
    ((current.properties as JsonObject).networkAcls as JsonObject).resourceAccessRules = [];
    (base.properties as JsonObject).azureFilesIdentityBasedAuthentication = {};
    const report = diffArm([base], [current], plain);
    expect(report.resources).toEqual([]);
  });
});

describe("address prefix lists are sets", () => {
  const withPrefixes = (prefixes: string[]) =>
    nsg("nsg-web", [{ name: "AllowOffices", priority: 300, sourcePrefixes: prefixes }]);

  test("a reordered prefix list is not drift", () => {
    const report = diffArm(
      [withPrefixes(["10.0.0.0/16", "192.168.1.0/24", "172.16.0.0/12"])],
      [withPrefixes(["172.16.0.0/12", "10.0.0.0/16", "192.168.1.0/24"])],
      plain,
    );
    expect(report.resources).toEqual([]);
  });

  test("an extended prefix list is one added change with the element", () => {
    const report = diffArm(
      [withPrefixes(["10.0.0.0/16", "192.168.1.0/24"])],
      [withPrefixes(["192.168.1.0/24", "10.0.0.0/16", "198.51.100.7/32"])],
      plain,
    );
    expect(report.resources.map((drift) => drift.changes)).toEqual([
      [
        {
          path: "properties.securityRules[name=AllowOffices].properties.sourceAddressPrefixes",
          kind: "added",
          after: "198.51.100.7/32",
          severity: "low",
        },
      ],
    ]);
  });

  test("a removed element of a set of objects (storage ipRules) is one removed change", () => {
    const report = diffArm(
      [storageAccount("stprod", { ipRules: ["203.0.113.0/24", "198.51.100.0/24"] })],
      [storageAccount("stprod", { ipRules: ["198.51.100.0/24"] })],
      plain,
    );
    expect(report.resources.map((drift) => drift.changes)).toEqual([
      [
        {
          path: "properties.networkAcls.ipRules",
          kind: "removed",
          before: { action: "Allow", value: "203.0.113.0/24" },
          severity: "low",
        },
      ],
    ]);
  });
});

describe("key vault access policies are keyed by tenantId and objectId", () => {
  test("a permission added to one policy is one change under the composite key", () => {
    const report = diffArm(
      [
        keyVault("kv-prod", [
          { objectId: "b-object", secrets: ["get"] },
          { objectId: "a-object", secrets: ["get", "list"] },
        ]),
      ],
      [
        keyVault("kv-prod", [
          { objectId: "a-object", secrets: ["list", "get"] },
          { objectId: "b-object", secrets: ["get", "set"] },
        ]),
      ],
      plain,
    );
    expect(report.resources.map((drift) => drift.changes)).toEqual([
      [
        {
          path: `properties.accessPolicies[tenantId=${TENANT},objectId=b-object].permissions.secrets`,
          kind: "added",
          after: "set",
          severity: "low",
        },
      ],
    ]);
  });
});

describe("secrets", () => {
  const SECRET_OLD = "hunter2-Old-Secret-Value";
  const SECRET_NEW = "correct-horse-New-Secret-Value";
  const appConfig = (secret: string): JsonObject => ({
    id: resourceId("Microsoft.Web/sites", "app-prod/config/web"),
    name: "web",
    type: "Microsoft.Web/sites/config",
    properties: {
      connectionStrings: [
        {
          name: "db",
          type: "SQLAzure",
          connectionString: `Server=tcp:sql.database.windows.net;Password=${secret};`,
        },
      ],
      appSettings: [
        { name: "STRIPE_API_KEY", value: secret },
        { name: "FEATURE_FLAG", value: "on" },
      ],
      publishingPassword: secret,
    },
  });

  test("a changed secret is redacted and, without a salt, not drift; its value is nowhere", () => {
    const base = armSnapshot([appConfig(SECRET_OLD)]);
    const current = armSnapshot([appConfig(SECRET_NEW)]);
    const report = diffSnapshots(base, current, plain);
    expect(report.resources).toEqual([]);
    const everything = JSON.stringify(report) + serializeSnapshot(base) + serializeSnapshot(current);
    expect(everything).not.toContain(SECRET_OLD);
    expect(everything).not.toContain(SECRET_NEW);
    const config = [...current.records][0]!.config as { properties: JsonObject };
    expect(config.properties).toEqual({
      appSettings: [
        { name: "FEATURE_FLAG", value: "on" },
        { name: "STRIPE_API_KEY", value: REDACTED },
      ],
      connectionStrings: [{ connectionString: REDACTED, name: "db", type: "SQLAzure" }],
      publishingPassword: REDACTED,
    });
  });

  test("with a salt, a changed secret is reported as changed with salted markers only", () => {
    const redaction = { salt: "pipeline-salt" };
    const base = armSnapshot([appConfig(SECRET_OLD)], { redaction });
    const current = armSnapshot([appConfig(SECRET_NEW)], { redaction });
    const report = diffSnapshots(base, current, plain);
    const marker = /^\[REDACTED:[0-9a-f]{16}\]$/;
    const changes = report.resources.flatMap((drift) => drift.changes);
    expect(changes.map((change) => [change.path, change.kind])).toEqual([
      ["properties.appSettings[name=STRIPE_API_KEY].value", "changed"],
      ["properties.connectionStrings[name=db].connectionString", "changed"],
      ["properties.publishingPassword", "changed"],
    ]);
    for (const change of changes) {
      expect(change.before).toMatch(marker);
      expect(change.after).toMatch(marker);
      expect(change.before).not.toEqual(change.after);
    }
    const everything = JSON.stringify(report) + serializeSnapshot(base) + serializeSnapshot(current);
    expect(everything).not.toContain(SECRET_OLD);
    expect(everything).not.toContain(SECRET_NEW);
  });
});

/** A snapshot as a collector would produce it, with explicit coverage. */
function collectedSnapshot(
  id: string,
  resources: JsonObject[],
  coverage: SnapshotMeta["coverage"],
): SnapshotData {
  const registry = createTypeRegistry();
  const records: ResourceRecord[] = resources.map((resource) =>
    createRecord(
      resource,
      {
        collector: resource.type === "Microsoft.Storage/storageAccounts" ? "security" : "network",
        domain: "x",
      },
      registry,
    ),
  );
  return {
    meta: {
      formatVersion: 1,
      id,
      tenantId: TENANT,
      scopes: [SUB],
      startedAt: "2026-11-20T00:00:00.000Z",
      finishedAt: "2026-11-20T00:05:00.000Z",
      collectors: [],
      coverage,
      resourceCount: records.length,
    },
    records,
  };
}

const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";
const ST_TYPE = "Microsoft.Storage/storageAccounts";

describe("coverage: no false removed", () => {
  test("resources missing from a partial snapshot are unknown, not removed; a complete slice still reports removals", () => {
    const base = collectedSnapshot(
      "s1",
      [nsg("nsg-a", []), nsg("nsg-b", []), storageAccount("st1"), storageAccount("st2")],
      [
        { scope: SUB, collector: "network", type: NSG_TYPE, complete: true },
        { scope: SUB, collector: "security", type: ST_TYPE, complete: true },
      ],
    );
    const current = collectedSnapshot(
      "s2",
      [nsg("nsg-a", []), storageAccount("st1")],
      [
        {
          scope: SUB,
          collector: "network",
          type: NSG_TYPE.toLowerCase(),
          complete: false,
          reason: "403 Forbidden on page 2",
        },
        { scope: SUB, collector: "security", type: ST_TYPE, complete: true },
      ],
    );
    const report = diffSnapshots(base, current, { ...plain, reportId: "r", now: new Date(0) });
    expect(report.resources.map((drift) => [drift.status, drift.name])).toEqual([["removed", "st2"]]);
    expect(report.unknown).toEqual([
      {
        scope: SUB,
        type: NSG_TYPE.toLowerCase(),
        collector: "network",
        reason: "the current snapshot's enumeration was incomplete: 403 Forbidden on page 2",
      },
      {
        id: resourceId(NSG_TYPE, "nsg-b"),
        scope: SUB,
        type: NSG_TYPE,
        collector: "network",
        reason:
          "missing now, but the current snapshot's enumeration of this type was incomplete (403 Forbidden on page 2): cannot tell whether it was removed",
      },
    ]);
    expect(report.summary).toMatchObject({ added: 0, removed: 1, modified: 0, unknown: 2 });
  });

  test("a slice the current snapshot never covered makes its missing resources unknown", () => {
    const base = collectedSnapshot(
      "s1",
      [storageAccount("st1")],
      [{ scope: SUB, collector: "security", type: ST_TYPE, complete: true }],
    );
    const current = collectedSnapshot(
      "s2",
      [],
      [{ scope: SUB, collector: "network", type: NSG_TYPE, complete: true }],
    );
    const report = diffSnapshots(base, current, plain);
    expect(report.resources).toEqual([]);
    expect(report.unknown.map((entry) => [entry.id, entry.reason])).toEqual([
      [
        resourceId(ST_TYPE, "st1"),
        "missing now, but the current snapshot did not cover this type in this subscription: cannot tell whether it was removed",
      ],
    ]);
  });

  test("resources of a slice the base never covered are one unknown entry and a notice, not N additions", () => {
    const base = collectedSnapshot(
      "s1",
      [storageAccount("st1")],
      [{ scope: SUB, collector: "security", type: ST_TYPE, complete: true }],
    );
    const current = collectedSnapshot(
      "s2",
      [storageAccount("st1"), nsg("nsg-a", []), nsg("nsg-b", [])],
      [
        { scope: SUB, collector: "security", type: ST_TYPE, complete: true },
        { scope: SUB, collector: "network", type: NSG_TYPE, complete: true },
      ],
    );
    const report = diffSnapshots(base, current, plain);
    expect(report.resources).toEqual([]);
    expect(report.unknown).toEqual([
      {
        scope: SUB,
        type: NSG_TYPE,
        collector: "network",
        reason: "not covered by the base snapshot: its 2 resources are not reported as added",
      },
    ]);
    expect(report.notices).toEqual([
      `The base snapshot did not cover ${NSG_TYPE} (collector network) in subscription ${SUB}: 2 ${NSG_TYPE} resources in subscription ${SUB} are not reported as added. Compare against a snapshot that covered it.`,
    ]);
  });

  test("an ARM import on one side counts as complete coverage of its subscriptions", () => {
    const base = collectedSnapshot(
      "s1",
      [nsg("nsg-a", []), nsg("nsg-b", [])],
      [{ scope: SUB, collector: "network", type: NSG_TYPE, complete: true }],
    );
    const current = armSnapshot([nsg("nsg-a", [])]);
    const report = diffSnapshots(base, current, plain);
    expect(report.resources.map((drift) => [drift.status, drift.name])).toEqual([["removed", "nsg-b"]]);
    expect(report.unknown).toEqual([]);
  });
});

describe("added, removed, filtering and order", () => {
  test("added and removed resources, sorted by severity then id, with a summary", () => {
    const owner = roleAssignment(
      "11111111-2222-3333-4444-555555555555",
      "p-1",
      "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    );
    const report = diffArm([nsg("nsg-web", []), storageAccount("stold")], [nsg("nsg-web", []), owner]);
    expect(report.resources.map((drift) => [drift.status, drift.severity, drift.name])).toEqual([
      ["added", "high", "11111111-2222-3333-4444-555555555555"],
      ["removed", "low", "stold"],
    ]);
    expect(report.summary).toEqual({
      added: 1,
      removed: 1,
      modified: 0,
      unknown: 0,
      bySeverity: { critical: 0, high: 1, medium: 0, low: 1, info: 0 },
    });
  });

  test("ignore globs drop matching changes, and a resource left with none", () => {
    const before = [
      storageAccount("stprod", { minimumTlsVersion: "TLS1_2" }),
      nsg("nsg-web", [{ name: "r1", priority: 100 }]),
    ];
    const after = [
      storageAccount("stprod", { minimumTlsVersion: "TLS1_1" }),
      nsg("nsg-web", [{ name: "r1", priority: 110 }]),
    ];
    const report = diffArm(before, after, {
      ...plain,
      ignore: ["properties.securityRules[*].properties.priority"],
    });
    expect(report.resources.map((drift) => drift.changes.map((change) => change.path))).toEqual([
      ["properties.minimumTlsVersion"],
    ]);
  });

  test("minSeverity drops changes and resources below it", () => {
    const before = [
      storageAccount("stprod", { minimumTlsVersion: "TLS1_2" }),
      nsg("nsg-web", [{ name: "r1", priority: 100 }]),
    ];
    const after = [
      storageAccount("stprod", { minimumTlsVersion: "TLS1_0" }),
      nsg("nsg-web", [{ name: "r1", priority: 110 }]),
    ];
    const report = diffArm(before, after, { minSeverity: "high" });
    expect(
      report.resources.map((drift) => [
        drift.name,
        drift.severity,
        drift.changes.map((change) => change.path),
      ]),
    ).toEqual([["stprod", "high", ["properties.minimumTlsVersion"]]]);
    expect(report.summary.modified).toBe(1);
  });

  test("a modified resource is displayed with the current snapshot's original id", () => {
    const current = storageAccount("stprod", { minimumTlsVersion: "TLS1_0" });
    current.id = String(current.id).replace("resourceGroups", "resourcegroups");
    const report = diffArm([storageAccount("stprod")], [current], plain);
    expect(report.resources.map((drift) => [drift.id, drift.key])).toEqual([
      [current.id, String(current.id).toLowerCase()],
    ]);
  });
});
