import {
  canonicalJson,
  createRecord,
  createTypeRegistry,
  DriftError,
  diffSnapshots,
  hashConfig,
  type JsonObject,
  type JsonValue,
  normalizeResource,
  REDACTED,
  redactSecrets,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { armSnapshot, resourceId, SUB, TENANT } from "./support/arm-fixtures.js";

const registry = createTypeRegistry();
const noRedaction = { redaction: false as const };

describe("normalizeResource", () => {
  test("drops volatile fields at any depth, keeps resourceGuid and systemData.created*", () => {
    const resource: JsonObject = {
      id: "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/vnet",
      type: "Microsoft.Network/virtualNetworks",
      etag: 'W/"1"',
      systemData: {
        createdAt: "2025-01-01T00:00:00Z",
        createdBy: "alice",
        createdByType: "User",
        lastModifiedAt: "2026-01-01T00:00:00Z",
        lastModifiedBy: "bob",
        lastModifiedByType: "User",
      },
      properties: {
        provisioningState: "Succeeded",
        resourceGuid: "guid-1",
        subnets: [
          {
            name: "a",
            etag: 'W/"2"',
            properties: { provisioningState: "Updating", addressPrefix: "10.0.0.0/24" },
          },
        ],
      },
    };
    expect(normalizeResource(resource, registry, noRedaction)).toEqual({
      id: "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet",
      type: "microsoft.network/virtualnetworks",
      systemData: { createdAt: "2025-01-01T00:00:00Z", createdBy: "alice", createdByType: "User" },
      properties: {
        resourceGuid: "guid-1",
        subnets: [{ name: "a", properties: { addressPrefix: "10.0.0.0/24" } }],
      },
    });
  });

  test("per-type volatile paths apply only to their type, matched case-insensitively", () => {
    const stats = {
      geoReplicationStats: { lastSyncTime: "t", status: "Live", canFailover: true },
      minimumTlsVersion: "TLS1_2",
    };
    const storage = normalizeResource(
      { id: "/x", type: "microsoft.storage/STORAGEACCOUNTS", properties: stats },
      registry,
    );
    expect(storage.properties).toEqual({ minimumTlsVersion: "TLS1_2" });
    const other = normalizeResource({ id: "/x", type: "Contoso.Thing/things", properties: stats }, registry);
    expect(other.properties).toEqual(stats);
  });

  test("lower-cases ARM ids anywhere, including object keys that are ids, and sorts keys", () => {
    const identity =
      "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ID1";
    const normalized = normalizeResource(
      {
        type: "Microsoft.Web/sites",
        id: "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Web/sites/app",
        identity: { type: "UserAssigned", userAssignedIdentities: { [identity]: { principalId: "p" } } },
        properties: {
          serverFarmId: "/subscriptions/S/resourcegroups/RG/Providers/Microsoft.Web/serverfarms/plan",
          name: "/not/an/id",
        },
      },
      registry,
    );
    expect(JSON.stringify(normalized)).toBe(
      JSON.stringify({
        id: "/subscriptions/s/resourcegroups/rg/providers/microsoft.web/sites/app",
        identity: {
          type: "UserAssigned",
          userAssignedIdentities: { [identity.toLowerCase()]: { principalId: "p" } },
        },
        properties: {
          name: "/not/an/id",
          serverFarmId: "/subscriptions/s/resourcegroups/rg/providers/microsoft.web/serverfarms/plan",
        },
        type: "microsoft.web/sites",
      }),
    );
  });

  test("keyed arrays sort by name, else id; primitive arrays are sorted sets; declared ordered arrays keep order", () => {
    const normalized = normalizeResource(
      {
        id: "/subscriptions/s/providers/Microsoft.Network/virtualNetworks/v",
        type: "Microsoft.Network/virtualNetworks",
        properties: {
          subnets: [{ name: "b" }, { name: "a" }],
          peerings: [{ id: "/subscriptions/s/P2" }, { id: "/subscriptions/s/P1" }],
          addressSpace: { addressPrefixes: ["10.2.0.0/16", "10.1.0.0/16", "10.2.0.0/16"] },
          dhcpOptions: { dnsServers: ["10.0.0.5", "10.0.0.4"] },
          mixed: [3, 1, "2", 1],
          unkeyed: [{ value: "z" }, { value: "a" }, { value: "z" }],
        },
      },
      registry,
    );
    expect(normalized.properties).toEqual({
      subnets: [{ name: "a" }, { name: "b" }],
      peerings: [{ id: "/subscriptions/s/p1" }, { id: "/subscriptions/s/p2" }],
      addressSpace: { addressPrefixes: ["10.1.0.0/16", "10.2.0.0/16"] },
      dhcpOptions: { dnsServers: ["10.0.0.5", "10.0.0.4"] },
      mixed: ["2", 1, 3],
      unkeyed: [{ value: "a" }, { value: "z" }],
    });
  });

  test("a key field written a|b keys each element by whichever of a, b it has", () => {
    const registry = createTypeRegistry([
      {
        type: "Microsoft.Insights/diagnosticSettings",
        keyedArrays: { "properties.logs": ["category|categoryGroup"] },
      },
    ]);
    const setting = (logs: JsonObject[]): JsonObject => ({
      id: "/subscriptions/s/providers/Microsoft.Insights/diagnosticSettings/audit",
      type: "Microsoft.Insights/diagnosticSettings",
      properties: { logs },
    });
    const normalized = normalizeResource(
      setting([
        { category: null, categoryGroup: "audit", enabled: true },
        { category: "AuditEvent", categoryGroup: null, enabled: true },
      ]),
      registry,
      noRedaction,
    );
    expect(normalized.properties).toEqual({
      logs: [
        { category: "AuditEvent", enabled: true },
        { categoryGroup: "audit", enabled: true },
      ],
    });
    const report = diffSnapshots(
      armSnapshot(
        [
          setting([
            { categoryGroup: "audit", enabled: true },
            { category: "AuditEvent", enabled: true },
          ]),
        ],
        {
          registry,
        },
      ),
      armSnapshot(
        [
          setting([
            { category: "AuditEvent", enabled: true },
            { categoryGroup: "audit", enabled: false },
          ]),
        ],
        {
          registry,
        },
      ),
      { registry, reportId: "r1", now: new Date("2026-11-21T00:00:00.000Z") },
    );
    const [drift] = report.resources;
    expect(
      drift?.status === "modified"
        ? drift.changes.map(({ path, kind, before, after }) => ({ path, kind, before, after }))
        : drift,
    ).toEqual([
      { path: "properties.logs[categoryGroup=audit].enabled", kind: "changed", before: true, after: false },
    ]);
  });

  test("declared keyed arrays and ordered arrays, merged over the defaults", () => {
    const custom = createTypeRegistry([
      {
        type: "Contoso.Rules/policies",
        keyedArrays: { "properties.rules": ["ruleId"] },
        orderedArrays: ["properties.chain"],
      },
    ]);
    expect(custom.hintsFor("contoso.rules/POLICIES")).toEqual({
      volatile: expect.arrayContaining(["**.etag", "**.provisioningState"]),
      keyedArrays: { "properties.rules": ["ruleId"] },
      orderedArrays: ["properties.chain"],
    });
    const normalized = normalizeResource(
      {
        id: "/x",
        type: "Contoso.Rules/policies",
        properties: {
          rules: [
            { ruleId: 2, name: "a" },
            { ruleId: 1, name: "b" },
          ],
          chain: ["z", "a"],
        },
      },
      custom,
    );
    expect(normalized.properties).toEqual({
      rules: [
        { ruleId: 1, name: "b" },
        { ruleId: 2, name: "a" },
      ],
      chain: ["z", "a"],
    });
  });

  test("duplicate names make an array a set, not a keyed array", () => {
    const normalized = normalizeResource(
      {
        id: "/x",
        type: "T/t",
        list: [
          { name: "a", v: 2 },
          { name: "a", v: 1 },
        ],
      },
      registry,
    );
    expect(normalized.list).toEqual([
      { name: "a", v: 1 },
      { name: "a", v: 2 },
    ]);
  });

  test("a hint path with a wildcard segment and with **", () => {
    const custom = createTypeRegistry([
      { type: "T/t", volatile: ["properties.*.lastSeen", "**.heartbeat*"] },
    ]);
    const normalized = normalizeResource(
      {
        id: "/x",
        type: "T/t",
        properties: { a: { lastSeen: 1, keep: 1 }, b: { c: { heartbeatAt: 2, keep: 2 } } },
      },
      custom,
    );
    expect(normalized.properties).toEqual({ a: { keep: 1 }, b: { c: { keep: 2 } } });
  });
});

describe("normalizeResource remembers object shapes", () => {
  const vnet = (properties: JsonObject): JsonObject => ({
    id: "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/vnet",
    type: "Microsoft.Network/virtualNetworks",
    properties,
  });

  test("the same keys in another order, fewer keys or more keys give the same result as a first walk", () => {
    const shared = createTypeRegistry();
    const inputs: JsonObject[] = [
      { b: 1, a: { y: 2, x: 1 }, etag: "e" },
      { a: { x: 1, y: 2 }, b: 1 },
      { a: { x: 1 }, b: 1 },
      { a: { x: 1, y: 2, z: null }, b: 1, c: [{ y: 2, x: 1 }] },
      { b: 1, a: { y: 2, x: 1 }, etag: "e" },
    ];
    const once = inputs.map((properties) =>
      JSON.stringify(normalizeResource(vnet(properties), createTypeRegistry(), noRedaction)),
    );
    const inTurn = inputs.map((properties) =>
      JSON.stringify(normalizeResource(vnet(properties), shared, noRedaction)),
    );
    expect(inTurn).toEqual(once);
    expect(once[0]).toBe(
      '{"id":"/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet","properties":{"a":{"x":1,"y":2},"b":1},"type":"microsoft.network/virtualnetworks"}',
    );
    expect(once[3]).toContain('"properties":{"a":{"x":1,"y":2},"b":1,"c":[{"x":1,"y":2}]}');
  });

  test("random resources give the same records through a registry that has met all the others as through a fresh one", () => {
    // A seeded generator: keys that sort, collide once lower-cased, look like secrets or are volatile.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const id =
      "/subscriptions/AbC/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/Z";
    const keys = [
      "name",
      "id",
      "type",
      "value",
      "keyName",
      "etag",
      "password",
      "b",
      "B",
      "a",
      "10",
      "2",
      "ü",
      "state",
    ];
    const strings = [
      "",
      "Allow",
      id,
      "Microsoft.Network/virtualNetworks/subnets",
      "AccountKey=abc==;",
      "10.0.0.0/24",
      "DB_PASSWORD",
    ];
    const value = (depth: number): JsonValue => {
      const roll = random();
      if (depth > 3 || roll < 0.35) return pick(strings);
      if (roll < 0.45) return pick([0, 1.5, true, false, null]);
      if (roll < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return object(depth + 1);
    };
    const object = (depth: number): JsonObject => {
      const out: JsonObject = {};
      for (let i = Math.floor(random() * 6); i > 0; i--) {
        const key = random() < 0.15 ? pick([id, id.toLowerCase(), id.toUpperCase()]) : pick(keys);
        out[key] = value(depth);
      }
      return out;
    };
    const definitions = [
      {
        type: "Microsoft.Web/sites",
        keyedArrays: { "properties.b": ["value|name"] },
        orderedArrays: ["properties.a"],
        volatile: ["properties.state", "**.lastSeen*"],
        secrets: ["properties.b.keyName"],
      },
    ];
    const warm = createTypeRegistry(definitions);
    const source = { collector: "random", domain: "random" };
    for (let i = 0; i < 500; i++) {
      const resource: JsonObject = {
        ...object(0),
        id: `${id}${i}`,
        type: pick(["Microsoft.Web/sites", "microsoft.web/SITES", "Microsoft.Network/virtualNetworks"]),
        properties: object(0),
      };
      const options = pick([undefined, { salt: "s" }, { secretPaths: ["properties.a"] }]);
      const fresh = createRecord(structuredClone(resource), source, createTypeRegistry(definitions), options);
      // The JSON text, not just equality: the order of the config's keys is what is stored.
      expect(JSON.stringify(createRecord(resource, source, warm, options))).toBe(JSON.stringify(fresh));
    }
  });

  test("beyond the shapes it remembers, a walk works each shape out again with the same result", () => {
    const registry = createTypeRegistry();
    // 60,000 distinct keys: more trie nodes than a registry remembers (50,000).
    const names = Array.from({ length: 60_000 }, (_, index) => `tag${String(index).padStart(5, "0")}`);
    const tags = Object.fromEntries(names.toReversed().map((name) => [name, "v"]));
    const many = normalizeResource({ ...vnet({ z: 1 }), tags }, registry, noRedaction);
    expect(Object.keys(many.tags as JsonObject)).toEqual(names);
    for (let round = 0; round < 2; round++) {
      expect(
        normalizeResource(
          { ...vnet({ z: 1, b: { d: 1, c: 2 } }), tags: { q: "1", p: "2" } },
          registry,
          noRedaction,
        ),
      ).toEqual({
        id: "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet",
        type: "microsoft.network/virtualnetworks",
        properties: { b: { c: 2, d: 1 }, z: 1 },
        tags: { p: "2", q: "1" },
      });
    }
  });
});

describe("redaction", () => {
  test("redacts secret-looking keys and values; leaves look-alikes that are not secrets", () => {
    const resource: JsonObject = {
      id: "/x",
      type: "T/t",
      properties: {
        administratorLoginPassword: "p@ss",
        clientSecret: "cs",
        primaryKey: "pk",
        secondaryKey: "sk",
        sasToken: "sv=2020&sig=abc",
        connectionString: "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc",
        storageConnection: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==",
        keys: [{ keyName: "key1", value: "v1", permissions: "FULL" }],
        keySource: "Microsoft.Keyvault",
        keyVaultProperties: { keyName: "cmk", keyVaultUri: "https://kv.vault.azure.net/" },
        publicKey: "ssh-rsa AAAA",
        disablePasswordAuthentication: true,
        passwordSecretId: "https://kv.vault.azure.net/secrets/pw",
        url: "https://example.com/?a=b",
      },
    };
    expect(normalizeResource(resource, registry).properties).toEqual({
      administratorLoginPassword: REDACTED,
      clientSecret: REDACTED,
      connectionString: REDACTED,
      disablePasswordAuthentication: true,
      keySource: "Microsoft.Keyvault",
      keyVaultProperties: { keyName: "cmk", keyVaultUri: "https://kv.vault.azure.net/" },
      keys: [{ keyName: "key1", permissions: "FULL", value: REDACTED }],
      passwordSecretId: "https://kv.vault.azure.net/secrets/pw",
      primaryKey: REDACTED,
      publicKey: "ssh-rsa AAAA",
      sasToken: REDACTED,
      secondaryKey: REDACTED,
      storageConnection: REDACTED,
      url: "https://example.com/?a=b",
    });
  });

  test("users extend the list by key name, pattern and path; types declare secret paths", () => {
    const custom = createTypeRegistry([{ type: "T/t", secrets: ["properties.recoveryCode"] }]);
    const resource: JsonObject = {
      id: "/x",
      type: "T/t",
      properties: {
        pin: "1234",
        licence: "L-1",
        recoveryCode: "rc",
        nested: { webhookUrl: "https://h/abc" },
        plain: "p",
      },
    };
    const options = { secretKeys: ["PIN", /licen[cs]e$/i], secretPaths: ["properties.nested.webhookUrl"] };
    expect(normalizeResource(resource, custom, { redaction: options }).properties).toEqual({
      licence: REDACTED,
      nested: { webhookUrl: REDACTED },
      pin: REDACTED,
      plain: "p",
      recoveryCode: REDACTED,
    });
    expect(redactSecrets(resource, options)).toEqual({
      id: "/x",
      type: "T/t",
      properties: {
        pin: REDACTED,
        licence: REDACTED,
        recoveryCode: "rc",
        nested: { webhookUrl: REDACTED },
        plain: "p",
      },
    });
  });

  test("a salted marker is stable for a value and differs between values", () => {
    const redaction = { salt: "s1" };
    const a = normalizeResource({ id: "/x", type: "T/t", password: "one" }, registry, { redaction });
    const b = normalizeResource({ id: "/x", type: "T/t", password: "one" }, registry, { redaction });
    const c = normalizeResource({ id: "/x", type: "T/t", password: "two" }, registry, { redaction });
    expect(a.password).toMatch(/^\[REDACTED:[0-9a-f]{16}\]$/);
    expect(a.password).toBe(b.password);
    expect(a.password).not.toBe(c.password);
    const otherSalt = normalizeResource({ id: "/x", type: "T/t", password: "one" }, registry, {
      redaction: { salt: "s2" },
    });
    expect(otherSalt.password).not.toBe(a.password);
  });
});

describe("canonical JSON and hashes", () => {
  test("canonicalJson sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  test("hashConfig does not depend on key order and equals the record's hash", () => {
    expect(hashConfig({ a: 1, b: { c: 2, d: 3 } })).toBe(hashConfig({ b: { d: 3, c: 2 }, a: 1 }));
    expect(hashConfig({ a: 1 })).not.toBe(hashConfig({ a: 2 }));
    const record = createRecord(
      { type: "T/t", id: "/subscriptions/S/x", name: "x", z: 1, a: 2 },
      { collector: "c", domain: "d" },
      registry,
    );
    expect(record.hash).toBe(hashConfig(record.config));
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("createRecord", () => {
  test("derives key, subscription, group, location and redacted tags", () => {
    const id = resourceId("Microsoft.KeyVault/vaults", "KV-Prod").replace(SUB, SUB.toUpperCase());
    const record = createRecord(
      {
        id,
        type: "Microsoft.KeyVault/vaults",
        name: "KV-Prod",
        location: "westeurope",
        tags: { env: "prod", adminPassword: "x" },
        properties: { tenantId: TENANT },
      },
      { collector: "security", domain: "security" },
      registry,
    );
    expect(record).toEqual({
      id,
      key: id.toLowerCase(),
      type: "Microsoft.KeyVault/vaults",
      name: "KV-Prod",
      subscriptionId: SUB,
      resourceGroup: "rg-prod",
      location: "westeurope",
      tags: { adminPassword: REDACTED, env: "prod" },
      domain: "security",
      collector: "security",
      config: {
        id: id.toLowerCase(),
        location: "westeurope",
        name: "KV-Prod",
        properties: { tenantId: TENANT },
        tags: { adminPassword: REDACTED, env: "prod" },
        type: "microsoft.keyvault/vaults",
      },
      hash: hashConfig(record.config),
    });
  });

  test("tenant-level resources have an empty subscription and no group", () => {
    const record = createRecord(
      {
        id: "/providers/Microsoft.Authorization/roleDefinitions/abc",
        type: "Microsoft.Authorization/roleDefinitions",
      },
      { collector: "identity", domain: "identity" },
      registry,
    );
    expect([record.subscriptionId, record.resourceGroup, record.name]).toEqual(["", undefined, "abc"]);
  });

  test("a resource without id or type is an E_SNAPSHOT_FORMAT error that says what is missing", () => {
    const source = { collector: "network", domain: "network" };
    expect(() => createRecord({ type: "T/t", name: "n" }, source, registry)).toThrow(
      expect.objectContaining({ code: "E_SNAPSHOT_FORMAT", message: expect.stringContaining('has no "id"') }),
    );
    try {
      createRecord({ id: "/subscriptions/s/x" }, source, registry);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DriftError);
      expect((error as DriftError).code).toBe("E_SNAPSHOT_FORMAT");
      expect((error as DriftError).message).toBe(
        'Resource /subscriptions/s/x has no "type": every resource needs its ARM type (e.g. "Microsoft.Network/networkSecurityGroups").',
      );
    }
  });
});
