import type { CollectorContext, JsonObject, Limiter, ProgressEvent } from "@azure-drift/core";
import { isDriftError, noopLogger, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  putResource,
  RESOURCE_TYPES,
  removeResource,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import pLimit from "p-limit";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  DEFAULT_DIAGNOSTIC_TARGETS,
  EXTENDED_DIAGNOSTIC_TARGETS,
  GOVERNANCE_TYPES,
  governanceCollector,
  NAME,
} from "../src/index.js";

const ALL_TYPES = Object.values(GOVERNANCE_TYPES);
let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;

interface Run {
  records: JsonObject[];
  incomplete: { type: string; reason: string }[];
  events: ProgressEvent[];
}

async function collect(
  options: { collector?: ReturnType<typeof governanceCollector>; limit?: Limiter } = {},
): Promise<Run> {
  const incomplete: Run["incomplete"] = [];
  const events: ProgressEvent[] = [];
  const context: CollectorContext = {
    tenantId: tenant.tenantId,
    subscriptionId,
    credential: staticTokenCredential("replay-token"),
    arm: { retry: { maxRetries: 6, maxRetryDelayMs: 20 }, ...server.connection() },
    signal: new AbortController().signal,
    limit: options.limit ?? pLimit(8),
    logger: noopLogger,
    coverage: { incomplete: (type, reason) => incomplete.push({ type, reason }) },
    onProgress: (event) => events.push(event),
  };
  const records: JsonObject[] = [];
  for await (const record of (options.collector ?? governanceCollector()).collect(context))
    records.push(record);
  return { records, incomplete, events };
}

const byId = (a: JsonObject, b: JsonObject) =>
  String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());

/** The resources whose diagnostic settings the collector reads: the tenant's of the default target types. */
function targetsOf(): JsonObject[] {
  return resourcesOf(tenant, { types: DEFAULT_DIAGNOSTIC_TARGETS, subscriptionId }).filter(
    (resource) => String(resource.id).split("/").length === 9,
  );
}

beforeAll(async () => {
  tenant = generateTenant({
    seed: "governance-collector",
    resources: 240,
    subscriptions: 2,
    mix: {
      keyVault: 3,
      networkSecurityGroup: 2,
      storageAccount: 2,
      roleAssignment: 2,
      policyDefinition: 2,
      policySetDefinition: 1,
      policyAssignment: 4,
      policyExemption: 1,
      managementLock: 2,
      diagnosticSetting: 4,
      activityLogAlert: 1,
    },
  });
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  tenant.subscriptions[0]!.managementGroups = ["mg-contoso-landing-zones"];
  // Inherited from a management group: ARM lists it with the subscription's, but it is not the subscription's.
  putResource(tenant, {
    id: "/providers/Microsoft.Management/managementGroups/mg-contoso-landing-zones/providers/Microsoft.Authorization/policyAssignments/deny-public-ip",
    type: GOVERNANCE_TYPES.policyAssignment,
    name: "deny-public-ip",
    properties: {
      displayName: "Deny public IPs",
      policyDefinitionId:
        "/providers/Microsoft.Authorization/policyDefinitions/6c112d4e-5bc7-47ae-a041-ea2d9dccd749",
      scope: "/providers/Microsoft.Management/managementGroups/mg-contoso-landing-zones",
      enforcementMode: "Default",
    },
  });
  server = await startArmReplayServer({ tenant, pageSize: 5 });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.setFaults({});
  server.resetStats();
});

describe("governanceCollector against the ARM replay server", () => {
  test("collects every governance resource of the subscription as raw ARM JSON", async () => {
    const expected = resourcesOf(tenant, { types: ALL_TYPES, subscriptionId }).sort(byId);
    const { records, incomplete } = await collect();
    expect(incomplete).toEqual([]);
    expect(records.sort(byId)).toEqual(expected);
    const types = new Set(records.map((record) => String(record.type).toLowerCase()));
    expect([...types].sort()).toEqual(ALL_TYPES.map((type) => type.toLowerCase()).sort());
    // Raw ARM shape: the SDK's models would lift enforcementMode and level out of `properties`.
    const assignment = records.find((record) => record.type === GOVERNANCE_TYPES.policyAssignment);
    expect(assignment).toHaveProperty("properties.enforcementMode");
    expect(assignment).not.toHaveProperty("enforcementMode");
    // The management group's assignment is listed by ARM but left out.
    expect(records.some((record) => String(record.id).includes("managementGroups"))).toBe(false);
    expect(server.stats.byRoute["list microsoft.authorization/policyassignments"]).toBeGreaterThan(0);
  });

  test("requests: one list per type, one generic resources list, one diagnostic-settings read per key resource", async () => {
    const { records } = await collect();
    const targets = targetsOf();
    expect(targets.length).toBeGreaterThan(5);
    const pages = (type: string) =>
      Math.max(1, Math.ceil(resourcesOf(tenant, { types: [type] }).filter((r) => isListed(r)).length / 5));
    const isListed = (resource: JsonObject) =>
      String(resource.id).toLowerCase().startsWith(`/subscriptions/${subscriptionId}/`) ||
      String(resource.id).includes("managementGroups");
    expect(server.stats.byRoute).toEqual({
      "list microsoft.authorization/policyassignments": pages(GOVERNANCE_TYPES.policyAssignment),
      "list microsoft.authorization/policydefinitions": pages(GOVERNANCE_TYPES.policyDefinition),
      "list microsoft.authorization/policysetdefinitions": pages(GOVERNANCE_TYPES.policySetDefinition),
      "list microsoft.authorization/policyexemptions": pages(GOVERNANCE_TYPES.policyExemption),
      "list microsoft.authorization/locks": pages(GOVERNANCE_TYPES.managementLock),
      "list microsoft.insights/activitylogalerts": 1,
      "list resources": Math.ceil(targets.length / 5),
      // The subscription's own, then one per key vault (and Recovery Services vault).
      "list microsoft.insights/diagnosticsettings": 1 + targets.length,
    });
    const settings = records.filter((record) => record.type === GOVERNANCE_TYPES.diagnosticSetting);
    expect(settings.some((setting) => /^\/subscriptions\/[^/]+\/providers\//i.test(String(setting.id)))).toBe(
      true,
    );
    expect(settings.some((setting) => /\/Microsoft\.KeyVault\/vaults\//i.test(String(setting.id)))).toBe(
      true,
    );
  });

  test("custom definitions only: a built-in served under the subscription is left out", async () => {
    const [definition] = resourcesOf(tenant, { types: [GOVERNANCE_TYPES.policyDefinition], subscriptionId });
    const builtIn: JsonObject = structuredClone(definition!);
    builtIn.id = `${definition!.id}-builtin`;
    builtIn.name = `${definition!.name}-builtin`;
    (builtIn.properties as JsonObject).policyType = "BuiltIn";
    putResource(tenant, builtIn);
    try {
      const { records } = await collect({
        collector: governanceCollector({ include: ["policyDefinition"] }),
      });
      expect(records.map((record) => record.id).sort()).toEqual(
        resourcesOf(tenant, { types: [GOVERNANCE_TYPES.policyDefinition], subscriptionId })
          .filter((item) => item !== builtIn)
          .map((item) => item.id)
          .sort(),
      );
    } finally {
      removeResource(tenant, String(builtIn.id));
    }
  });

  test("a 403 on locks makes locks incomplete and still collects the other types", async () => {
    server.setFaults({ forbidden: [{ type: GOVERNANCE_TYPES.managementLock }] });
    const { records, incomplete } = await collect();
    expect(incomplete.map((entry) => entry.type)).toEqual([GOVERNANCE_TYPES.managementLock]);
    expect(incomplete[0]?.reason).toMatch(/HTTP 403/);
    expect(records.sort(byId)).toEqual(
      resourcesOf(tenant, {
        types: ALL_TYPES.filter((type) => type !== GOVERNANCE_TYPES.managementLock),
        subscriptionId,
      }).sort(byId),
    );
  });

  test("a 403 on diagnostic settings makes that type incomplete, not removed", async () => {
    server.setFaults({ forbidden: [{ type: GOVERNANCE_TYPES.diagnosticSetting }] });
    const { records, incomplete } = await collect();
    expect([...new Set(incomplete.map((entry) => entry.type))]).toEqual([GOVERNANCE_TYPES.diagnosticSetting]);
    expect(records.some((record) => record.type === GOVERNANCE_TYPES.diagnosticSetting)).toBe(false);
    expect(records.length).toBe(
      resourcesOf(tenant, {
        types: ALL_TYPES.filter((type) => type !== GOVERNANCE_TYPES.diagnosticSetting),
        subscriptionId,
      }).length,
    );
  });

  test("exemptions are read raw at their api-version (the SDK has no operation for them)", async () => {
    const { records } = await collect({ collector: governanceCollector({ include: ["policyExemption"] }) });
    const expected = resourcesOf(tenant, { types: [GOVERNANCE_TYPES.policyExemption], subscriptionId });
    expect(expected.length).toBeGreaterThan(0);
    expect(records.sort(byId)).toEqual(expected.sort(byId));
    expect(Object.keys(server.stats.byRoute)).toEqual(["list microsoft.authorization/policyexemptions"]);
  });

  test("diagnosticTargets [] reads the subscription's settings only, in one request", async () => {
    const only = await collect({
      collector: governanceCollector({ include: ["diagnosticSetting"], diagnosticTargets: [] }),
    });
    expect(only.records.map((record) => String(record.id)).sort()).toEqual(
      resourcesOf(tenant, { types: [RESOURCE_TYPES.diagnosticSetting], subscriptionId })
        .map((setting) => String(setting.id))
        .filter((id) => /^\/subscriptions\/[^/]+\/providers\//i.test(id))
        .sort(),
    );
    expect(server.stats.byRoute).toEqual({ "list microsoft.insights/diagnosticsettings": 1 });
  });

  test("EXTENDED_DIAGNOSTIC_TARGETS also reads the settings of NSGs and storage accounts, one request each", async () => {
    const [nsg] = resourcesOf(tenant, { types: [RESOURCE_TYPES.networkSecurityGroup], subscriptionId });
    const setting: JsonObject = {
      id: `${nsg!.id}/providers/microsoft.insights/diagnosticSettings/nsg-events`,
      type: GOVERNANCE_TYPES.diagnosticSetting,
      name: "nsg-events",
      properties: {
        workspaceId: `/subscriptions/${subscriptionId}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law`,
        logs: [{ category: "NetworkSecurityGroupEvent", categoryGroup: null, enabled: true }],
      },
    };
    putResource(tenant, setting);
    try {
      const plain = await collect({ collector: governanceCollector({ include: ["diagnosticSetting"] }) });
      expect(plain.records.map((record) => record.id)).not.toContain(setting.id);
      server.resetStats();
      const extended = await collect({
        collector: governanceCollector({
          include: ["diagnosticSetting"],
          diagnosticTargets: EXTENDED_DIAGNOSTIC_TARGETS,
        }),
      });
      expect(extended.records.map((record) => record.id)).toContain(setting.id);
      const targets = resourcesOf(tenant, { types: EXTENDED_DIAGNOSTIC_TARGETS, subscriptionId }).filter(
        (resource) => String(resource.id).split("/").length === 9,
      );
      expect(server.stats.byRoute["list microsoft.insights/diagnosticsettings"]).toBe(1 + targets.length);
    } finally {
      removeResource(tenant, String(setting.id));
    }
  });

  test("listings run side by side, never beyond the shared limiter", async () => {
    server.setFaults({ latencyMs: 10 });
    const { records } = await collect({ limit: pLimit(3) });
    expect(records.length).toBeGreaterThan(0);
    expect(server.stats.maxInFlight).toBeGreaterThan(1);
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(3);
  });

  test("bad options are a DriftError E_INPUT that says what to pass", () => {
    const thrown = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const include = thrown(() => governanceCollector({ include: ["blueprint" as never] }));
    expect(isDriftError(include, "E_INPUT")).toBe(true);
    expect((include as Error).message).toMatch(/unknown types \(blueprint\); use some of policyAssignment, /);
    const targets = thrown(() => governanceCollector({ diagnosticTargets: ["KeyVault"] }));
    expect(isDriftError(targets, "E_INPUT")).toBe(true);
    expect((targets as Error).message).toMatch(
      /top-level ARM types such as Microsoft\.KeyVault\/vaults; got KeyVault/,
    );
  });

  test("the collector is named and declares its types with hints", () => {
    const collector = governanceCollector();
    expect(collector.name).toBe(NAME);
    expect(collector.domain).toBe("governance");
    expect(collector.types.map((type) => type.type).sort()).toEqual([...ALL_TYPES].sort());
    expect(
      collector.types.find((type) => type.type === GOVERNANCE_TYPES.diagnosticSetting)?.keyedArrays,
    ).toEqual({
      "properties.logs": ["category|categoryGroup"],
      "properties.metrics": ["category|categoryGroup"],
    });
  });
});
