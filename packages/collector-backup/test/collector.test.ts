import type { CollectorContext, JsonObject, Limiter } from "@azure-drift/core";
import { isDriftError, noopLogger, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  RESOURCE_TYPES,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import pLimit from "p-limit";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { BACKUP_TYPES, backupCollector, NAME } from "../src/index.js";
import { backupTenant } from "./tenant.js";

const ALL_TYPES = Object.values(BACKUP_TYPES);
const VAULT_CHILD_TYPES = [
  BACKUP_TYPES.backupPolicy,
  BACKUP_TYPES.protectedItem,
  BACKUP_TYPES.backupStorageConfig,
  BACKUP_TYPES.backupEncryptionConfig,
  BACKUP_TYPES.resourceGuardProxy,
];
let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;

interface Run {
  records: JsonObject[];
  incomplete: { type: string; reason: string }[];
}

async function collect(
  options: { collector?: ReturnType<typeof backupCollector>; limit?: Limiter } = {},
): Promise<Run> {
  const incomplete: Run["incomplete"] = [];
  const context: CollectorContext = {
    tenantId: tenant.tenantId,
    subscriptionId,
    credential: staticTokenCredential("replay-token"),
    arm: { ...server.connection(), retry: { maxRetries: 3, maxRetryDelayMs: 20 } },
    signal: new AbortController().signal,
    limit: options.limit ?? pLimit(8),
    logger: noopLogger,
    coverage: { incomplete: (type, reason) => incomplete.push({ type, reason }) },
    onProgress: () => {},
  };
  const records: JsonObject[] = [];
  for await (const record of (options.collector ?? backupCollector()).collect(context)) records.push(record);
  return { records, incomplete };
}

const byId = (a: JsonObject, b: JsonObject) =>
  String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());
const idsOf = (records: JsonObject[]) => records.map((record) => String(record.id).toLowerCase()).sort();
const expected = (types: readonly string[] = ALL_TYPES) => resourcesOf(tenant, { types, subscriptionId });
const incompleteTypes = (run: Run) => [...new Set(run.incomplete.map((entry) => entry.type))].sort();

beforeAll(async () => {
  tenant = backupTenant("backup-collector", 24);
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  server = await startArmReplayServer({ tenant, pageSize: 100 });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.setFaults({});
  server.resetStats();
});

describe("backupCollector against the ARM replay server", () => {
  test("collects every backup record of the subscription as raw ARM JSON, vaults as their GET returns them", async () => {
    const run = await collect();
    expect(run.incomplete).toEqual([]);
    expect(run.records.sort(byId)).toEqual(expected().sort(byId));
    expect(new Set(run.records.map((record) => record.type))).toEqual(new Set(ALL_TYPES));
    // The vaults' security and redundancy settings, which their list leaves out, are in the records.
    const vaults = run.records.filter((record) => record.type === BACKUP_TYPES.vault);
    expect(vaults.length).toBeGreaterThan(1);
    for (const vault of vaults) {
      expect(vault).toHaveProperty("properties.securitySettings.softDeleteSettings.softDeleteState");
      expect(vault).toHaveProperty("properties.redundancySettings.crossRegionRestore");
    }
  });

  test("the budget: one list per parent type, one GET per vault, one call per child collection per parent", async () => {
    const run = await collect();
    const vaults = expected([BACKUP_TYPES.vault]).length;
    const accounts = resourcesOf(tenant, { types: [RESOURCE_TYPES.storageAccount], subscriptionId }).length;
    expect(server.stats.byRoute).toEqual({
      "list microsoft.recoveryservices/vaults": 1,
      "get microsoft.recoveryservices/vaults": vaults,
      "list microsoft.recoveryservices/vaults/backuppolicies": vaults,
      "list microsoft.recoveryservices/vaults/backupprotecteditems": vaults,
      "get microsoft.recoveryservices/vaults/backupstorageconfig": vaults,
      "get microsoft.recoveryservices/vaults/backupencryptionconfigs": vaults,
      "list microsoft.recoveryservices/vaults/backupresourceguardproxies": vaults,
      "list microsoft.storage/storageaccounts": 1,
      "list microsoft.storage/storageaccounts/blobservices": accounts,
      "list microsoft.storage/storageaccounts/fileservices": accounts,
    });
    expect(server.stats.requests).toBe(2 + 6 * vaults + 2 * accounts);
    expect(run.records.length / server.stats.requests).toBeGreaterThan(1);
  });

  test("a vault whose GET fails is left out and makes the vaults unknown; its children and the other vaults are still read", async () => {
    const [failing, ...others] = expected([BACKUP_TYPES.vault]);
    server.setFaults({ forbidden: [{ resourceId: String(failing!.id) }] });
    const run = await collect();
    expect(incompleteTypes(run)).toEqual([BACKUP_TYPES.vault]);
    expect(run.incomplete[0]?.reason).toMatch(/HTTP 403 reading Microsoft\.RecoveryServices\/vaults/);
    const vaultIds = idsOf(run.records.filter((record) => record.type === BACKUP_TYPES.vault));
    expect(vaultIds).toEqual(idsOf(others));
    const failingKey = String(failing!.id).toLowerCase();
    expect(
      idsOf(run.records.filter((record) => String(record.id).toLowerCase().startsWith(`${failingKey}/`))),
    ).toEqual(
      idsOf(
        expected(VAULT_CHILD_TYPES).filter((child) =>
          String(child.id).toLowerCase().startsWith(`${failingKey}/`),
        ),
      ),
    );
  });

  test("a 403 on protected items makes that type incomplete and still collects the others", async () => {
    server.setFaults({ forbidden: [{ type: BACKUP_TYPES.protectedItem }] });
    const run = await collect();
    expect(incompleteTypes(run)).toEqual([BACKUP_TYPES.protectedItem]);
    expect(run.incomplete[0]?.reason).toMatch(/HTTP 403/);
    expect(run.records.sort(byId)).toEqual(
      expected(ALL_TYPES.filter((type) => type !== BACKUP_TYPES.protectedItem)).sort(byId),
    );
  });

  test("when the vaults cannot be listed, they and every child type of theirs are incomplete; storage is not", async () => {
    server.setFaults({ forbidden: [{ type: BACKUP_TYPES.vault }] });
    const run = await collect();
    expect(incompleteTypes(run)).toEqual([BACKUP_TYPES.vault, ...VAULT_CHILD_TYPES].sort());
    expect(run.records.sort(byId)).toEqual(
      expected([BACKUP_TYPES.blobService, BACKUP_TYPES.fileService]).sort(byId),
    );
  });

  test("when the storage accounts cannot be listed, their blob and file services are incomplete", async () => {
    server.setFaults({ forbidden: [{ type: RESOURCE_TYPES.storageAccount }] });
    const run = await collect();
    expect(incompleteTypes(run)).toEqual([BACKUP_TYPES.blobService, BACKUP_TYPES.fileService].sort());
    expect(run.incomplete[0]?.reason).toMatch(/storage accounts could not all be listed.*HTTP 403/);
    expect(run.records.sort(byId)).toEqual(expected([BACKUP_TYPES.vault, ...VAULT_CHILD_TYPES]).sort(byId));
  });

  test("a blob-only account's file service is not asked for (ARM has none)", async () => {
    const account = resourcesOf(tenant, { types: [RESOURCE_TYPES.storageAccount], subscriptionId })[0]!;
    const kind = String(account.kind);
    account.kind = "BlobStorage";
    try {
      const run = await collect({ collector: backupCollector({ include: ["fileService"] }) });
      expect(run.incomplete).toEqual([]);
      const accountKey = String(account.id).toLowerCase();
      expect(idsOf(run.records)).toEqual(
        idsOf(
          expected([BACKUP_TYPES.fileService]).filter(
            (item) => !String(item.id).toLowerCase().startsWith(`${accountKey}/`),
          ),
        ),
      );
    } finally {
      account.kind = kind;
    }
  });

  test("include collects only the chosen types, and asks only what they need", async () => {
    const run = await collect({ collector: backupCollector({ include: ["backupPolicy", "blobService"] }) });
    expect(run.records.sort(byId)).toEqual(
      expected([BACKUP_TYPES.backupPolicy, BACKUP_TYPES.blobService]).sort(byId),
    );
    expect(Object.keys(server.stats.byRoute).sort()).toEqual([
      "list microsoft.recoveryservices/vaults",
      "list microsoft.recoveryservices/vaults/backuppolicies",
      "list microsoft.storage/storageaccounts",
      "list microsoft.storage/storageaccounts/blobservices",
    ]);
  });

  test("reads run side by side, never beyond the shared limiter", async () => {
    server.setFaults({ latencyMs: 10 });
    const run = await collect({ limit: pLimit(3) });
    expect(run.records.length).toBeGreaterThan(0);
    expect(server.stats.maxInFlight).toBeGreaterThan(1);
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(3);
  });

  test("include with an unknown type is a DriftError E_INPUT that lists the known ones", () => {
    const error = (() => {
      try {
        backupCollector({ include: ["backupVault" as never] });
      } catch (caught) {
        return caught;
      }
    })();
    expect(isDriftError(error, "E_INPUT")).toBe(true);
    expect((error as Error).message).toMatch(
      /unknown types \(backupVault\); use some of vault, backupPolicy, /,
    );
  });

  test("the collector is named and declares its types with hints", () => {
    const collector = backupCollector();
    expect(collector.name).toBe(NAME);
    expect(collector.domain).toBe("backup");
    expect(collector.types.map((type) => type.type).sort()).toEqual([...ALL_TYPES].sort());
    expect(collector.types.find((type) => type.type === BACKUP_TYPES.protectedItem)?.volatile).toContain(
      "properties.lastBackupTime",
    );
  });
});
