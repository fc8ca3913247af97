import {
  createDriftDetector,
  createMemoryStore,
  type DriftDetector,
  parseResourceId,
  staticTokenCredential,
} from "@azure-drift/core";
import {
  type ArmReplayServer,
  filterTruth,
  generateTenant,
  mutateTenant,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
  targetedThenFull,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SECURITY_TYPES, securityCollector } from "../src/index.js";

const TYPES = Object.values(SECURITY_TYPES);
const T = SECURITY_TYPES;
// biome-ignore lint/suspicious/noExplicitAny: the test edits ARM JSON at arbitrary depth, like a user in the portal.
type Json = Record<string, any>;

let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;
let detector: DriftDetector;

beforeAll(async () => {
  tenant = generateTenant({
    seed: "security-targeted",
    resources: 120,
    subscriptions: 1,
    mix: { storageAccount: 3, sqlServer: 2, defenderPricing: 1, securityContact: 1, securitySetting: 1 },
  });
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  server = await startArmReplayServer({ tenant, pageSize: 25 });
  detector = createDriftDetector({
    collectors: [securityCollector()],
    store: createMemoryStore(),
    credential: staticTokenCredential("replay-token"),
    arm: { ...server.connection(), retry: { maxRetries: 2, maxRetryDelayMs: 20 } },
  });
});
afterAll(async () => {
  await server?.close();
});

describe("targeted check with the security collector (replay server, real @azure/arm-* clients)", () => {
  test("each changed resource read by id is reported exactly as the full check reports it, one GET each", async () => {
    await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
    const { changes } = mutateTenant(tenant, { churn: 0.2, seed: 11, noise: 0.1, types: TYPES });
    const truth = filterTruth(changes, TYPES);
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    // A SQL server asked for is read with its four child listings; its child ids are then read with it.
    const [sqlServer] = resourcesOf(tenant, { types: [T.sqlServer], subscriptionId }) as Json[];
    const ids = [...new Set([...truth.map((change) => change.id), String(sqlServer!.id)])];
    server.resetStats();

    let routes: Record<string, number> = {};
    const { targeted, fullOfTargets } = await targetedThenFull(
      detector,
      { tenantId: tenant.tenantId, subscriptionId, resourceIds: ids },
      { afterTargeted: () => (routes = { ...server.stats.byRoute }) },
    );

    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual(
      [...new Set(truth.map((change) => change.key))].sort(),
    );
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);
    // One GET per id, but a child of a server asked for is read with it: four listings per server found.
    const servers = ids
      .filter((id) => parseResourceId(id).type === T.sqlServer)
      .map((id) => id.toLowerCase());
    const expected: Record<string, number> = {};
    const count = (route: string) => {
      expected[route] = (expected[route] ?? 0) + 1;
    };
    for (const id of ids) {
      if (servers.some((server) => id.toLowerCase().startsWith(`${server}/`))) continue;
      count(`get ${String(parseResourceId(id).type).toLowerCase()}`);
    }
    for (const key of servers) {
      if (!tenant.resources.has(key)) continue;
      for (const child of [
        "firewallrules",
        "auditingsettings",
        "securityalertpolicies",
        "azureadonlyauthentications",
      ])
        count(`list microsoft.sql/servers/${child}`);
    }
    expect(routes).toEqual(expected);
  });

  test("a 403 on a storage account's GET is unknown, not unchanged", async () => {
    const [account] = resourcesOf(tenant, { types: [T.storageAccount], subscriptionId }) as Json[];
    account!.properties.minimumTlsVersion = "TLS1_0";
    server.setFaults({ forbidden: [{ type: T.storageAccount }] });
    try {
      const { report } = await detector.checkResources({
        tenantId: tenant.tenantId,
        subscriptionId,
        resourceIds: [String(account!.id)],
      });
      expect(report.resources).toEqual([]);
      expect(report.unknown).toEqual([
        {
          id: account!.id,
          scope: subscriptionId,
          type: T.storageAccount,
          collector: "security",
          reason: expect.stringMatching(
            /^could not be read: HTTP 403 reading Microsoft\.Storage\/storageAccounts/,
          ),
        },
      ]);
    } finally {
      server.setFaults({});
    }
  });
});
