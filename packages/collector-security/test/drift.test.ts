import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FieldChange, ResourceDrift } from "@azure-drift/core";
import { createDriftDetector, staticTokenCredential } from "@azure-drift/core";
import { createFileStore } from "@azure-drift/store-file";
import {
  filterTruth,
  generateTenant,
  mutateTenant,
  putResource,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import { expect, test } from "vitest";
import { SECURITY_TYPES, securityCollector } from "../src/index.js";

const TYPES = Object.values(SECURITY_TYPES);
const T = SECURITY_TYPES;

// biome-ignore lint/suspicious/noExplicitAny: the test edits ARM JSON at arbitrary depth, like a user in the portal.
type Json = Record<string, any>;

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

/** Every file under `directory`, read as bytes. */
async function allBytes(directory: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(await readFile(join(entry.parentPath, entry.name)));
  }
  return out;
}

/** Secrets planted where ARM never puts them: a write-only access key, a SAS URL, a connection string, a password. */
function plantSecrets(tenant: Tenant, subscriptionId: string, generation: string): string[] {
  const secrets = [
    `c2VjdXJpdHktYXVkaXQta2V5LSR7Z2VufQ${generation}==`,
    `sig-${generation}-Zm9vYmFyYmF6cXV4`,
    `YWNjb3VudC1rZXktc2VjcmV0${generation}==`,
    `Pa55-${generation}-w0rd!`,
  ];
  const first = (type: string) => resourcesOf(tenant, { types: [type], subscriptionId })[0] as Json;
  first(T.sqlAuditingSetting).properties.storageAccountAccessKey = secrets[0];
  first(T.sqlSecurityAlertPolicy).properties.storageEndpoint =
    `https://staudit.blob.core.windows.net/?sv=2022-11-02&ss=b&sig=${secrets[1]}`;
  first(T.storageAccount).properties.customDomain = {
    name: `DefaultEndpointsProtocol=https;AccountName=stx;AccountKey=${secrets[2]};EndpointSuffix=core.windows.net`,
  };
  const plan = resourcesOf(tenant, { types: [T.pricing], subscriptionId }).find(
    (pricing) => (pricing as Json).properties.extensions,
  ) as Json;
  plan.properties.extensions[0].additionalExtensionProperties = {
    ...plan.properties.extensions[0].additionalExtensionProperties,
    ExportTarget: `Server=tcp:siem.contoso.com;User ID=export;Password=${secrets[3]};`,
  };
  return secrets;
}

/** Changes to what is not configuration: countdowns, stamps, coverage, health, the server's mirror of Entra-only auth. */
function volatileNoise(tenant: Tenant): void {
  for (const resource of resourcesOf(tenant, { types: TYPES }) as Json[]) {
    const properties = resource.properties ?? {};
    switch (resource.type) {
      case T.pricing:
        properties.freeTrialRemainingTime = "P12DT3H";
        if (properties.pricingTier === "Standard") {
          properties.enablementTime = "2026-11-30T08:00:00.0000000Z";
          properties.resourcesCoverageStatus = "NotCovered";
        }
        for (const extension of properties.extensions ?? [])
          extension.operationStatus = { code: "Failed", message: "Transient" };
        break;
      case T.storageAccount:
        properties.keyCreationTime = {
          key1: "2026-12-01T00:00:00.0000000Z",
          key2: "2026-12-01T00:00:00.0000000Z",
        };
        properties.encryption.services.blob.lastEnabledTime = "2026-12-01T00:00:00.0000000Z";
        properties.statusOfPrimary = "unavailable";
        if (properties.encryption.keyvaultproperties) {
          properties.encryption.keyvaultproperties.currentVersionedKeyIdentifier =
            "https://kv.vault.azure.net/keys/k/new";
          properties.encryption.keyvaultproperties.lastKeyRotationTimestamp = "2026-12-01T00:00:00.0000000Z";
        }
        break;
      case T.sqlServer:
        if (properties.administrators)
          properties.administrators.azureADOnlyAuthentication =
            !properties.administrators.azureADOnlyAuthentication;
        break;
      case T.sqlSecurityAlertPolicy:
        properties.creationTime = "2026-12-01T00:00:00.0000000Z";
        break;
    }
  }
}

test("collect → mutate → check reports exactly the mutator's truth and the story, with security severities; no noise, no secret, a 403 slice unknown", {
  timeout: 120_000,
}, async () => {
  const tenant = generateTenant({
    seed: "security-drift",
    resources: 160,
    subscriptions: 2,
    mix: {
      storageAccount: 3,
      sqlServer: 2,
      defenderPricing: 1,
      securityContact: 1,
      autoProvisioningSetting: 1,
      securitySetting: 1,
    },
  });
  const subscriptions = tenant.subscriptions.map((subscription) => subscription.subscriptionId);
  const [subscriptionId] = subscriptions as [string];
  const directory = await mkdtemp(join(tmpdir(), "azd-security-drift-"));
  const server = await startArmReplayServer({ tenant, pageSize: 25 });
  try {
    const detector = createDriftDetector({
      collectors: [securityCollector()],
      store: await createFileStore({ directory, compression: "none" }),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 6, maxRetryDelayMs: 20 } },
      concurrency: 8,
    });
    const planted = plantSecrets(tenant, subscriptionId, "one");
    const first = await detector.check({ tenantId: tenant.tenantId, subscriptions });
    expect(first.snapshot.coverage.every((entry) => entry.complete)).toBe(true);

    // A storage account added or removed brings its blob and file services along (the backup
    // collector's records): the truth here is the security collector's slice of it.
    const { changes: all } = mutateTenant(tenant, { churn: 0.15, seed: 5, noise: 0.1, types: TYPES });
    const changes = filterTruth(all, TYPES);
    expect(changes.filter((change) => change.status === "modified").length).toBeGreaterThan(10);
    const touched = new Set(changes.map((change) => change.key));
    const untouched = (type: string, filter: (resource: Json) => boolean = () => true) =>
      (resourcesOf(tenant, { types: [type], subscriptionId }) as Json[]).find(
        (resource) => !touched.has(String(resource.id).toLowerCase()) && filter(resource),
      ) as Json;

    // The story: Defender for Endpoint integration off, SQL opened to the internet, a storage
    // account's customer-managed key dropped.
    const wdatp = untouched(T.setting, (setting) => setting.name === "WDATP");
    wdatp.properties.enabled = false;
    const sqlServer = untouched(T.sqlServer);
    const openRule: Json = {
      id: `${sqlServer.id}/firewallRules/temp-open-all`,
      name: "temp-open-all",
      type: T.sqlFirewallRule,
      properties: { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" },
    };
    putResource(tenant, openRule);
    const account = untouched(
      T.storageAccount,
      (candidate) => candidate.properties.encryption.keyvaultproperties,
    );
    account.properties.encryption.keySource = "Microsoft.Storage";
    delete account.properties.encryption.keyvaultproperties;

    volatileNoise(tenant);
    const secrets = [...planted, ...plantSecrets(tenant, subscriptionId, "two")];
    // Security contacts cannot be read this time: their slice is unknown, never removed or modified.
    server.setFaults({ forbidden: [{ type: T.securityContact }] });

    const second = await detector.check({ tenantId: tenant.tenantId, subscriptions });
    const report = second.report;
    const truth = [
      // The truth as this collector sees it: an added or removed server or account also brings or
      // takes children other collectors own (its encryption protector, its encryption scopes).
      ...filterTruth(changes, TYPES).filter((change) => change.type !== T.securityContact),
      { key: String(wdatp.id).toLowerCase(), status: "modified" as const, paths: ["properties.enabled"] },
      { key: String(openRule.id).toLowerCase(), status: "added" as const, paths: [] },
      {
        key: String(account.id).toLowerCase(),
        status: "modified" as const,
        paths: ["properties.encryption.keySource", "properties.encryption.keyvaultproperties"],
      },
    ]
      .map(({ key, status, paths }) => ({ key, status, paths: [...paths].sort() }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(asTruth(report.resources)).toEqual(truth);

    // The contacts' slice is unknown in each subscription, and no contact is reported.
    expect(report.unknown.length).toBeGreaterThan(0);
    expect(
      report.unknown.every((entry) => entry.type?.toLowerCase() === T.securityContact.toLowerCase()),
    ).toBe(true);
    expect(report.resources.some((drift) => drift.type === T.securityContact)).toBe(false);

    const findings = (id: unknown) =>
      report.resources
        .find((drift) => drift.key === String(id).toLowerCase())
        ?.changes.map(({ path, kind, before, after, severity, ruleId }: FieldChange) => ({
          path,
          kind,
          before,
          after,
          severity,
          ruleId,
        }));
    expect(findings(wdatp.id)).toEqual([
      {
        path: "properties.enabled",
        kind: "changed",
        before: true,
        after: false,
        severity: "high",
        ruleId: "security/wdatp-integration-off",
      },
    ]);
    expect(findings(openRule.id)).toEqual([
      {
        path: "",
        kind: "added",
        before: undefined,
        after: undefined,
        severity: "critical",
        ruleId: "security/sql-firewall-allows-internet",
      },
    ]);
    expect(findings(account.id)?.find((change) => change.path === "properties.encryption.keySource")).toEqual(
      {
        path: "properties.encryption.keySource",
        kind: "changed",
        before: "Microsoft.Keyvault",
        after: "Microsoft.Storage",
        severity: "high",
        ruleId: "security/storage-customer-key-removed",
      },
    );
    // The mutator's downgrades, widened rules and disabled auditing carry the security severities too.
    const severities = new Map(
      report.resources.flatMap((drift) => drift.changes.map((change) => [change.ruleId, change.severity])),
    );
    for (const [ruleId, severity] of severities) {
      if (ruleId?.startsWith("security/")) {
        const rule = securityCollector().rules?.find((candidate) => candidate.id === ruleId);
        expect(rule?.severity).toBe(severity);
      }
    }
    expect([...severities.keys()].filter((id) => id?.startsWith("security/")).length).toBeGreaterThan(4);

    // No planted secret reached the report or any byte of the store.
    const reportText = JSON.stringify(report);
    const stored = await allBytes(directory);
    expect(stored.length).toBeGreaterThan(2);
    for (const secret of secrets) {
      expect(reportText).not.toContain(secret);
      for (const bytes of stored) expect(bytes.includes(secret)).toBe(false);
    }
  } finally {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
});
