import https from "node:https";
import type { CollectorContext, JsonObject, ProgressEvent } from "@azure-drift/core";
import { isDriftError, noopLogger, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  putResource,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import pLimit from "p-limit";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ENCRYPTION_TYPES, encryptionCollector, NAME, transparentDataEncryptionId } from "../src/index.js";
import { ENCRYPTION_MIX } from "./tenant-mix.js";

const ALL_TYPES = Object.values(ENCRYPTION_TYPES);
const SQL_SERVERS = "Microsoft.Sql/servers";
const SQL_DATABASES = "Microsoft.Sql/servers/databases";
const STORAGE_ACCOUNTS = "Microsoft.Storage/storageAccounts";

let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;

interface Run {
  records: JsonObject[];
  incomplete: { type: string; reason: string }[];
  events: ProgressEvent[];
}

async function collect(collector = encryptionCollector()): Promise<Run> {
  const incomplete: Run["incomplete"] = [];
  const events: ProgressEvent[] = [];
  const context: CollectorContext = {
    tenantId: tenant.tenantId,
    subscriptionId,
    credential: staticTokenCredential("replay-token"),
    arm: { ...server.connection(), retry: { maxRetries: 6, maxRetryDelayMs: 20 } },
    signal: new AbortController().signal,
    limit: pLimit(8),
    logger: noopLogger,
    coverage: { incomplete: (type, reason) => incomplete.push({ type, reason }) },
    onProgress: (event) => events.push(event),
  };
  const records: JsonObject[] = [];
  for await (const record of collector.collect(context)) records.push(record);
  return { records, incomplete, events };
}

/** One GET to the replay server, trusting its CA (what ARM sends, before any client touches it). */
function getJson(path: string): Promise<JsonObject> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      `${server.url}${path}`,
      { ca: server.ca, headers: { authorization: "Bearer replay-token" } },
      (response) => {
        let body = "";
        response.on("data", (chunk) => {
          body += chunk;
        });
        response.on("end", () => resolve(JSON.parse(body) as JsonObject));
      },
    );
    request.on("error", reject);
  });
}

const byId = (a: JsonObject, b: JsonObject) =>
  String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());
const ofType = (types: readonly string[]) => resourcesOf(tenant, { types, subscriptionId }).sort(byId);
const count = (type: string) => ofType([type]).length;

beforeAll(async () => {
  tenant = generateTenant({
    seed: "encryption-collector",
    resources: 160,
    subscriptions: 2,
    mix: ENCRYPTION_MIX,
  });
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  // A server's `master` database, as ARM lists it: not encrypted by TDE, so never asked for its TDE.
  const sqlServer = ofType([SQL_SERVERS])[0]!;
  putResource(tenant, {
    id: `${String(sqlServer.id)}/databases/master`,
    name: "master",
    type: SQL_DATABASES,
    kind: "v12.0,system",
    location: sqlServer.location ?? "westeurope",
    properties: { status: "Online", collation: "SQL_Latin1_General_CP1_CI_AS" },
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

describe("encryptionCollector against the ARM replay server", () => {
  test("collects every encryption resource of the subscription as raw ARM JSON", async () => {
    const { records, incomplete } = await collect();
    expect(incomplete).toEqual([]);
    expect(records.sort(byId)).toEqual(ofType(ALL_TYPES));
    const types = new Set(records.map((record) => String(record.type)));
    expect([...types].sort()).toEqual([...ALL_TYPES].sort());
    // Raw ARM JSON: fields stay under `properties` (the SDK's model would lift them out).
    const disk = records.find((record) => record.type === ENCRYPTION_TYPES.disk);
    expect(disk).toHaveProperty("properties.networkAccessPolicy");
    expect(disk).not.toHaveProperty("networkAccessPolicy");
    // SQL servers, databases and storage accounts are listed to reach their children, never emitted.
    expect(types.has(SQL_SERVERS)).toBe(false);
    expect(types.has(STORAGE_ACCOUNTS)).toBe(false);
  });

  test("TDE records end in /transparentDataEncryption/current although ARM serves the database's id", async () => {
    const database = ofType([SQL_DATABASES]).find((candidate) => candidate.name !== "master")!;
    const served = await getJson(
      `${String(database.id)}/transparentDataEncryption?api-version=2022-08-01-preview`,
    );
    expect((served.value as JsonObject[]).map((item) => item.id)).toEqual([database.id]);
    const { records } = await collect(encryptionCollector({ include: ["sqlTransparentDataEncryption"] }));
    const tde = records.find((record) => String(record.id).startsWith(String(database.id)))!;
    expect(tde.id).toBe(`${String(database.id)}/transparentDataEncryption/current`);
    expect(tde.name).toBe("current");
    expect(records.map((record) => String(record.id).toLowerCase()).sort()).toEqual(
      ofType([ENCRYPTION_TYPES.sqlTransparentDataEncryption]).map((record) =>
        String(record.id).toLowerCase(),
      ),
    );
  });

  test("requests: one list per type, one per parent for children; master is never asked for its TDE", async () => {
    await collect();
    // Pages of 5: a listing of n items takes max(1, ceil(n / 5)) requests.
    const pages = (items: number) => Math.max(1, Math.ceil(items / 5));
    const perParent = (parentType: string, childType: string) =>
      ofType([parentType])
        .map((parent) =>
          ofType([childType]).filter((child) => String(child.id).startsWith(`${String(parent.id)}/`)),
        )
        .reduce((sum, children) => sum + pages(children.length), 0);
    const userDatabases = ofType([SQL_DATABASES]).filter((database) => database.name !== "master").length;
    expect(server.stats.byRoute).toEqual({
      "list microsoft.keyvault/vaults": pages(count(ENCRYPTION_TYPES.keyVault)),
      "list microsoft.keyvault/vaults/keys": perParent(ENCRYPTION_TYPES.keyVault, ENCRYPTION_TYPES.key),
      "list microsoft.keyvault/managedhsms": pages(count(ENCRYPTION_TYPES.managedHsm)),
      "list microsoft.compute/diskencryptionsets": pages(count(ENCRYPTION_TYPES.diskEncryptionSet)),
      "list microsoft.compute/disks": pages(count(ENCRYPTION_TYPES.disk)),
      "list microsoft.sql/servers": pages(count(SQL_SERVERS)),
      "list microsoft.sql/servers/encryptionprotector": count(SQL_SERVERS),
      "list microsoft.sql/servers/databases": perParent(SQL_SERVERS, SQL_DATABASES),
      "list microsoft.sql/servers/databases/transparentdataencryption": userDatabases,
      "list microsoft.storage/storageaccounts": pages(count(STORAGE_ACCOUNTS)),
      "list microsoft.storage/storageaccounts/encryptionscopes": perParent(
        STORAGE_ACCOUNTS,
        ENCRYPTION_TYPES.storageEncryptionScope,
      ),
    });
  });

  test("a 403 on disks makes only disks incomplete", async () => {
    server.setFaults({ forbidden: [{ type: ENCRYPTION_TYPES.disk }] });
    const { records, incomplete } = await collect();
    expect(incomplete.map((entry) => entry.type)).toEqual([ENCRYPTION_TYPES.disk]);
    expect(incomplete[0]?.reason).toMatch(/HTTP 403/);
    expect(records.sort(byId)).toEqual(ofType(ALL_TYPES.filter((type) => type !== ENCRYPTION_TYPES.disk)));
  });

  test("SQL servers that cannot be listed make protectors and TDE incomplete, not the servers' type", async () => {
    server.setFaults({ forbidden: [{ type: SQL_SERVERS }] });
    const { records, incomplete } = await collect();
    expect(incomplete.map((entry) => entry.type).sort()).toEqual(
      [ENCRYPTION_TYPES.sqlEncryptionProtector, ENCRYPTION_TYPES.sqlTransparentDataEncryption].sort(),
    );
    expect(incomplete[0]?.reason).toMatch(/listed per Microsoft\.Sql\/servers.*HTTP 403/);
    expect(records.sort(byId)).toEqual(
      ofType(
        ALL_TYPES.filter(
          (type) =>
            type !== ENCRYPTION_TYPES.sqlEncryptionProtector &&
            type !== ENCRYPTION_TYPES.sqlTransparentDataEncryption,
        ),
      ),
    );
  });

  test("databases that cannot be listed make TDE incomplete; protectors are still collected", async () => {
    server.setFaults({ forbidden: [{ type: SQL_DATABASES }] });
    const { records, incomplete } = await collect();
    expect([...new Set(incomplete.map((entry) => entry.type))]).toEqual([
      ENCRYPTION_TYPES.sqlTransparentDataEncryption,
    ]);
    expect(
      records.filter((record) => record.type === ENCRYPTION_TYPES.sqlEncryptionProtector).sort(byId),
    ).toEqual(ofType([ENCRYPTION_TYPES.sqlEncryptionProtector]));
  });

  test("key vaults that cannot be listed make vaults and keys incomplete; storage accounts likewise their scopes", async () => {
    server.setFaults({ forbidden: [{ type: ENCRYPTION_TYPES.keyVault }, { type: STORAGE_ACCOUNTS }] });
    const { records, incomplete } = await collect();
    expect([...new Set(incomplete.map((entry) => entry.type))].sort()).toEqual(
      [ENCRYPTION_TYPES.keyVault, ENCRYPTION_TYPES.key, ENCRYPTION_TYPES.storageEncryptionScope].sort(),
    );
    expect(records.some((record) => String(record.type).startsWith("Microsoft.KeyVault/vaults"))).toBe(false);
    expect(records.filter((record) => record.type === ENCRYPTION_TYPES.managedHsm)).toHaveLength(
      count(ENCRYPTION_TYPES.managedHsm),
    );
  });

  test("a 403 on one vault's keys listing leaves the vaults complete", async () => {
    server.setFaults({ forbidden: [{ type: ENCRYPTION_TYPES.key }] });
    const { records, incomplete } = await collect(encryptionCollector({ include: ["keyVault", "key"] }));
    expect([...new Set(incomplete.map((entry) => entry.type))]).toEqual([ENCRYPTION_TYPES.key]);
    expect(records.sort(byId)).toEqual(ofType([ENCRYPTION_TYPES.keyVault]));
  });

  test("include collects only the chosen types, with only the requests they need", async () => {
    const collector = encryptionCollector({ include: ["key"] });
    expect(collector.types.map((type) => type.type)).toEqual([ENCRYPTION_TYPES.key]);
    const { records } = await collect(collector);
    expect(records.sort(byId)).toEqual(ofType([ENCRYPTION_TYPES.key]));
    expect(Object.keys(server.stats.byRoute).sort()).toEqual([
      "list microsoft.keyvault/vaults",
      "list microsoft.keyvault/vaults/keys",
    ]);
  });

  test("include with an unknown type, or none, is a DriftError E_INPUT that lists the known ones", () => {
    for (const include of [["keys" as never], []]) {
      const error = (() => {
        try {
          encryptionCollector({ include });
        } catch (caught) {
          return caught;
        }
      })();
      expect(isDriftError(error, "E_INPUT")).toBe(true);
      expect((error as Error).message).toMatch(/use some of keyVault, key, managedHsm, /);
    }
  });

  test("the collector is named and declares its types with hints", () => {
    const collector = encryptionCollector();
    expect(collector.name).toBe(NAME);
    expect(collector.domain).toBe("encryption");
    expect(collector.types.map((type) => type.type).sort()).toEqual([...ALL_TYPES].sort());
    expect(collector.types.find((type) => type.type === ENCRYPTION_TYPES.disk)?.volatile).toContain(
      "properties.diskState",
    );
  });
});

describe("transparentDataEncryptionId", () => {
  const database =
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Sql/servers/s1/databases/db1";
  test("a database id under the name current becomes the TDE's own id", () => {
    expect(transparentDataEncryptionId({ id: database, name: "current" }, database)).toBe(
      `${database}/transparentDataEncryption/current`,
    );
  });
  test("a proper TDE id is kept as ARM spelled it", () => {
    const id = `${database}/transparentDataEncryption/Current`;
    expect(transparentDataEncryptionId({ id, name: "Current" }, database)).toBe(id);
  });
  test("without an id or a name, the database id and `current`", () => {
    expect(transparentDataEncryptionId({}, database)).toBe(`${database}/transparentDataEncryption/current`);
  });
});
