import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriftReport, ResourceDrift } from "@azure-drift/core";
import { createDriftDetector, staticTokenCredential } from "@azure-drift/core";
import { createFileStore } from "@azure-drift/store-file";
import {
  type ArmReplayServer,
  filterTruth,
  generateTenant,
  mutateTenant,
  putResource,
  removeResource,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import { afterEach, describe, expect, test } from "vitest";
import { ENCRYPTION_TYPES, encryptionCollector } from "../src/index.js";
import { ENCRYPTION_MIX } from "./tenant-mix.js";

const TYPES = Object.values(ENCRYPTION_TYPES);

// Planted where a collector could carry them along: a SAS URL, a connection string, a password.
const SAS_SIGNATURE = "sig=Zm9yZ2VkLXNhcy1zaWduYXR1cmUtMDAx";
const ACCOUNT_KEY = "QWNjb3VudEtleUZvclRlc3RzT25seTEyMzQ1Njc4OTA=";
const PASSWORD = "Tr0ub4dor&3-encryption-drift";

let server: ArmReplayServer | undefined;
let directory: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

async function setUp(seed: string) {
  const tenant = generateTenant({ seed, resources: 200, subscriptions: 2, mix: ENCRYPTION_MIX });
  server = await startArmReplayServer({ tenant, pageSize: 10 });
  directory = await mkdtemp(join(tmpdir(), "encryption-drift-"));
  const detector = createDriftDetector({
    collectors: [encryptionCollector()],
    store: await createFileStore({ directory, compression: "none" }),
    credential: staticTokenCredential("replay-token"),
    arm: { ...server.connection(), retry: { maxRetries: 6, maxRetryDelayMs: 20 } },
    concurrency: 8,
  });
  const subscriptions = tenant.subscriptions.map((subscription) => subscription.subscriptionId);
  const check = () => detector.check({ tenantId: tenant.tenantId, subscriptions });
  return { tenant, check, subscriptionId: subscriptions[0] as string };
}

/** A report's resources in the truth's shape: paths of the field changes, sorted. */
function asTruth(resources: ResourceDrift[]) {
  return resources
    .map((drift) => ({
      key: drift.key,
      status: drift.status,
      paths:
        drift.status === "modified" ? [...new Set(drift.changes.map((change) => change.path))].sort() : [],
    }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The report reduced to what a reader checks: per resource its status and severity, per change its rule. */
function summary(report: DriftReport) {
  return report.resources
    .map((resource) => ({
      key: resource.key,
      status: resource.status,
      severity: resource.severity,
      changes: resource.changes.map((change) => [change.kind, change.path, change.severity, change.ruleId]),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Every byte the file store wrote, as text. */
async function storeBytes(root: string): Promise<string> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return (await Promise.all(files.map((file) => readFile(file, "utf8")))).join("\n");
}

// biome-ignore lint/suspicious/noExplicitAny: the test edits ARM JSON at arbitrary depth, as a user would.
type Json = Record<string, any>;
const firstOf = (
  tenant: Tenant,
  subscriptionId: string,
  type: string,
  filter: (resource: Json) => boolean = () => true,
) => resourcesOf(tenant, { types: [type], subscriptionId }).find((resource) => filter(resource)) as Json;

describe("encryption drift end to end (replay server → encryptionCollector → core's check → file store)", () => {
  test("the report equals the mutator's truth for the encryption types; noise is nothing; secrets never stored or reported", async () => {
    const { tenant, check } = await setUp("encryption-drift");
    for (const disk of resourcesOf(tenant, { types: [ENCRYPTION_TYPES.disk] }) as Json[]) {
      disk.properties.creationData.sourceUri = `https://stimport.blob.core.windows.net/vhds/${disk.name}.vhd?sv=2024-11-04&sr=b&${SAS_SIGNATURE}`;
    }
    for (const protector of resourcesOf(tenant, {
      types: [ENCRYPTION_TYPES.sqlEncryptionProtector],
    }) as Json[]) {
      protector.properties.note = `Server=tcp:x.database.windows.net;User ID=admin;Password=${PASSWORD};`;
    }
    for (const scope of resourcesOf(tenant, { types: [ENCRYPTION_TYPES.storageEncryptionScope] }) as Json[]) {
      scope.properties.migration = {
        source: `DefaultEndpointsProtocol=https;AccountName=old;AccountKey=${ACCOUNT_KEY}`,
      };
    }
    const first = await check();
    expect(first.report.resources).toEqual([]);
    expect(first.snapshot.coverage.every((entry) => entry.complete)).toBe(true);

    const { changes } = mutateTenant(tenant, { churn: 0.15, seed: 11, noise: 0.3, types: TYPES });
    const truth = filterTruth(changes, TYPES);
    expect(truth.length).toBeGreaterThan(10);
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    const { report } = await check();
    expect(asTruth(report.resources)).toEqual(
      truth
        .map(({ key, status, paths }) => ({ key, status, paths }))
        .sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    expect(report.unknown).toEqual([]);

    const written = await storeBytes(directory as string);
    const reported = JSON.stringify(report);
    // The planted fields reached the store, their values redacted.
    for (const field of ['"sourceUri"', '"note"', '"migration"', "[REDACTED]"])
      expect(written).toContain(field);
    for (const secret of [SAS_SIGNATURE, ACCOUNT_KEY, PASSWORD]) {
      expect(written).not.toContain(secret);
      expect(reported).not.toContain(secret);
    }
  }, 60_000);

  test("the story: each weakening gets its rule and severity; rotation, attach/detach and etags are nothing", async () => {
    const { tenant, check, subscriptionId } = await setUp("encryption-story");
    const first = (type: string, filter?: (resource: Json) => boolean) =>
      firstOf(tenant, subscriptionId, type, filter);
    const tde = first(ENCRYPTION_TYPES.sqlTransparentDataEncryption);
    const cmkDisk = first(ENCRYPTION_TYPES.disk, (disk) => disk.properties.encryption.diskEncryptionSetId);
    const platformDisk = first(
      ENCRYPTION_TYPES.disk,
      (disk) => !disk.properties.encryption.diskEncryptionSetId,
    );
    const protector = first(
      ENCRYPTION_TYPES.sqlEncryptionProtector,
      (p) => p.properties.serverKeyType === "AzureKeyVault",
    );
    const scope = first(
      ENCRYPTION_TYPES.storageEncryptionScope,
      (s) => s.properties.source === "Microsoft.KeyVault",
    );
    const key = first(
      ENCRYPTION_TYPES.key,
      (k) => k.properties.rotationPolicy && k.properties.attributes.exp,
    );
    const rotatedKey = first(ENCRYPTION_TYPES.key, (k) => k !== key);
    const vault = first(ENCRYPTION_TYPES.keyVault, (v) => !String(key.id).startsWith(`${v.id}/`));
    const hsm = first(ENCRYPTION_TYPES.managedHsm);
    const set = first(ENCRYPTION_TYPES.diskEncryptionSet);
    for (const found of [tde, cmkDisk, platformDisk, protector, scope, key, rotatedKey, vault, hsm, set]) {
      expect(found).toBeDefined();
    }
    // Auto rotation off from the start, so the switch below changes only the key's kind and identity.
    protector.properties.autoRotationEnabled = false;
    await check();

    tde.properties.state = "Disabled";
    cmkDisk.properties.encryption = { type: "EncryptionAtRestWithPlatformKey" };
    platformDisk.properties.networkAccessPolicy = "AllowAll";
    protector.properties = {
      serverKeyName: "ServiceManaged",
      serverKeyType: "ServiceManaged",
      subregion: protector.properties.subregion,
      autoRotationEnabled: false,
    };
    protector.kind = "servicemanaged";
    scope.properties.source = "Microsoft.Storage";
    delete scope.properties.keyVaultProperties;
    delete key.properties.rotationPolicy;
    delete key.properties.attributes.exp;
    // The vault deleted and created again under its name, without purge protection.
    removeResource(tenant, vault.id);
    const recreated = structuredClone(vault);
    delete recreated.properties.enablePurgeProtection;
    putResource(tenant, recreated);
    hsm.properties.publicNetworkAccess = "Enabled";
    // Noise: a key rotated, a disk detached, a set's key rotated, etags rewritten.
    rotatedKey.properties.keyUriWithVersion = `${rotatedKey.properties.keyUri}/00112233445566778899aabbccddeeff`;
    rotatedKey.properties.attributes.updated += 86_400;
    rotatedKey.properties.attributes.created += 86_400;
    platformDisk.properties.diskState = "Unattached";
    delete platformDisk.managedBy;
    platformDisk.properties.LastOwnershipUpdateTime = "2026-02-02T10:00:00.0000000+00:00";
    set.properties.lastKeyRotationTimestamp = "2026-02-02T10:00:00+00:00";
    set.properties.previousKeys = [structuredClone(set.properties.activeKey)];
    set.etag = 'W/"rewritten"';

    const { report } = await check();
    const keyOf = (resource: Json) => String(resource.id).toLowerCase();
    expect(summary(report)).toEqual(
      [
        {
          key: keyOf(tde),
          status: "modified",
          severity: "high",
          changes: [["changed", "properties.state", "high", "encryption/sql-tde-disabled"]],
        },
        {
          key: keyOf(cmkDisk),
          status: "modified",
          severity: "high",
          changes: [
            [
              "removed",
              "properties.encryption.diskEncryptionSetId",
              "high",
              "encryption/disk-encryption-set-removed",
            ],
            ["changed", "properties.encryption.type", "high", "encryption/disk-platform-key"],
          ],
        },
        {
          key: keyOf(platformDisk),
          status: "modified",
          severity: "high",
          changes: [
            ["changed", "properties.networkAccessPolicy", "high", "encryption/disk-network-access-allow-all"],
          ],
        },
        {
          key: keyOf(protector),
          status: "modified",
          severity: "high",
          changes: [
            ["changed", "kind", "low", undefined],
            ["changed", "properties.serverKeyName", "low", undefined],
            ["changed", "properties.serverKeyType", "high", "encryption/sql-protector-service-managed"],
            ["removed", "properties.thumbprint", "low", undefined],
            ["removed", "properties.uri", "low", undefined],
          ],
        },
        {
          key: keyOf(scope),
          status: "modified",
          severity: "high",
          changes: [
            ["removed", "properties.keyVaultProperties", "low", undefined],
            ["changed", "properties.source", "high", "encryption/scope-microsoft-managed-key"],
          ],
        },
        {
          key: keyOf(key),
          status: "modified",
          severity: "medium",
          changes: [
            ["removed", "properties.attributes.exp", "medium", "encryption/key-expiry-removed"],
            ["removed", "properties.rotationPolicy", "medium", "encryption/key-rotation-policy-removed"],
          ],
        },
        {
          key: keyOf(vault),
          status: "modified",
          severity: "high",
          changes: [
            [
              "removed",
              "properties.enablePurgeProtection",
              "high",
              "encryption/keyvault-purge-protection-off",
            ],
          ],
        },
        {
          key: keyOf(hsm),
          status: "modified",
          severity: "high",
          changes: [
            [
              "changed",
              "properties.publicNetworkAccess",
              "high",
              "encryption/managed-hsm-public-network-access-enabled",
            ],
          ],
        },
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
  }, 60_000);

  test("a 403 on disks in the second check: disks unknown, never removed; the other types still compared", async () => {
    const { tenant, check, subscriptionId } = await setUp("encryption-forbidden");
    await check();
    const disksBefore = resourcesOf(tenant, { types: [ENCRYPTION_TYPES.disk] })
      .map((resource) => String(resource.id).toLowerCase())
      .sort();
    const disk = firstOf(tenant, subscriptionId, ENCRYPTION_TYPES.disk);
    removeResource(tenant, disk.id);
    const tde = firstOf(tenant, subscriptionId, ENCRYPTION_TYPES.sqlTransparentDataEncryption);
    tde.properties.state = "Disabled";
    server?.setFaults({ forbidden: [{ type: ENCRYPTION_TYPES.disk }] });

    const { report } = await check();
    expect(report.resources.map((resource) => [resource.key, resource.status])).toEqual([
      [String(tde.id).toLowerCase(), "modified"],
    ]);
    // Every disk of the base snapshot is unknown (the one deleted too), none reported removed; nothing else is unknown.
    expect([...new Set(report.unknown.map((entry) => `${entry.collector} ${entry.type}`))]).toEqual([
      `encryption ${ENCRYPTION_TYPES.disk}`,
    ]);
    expect(
      report.unknown
        .filter((entry) => entry.id !== undefined)
        .map((entry) => String(entry.id).toLowerCase())
        .sort(),
    ).toEqual(disksBefore);
  }, 60_000);
});
