/**
 * Record hashes are stored in users' snapshots: if `createRecord` ever gave another hash, another
 * normalized config or another redaction for the same resource, every resource would look changed
 * after an upgrade. These pins must never be updated to make a change pass; a change that moves
 * them is a breaking change of every store, to be migrated, not re-pinned.
 *
 * The fixture holds resources of every generated type (two of each, written by `generateTenant`) and
 * the collectors' type definitions as they were when the pins were taken, so the pins move only when
 * core's normalization, redaction or hashing does.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  createRecord,
  createTypeRegistry,
  hashConfig,
  type JsonObject,
  type RedactionOptions,
  type ResourceRecord,
  type ResourceTypeDefinition,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";

interface Fixture {
  types: ResourceTypeDefinition[];
  resources: JsonObject[];
  /** Record key → hash, taken before normalization was made faster. */
  hashes: Record<string, string>;
  /** SHA-256 of the JSON of every record in fixture order: every field, configs in their key order. */
  records: string;
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/record-hash-pins.json", import.meta.url), "utf8"),
) as Fixture;
const registry = createTypeRegistry(fixture.types);
const source = { collector: "pins", domain: "pins" };
const SUB = "/subscriptions/0B1C2D3E-0000-4A5B-9C8D-112233445566";
const RG = `${SUB}/resourceGroups/RG-Pins`;

/** SHA-256 of the JSON of records: pins every field of every record, config key order included. */
function digest(records: ResourceRecord[]): string {
  return createHash("sha256").update(JSON.stringify(records)).digest("hex");
}

describe("record hashes of generated resources of every type", () => {
  const records = fixture.resources.map((resource) => createRecord(resource, source, registry));

  test("each record's hash is the pinned one", () => {
    expect(records.length).toBe(96);
    expect(Object.fromEntries(records.map((record) => [record.key, record.hash]))).toEqual(fixture.hashes);
  });

  test("every field of every record, normalized config and redaction included, is as pinned", () => {
    expect(digest(records)).toBe(fixture.records);
  });

  test("the hash is the SHA-256 of the config's canonical JSON", () => {
    for (const record of records) expect(hashConfig(record.config)).toBe(record.hash);
  });
});

/**
 * Shapes the generator does not make: secrets of every kind, ARM ids as keys (two of them equal once
 * lower-cased), keys that JavaScript orders by number, `__proto__`, keys and strings beyond ASCII,
 * escapes, numbers of every form, sets of objects with duplicates, keyed, ordered and nested arrays.
 */
function edgeResource(): JsonObject {
  return JSON.parse(
    JSON.stringify({
      id: `${RG}/providers/Microsoft.Web/sites/App-Pins`,
      name: "App-Pins",
      type: "Microsoft.Web/sites",
      location: "westeurope",
      etag: 'W/"7"',
      tags: {
        env: "prod",
        "10": "ten",
        "2": "two",
        "01": "zero-one",
        owner: "Team Ö",
        Password: "tag-secret",
      },
      identity: {
        type: "UserAssigned",
        userAssignedIdentities: {
          [`${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/Zeta`]: { clientId: "c-z" },
          [`${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/alpha`]: { clientId: "c-a" },
          [`${RG.toUpperCase()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ALPHA`]: {
            clientId: "c-A",
          },
        },
      },
      properties: {
        provisioningState: "Succeeded",
        state: "Running",
        serverFarmId: `${RG}/providers/Microsoft.Web/serverfarms/Plan`,
        zeta: 1,
        Zeta: 2,
        _under: true,
        "ü-key": "ü",
        "😀": "emoji key",
        ｚ: "fullwidth z key",
        numbers: [1e21, 1e-7, -0, 0.1, 123456789012345680000, -42, 12.625, 0, 2 ** 53],
        escapes:
          'quote " backslash \\ newline \n tab \t bell \u0007 del \u007f line-sep \u2028 lone \ud800 end',
        empty: { a: null, b: [], c: {}, d: [null, [], {}] },
        flags: [true, false, true],
        mixed: ["b", 2, "a", true, 2, { name: "x" }, null],
        nested: [
          ["b", "a"],
          ["a", "b"],
          [3, 1],
        ],
        duplicates: [
          { port: 443, protocol: "Tcp" },
          { port: 80, protocol: "Tcp" },
          { port: 443, protocol: "Tcp" },
        ],
        byName: [
          { name: "zulu", value: 1 },
          { name: "Alpha", value: 2 },
          { name: "alpha", value: 3 },
        ],
        byId: [{ id: `${RG}/x/B` }, { id: `${RG}/x/a` }],
        categories: [
          { categoryGroup: "audit", enabled: true },
          { category: "Administrative", enabled: false },
          { category: "Security", enabled: true },
        ],
        dnsServers: ["10.0.0.5", "10.0.0.4", "10.0.0.5"],
        siteConfig: {
          appSettings: [
            { name: "DB_PASSWORD", value: "hunter2" },
            { name: "WEBSITE_RUN_FROM_PACKAGE", value: "1" },
            { name: "STRIPE_API_KEY", value: "sk_live_xyz" },
          ],
          connectionStrings: [
            {
              name: "Main",
              connectionString: "Server=tcp:db;Password=p@ss;",
              type: "SQLAzure",
            },
          ],
          keys: [{ keyName: "key1", value: "AAAA" }],
          publishingPassword: "pub",
          scmUri: "https://$app:s3cret@app.scm.azurewebsites.net",
          note: "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc=",
          blob: "https://st.blob.core.windows.net/c?sv=2024&sig=abcdef",
          token: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${"s".repeat(20)}`,
          pem: "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
          publicKey: "ssh-rsa AAAAB3NzaC1yc2E pins@host",
          keyVaultSecretId: "https://kv.vault.azure.net/secrets/s",
          disablePasswordAuthentication: true,
          adminPassword: { reference: "kv" },
          custom: { pinSecret: "custom-secret", pinPath: { deep: "by-path" }, kept: "visible" },
        },
        resources: [
          { type: "Microsoft.Network/virtualNetworks/subnets", name: "s1" },
          { type: "NotAType", name: "s2" },
        ],
      },
    }).replace('"_under":true', '"_under":true,"__proto__":{"polluted":true},"4294967295":"max"'),
  ) as JsonObject;
}

const edgeRegistry = createTypeRegistry([
  ...fixture.types,
  {
    type: "Microsoft.Web/sites",
    keyedArrays: { "properties.categories": ["category|categoryGroup"] },
    orderedArrays: ["properties.dnsServers", "properties.flags"],
    unorderedArrays: ["properties.flags"],
    volatile: ["properties.state", "**.lastSeen*"],
    secrets: ["properties.siteConfig.custom.pinPath"],
  },
]);

const edgeOptions: Record<string, RedactionOptions | undefined> = {
  default: undefined,
  salted: { salt: "pins-salt" },
  "user keys and paths": { secretKeys: ["PINSECRET", /^kept$/], secretPaths: ["properties.zeta"] },
  "no defaults": { defaults: false },
};

const edgePins: Record<string, { hash: string; record: string }> = {
  default: {
    hash: "e84271be6a5750ed0328d4813b6d3023f75ab8e55c02c9ebebbcfe6254b53a92",
    record: "a84dfbe83bb80149057e6fb073754b4e2c5f9ffc1b4b9c9da4957c8659a78009",
  },
  salted: {
    hash: "79bfc364338b8cc778eb6a63ccc8ceb3af4d3f966df785861274dcf6210ac849",
    record: "fd7a6871402ec7d9b021d38516de4e4055f20d77e0d22f4c24cde201ecd53f53",
  },
  "user keys and paths": {
    hash: "ff6a36d5dd9275d43dd65aee75a8b765c2f545456ac2f9dcb5e0972f3fd9b902",
    record: "990504263fb457bac1a39f8aa92f95c661f5533d3cb2197a32d30a61177c4d08",
  },
  "no defaults": {
    hash: "739b34f4663adfc1ddd861887efc3a57953f994d1b0b67cbd3d211df971e5408",
    record: "6d9c86b1c9302c0cf34c9861db8e6c3ea711af05c243a776200e9d4e8bb104f0",
  },
};

describe("record hashes of unusual shapes, under every redaction option", () => {
  for (const [name, options] of Object.entries(edgeOptions)) {
    test(name, () => {
      const record = createRecord(edgeResource(), source, edgeRegistry, options);
      expect(hashConfig(record.config)).toBe(record.hash);
      expect({ hash: record.hash, record: digest([record]) }).toEqual(edgePins[name]);
    });
  }
});
