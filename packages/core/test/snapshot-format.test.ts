import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createRecord,
  createTypeRegistry,
  type DriftError,
  type JsonObject,
  parseSnapshot,
  readSnapshotFile,
  serializeSnapshot,
  writeSnapshotFile,
} from "@azure-drift/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  armSnapshot,
  keyVault,
  nsg,
  roleAssignment,
  SUB,
  storageAccount,
  TENANT,
} from "./support/arm-fixtures.js";

const resources = (): JsonObject[] => [
  nsg("nsg-web", [{ name: "r1", priority: 100 }]),
  storageAccount("stprod"),
  keyVault("kv-prod", [{ objectId: "o1", secrets: ["get"] }]),
  roleAssignment("11111111-2222-3333-4444-555555555555", "p1", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "azd-format-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function errorOf(run: () => unknown): DriftError {
  try {
    run();
  } catch (error) {
    return error as DriftError;
  }
  throw new Error("expected an error");
}

async function asyncErrorOf(run: () => Promise<unknown>): Promise<DriftError> {
  try {
    await run();
  } catch (error) {
    return error as DriftError;
  }
  throw new Error("expected an error");
}

describe("ARM JSON import", () => {
  test("an array of resources becomes a snapshot with complete coverage of its subscription", () => {
    const data = parseSnapshot(JSON.stringify(resources(), null, 2), {
      tenantId: TENANT,
      takenAt: "2026-11-20T12:00:00.000Z",
    });
    const records = [...data.records];
    expect(records.map((record) => [record.type, record.name, record.collector, record.domain])).toEqual([
      ["Microsoft.Network/networkSecurityGroups", "nsg-web", "arm-import", "import"],
      ["Microsoft.Storage/storageAccounts", "stprod", "arm-import", "import"],
      ["Microsoft.KeyVault/vaults", "kv-prod", "arm-import", "import"],
      [
        "Microsoft.Authorization/roleAssignments",
        "11111111-2222-3333-4444-555555555555",
        "arm-import",
        "import",
      ],
    ]);
    expect(data.meta).toEqual({
      formatVersion: 1,
      id: expect.stringMatching(/^arm-import-[0-9a-f]{16}$/),
      tenantId: TENANT,
      scopes: [SUB],
      startedAt: "2026-11-20T12:00:00.000Z",
      finishedAt: "2026-11-20T12:00:00.000Z",
      collectors: [
        {
          name: "arm-import",
          version: "1",
          scope: SUB,
          outcome: "succeeded",
          records: 4,
          startedAt: "2026-11-20T12:00:00.000Z",
          finishedAt: "2026-11-20T12:00:00.000Z",
        },
      ],
      coverage: [{ scope: SUB, collector: "arm-import", type: "*", complete: true }],
      resourceCount: 4,
      source: "arm-import",
    });
  });

  test("an ARM list page { value: [...] } gives the same records; importCoverage 'types' lists each slice", () => {
    const fromArray = parseSnapshot(JSON.stringify(resources()));
    const fromPage = parseSnapshot(JSON.stringify({ value: resources() }), { importCoverage: "types" });
    expect([...fromPage.records]).toEqual([...fromArray.records]);
    expect(fromPage.meta.coverage.map((entry) => [entry.type, entry.complete])).toEqual([
      ["Microsoft.Authorization/roleAssignments", true],
      ["Microsoft.KeyVault/vaults", true],
      ["Microsoft.Network/networkSecurityGroups", true],
      ["Microsoft.Storage/storageAccounts", true],
    ]);
  });

  test("imported records read exactly like createRecord's (config, hash and tags are computed on first access)", () => {
    const registry = createTypeRegistry();
    const imported = [...parseSnapshot(JSON.stringify(resources())).records];
    const eager = resources().map((resource) =>
      createRecord(resource, { collector: "arm-import", domain: "import" }, registry),
    );
    expect(imported).toEqual(eager);
    expect(JSON.parse(JSON.stringify(imported))).toEqual(JSON.parse(JSON.stringify(eager)));
  });

  test("a page with a nextLink is imported with incomplete coverage", () => {
    const data = parseSnapshot(
      JSON.stringify({ value: resources(), nextLink: "https://management.azure.com/next" }),
    );
    expect(data.meta.coverage).toEqual([
      {
        scope: SUB,
        collector: "arm-import",
        type: "*",
        complete: false,
        reason:
          'the file is one page of a longer listing (it has "nextLink"); follow the links and give all pages',
      },
    ]);
  });

  test("Resource Graph { data: [...] }, one resource, and NDJSON of resources are accepted", () => {
    const all = resources();
    expect([...parseSnapshot(JSON.stringify({ count: 4, data: all })).records]).toHaveLength(4);
    expect([...parseSnapshot(JSON.stringify(all[1])).records].map((record) => record.name)).toEqual([
      "stprod",
    ]);
    const ndjson = `${all.map((resource) => JSON.stringify(resource)).join("\n")}\n`;
    expect([...parseSnapshot(ndjson).records]).toEqual([...parseSnapshot(JSON.stringify(all)).records]);
  });

  test("the tenant comes from the resources' tenantId when not given", () => {
    const graphRow = { ...storageAccount("stprod"), tenantId: "t-from-graph" };
    expect(parseSnapshot(JSON.stringify([graphRow])).meta.tenantId).toBe("t-from-graph");
    expect(parseSnapshot("[]").meta.tenantId).toBe("default");
  });
});

describe("snapshot files", () => {
  test("serialize and parse round-trip; the first line is the header", () => {
    const data = armSnapshot(resources());
    const text = serializeSnapshot(data);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(JSON.parse(lines[0]!)).toEqual({
      kind: "azure-drift-snapshot",
      formatVersion: 1,
      meta: data.meta,
    });
    const back = parseSnapshot(text);
    expect(back.meta).toEqual(data.meta);
    expect([...back.records]).toEqual([...data.records]);
  });

  test("writeSnapshotFile writes atomically (no temporary file left) and readSnapshotFile reads it back", async () => {
    const data = armSnapshot(resources());
    const path = join(dir, "snap.ndjson");
    await writeFile(path, "old content");
    await writeSnapshotFile(path, data);
    expect(await readdir(dir)).toEqual(["snap.ndjson"]);
    expect(await readFile(path, "utf8")).toBe(serializeSnapshot(data));
    const back = await readSnapshotFile(path);
    expect([...back.records]).toEqual([...data.records]);
    expect(back.meta).toEqual(data.meta);
  });

  test("writing into a missing directory fails with E_INPUT and leaves nothing", async () => {
    const error = await asyncErrorOf(() =>
      writeSnapshotFile(join(dir, "nope", "snap.ndjson"), armSnapshot([])),
    );
    expect(error.code).toBe("E_INPUT");
    expect(error.message).toMatch(
      /^Cannot write snapshot file .*snap\.ndjson \(ENOENT\); check that its directory exists and is writable\.$/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  test("ARM JSON files (pretty, compact, NDJSON, tricky strings) read like the same text parsed", async () => {
    const tricky = storageAccount("sttricky");
    tricky.tags = { note: 'quote " backslash \\ bracket ] comma , brace } \\"', empty: "" };
    const all = [...resources(), tricky];
    const expected = [...parseSnapshot(JSON.stringify(all)).records];
    for (const [name, text] of [
      ["pretty.json", `\ufeff ${JSON.stringify(all, null, 2)}\n`],
      ["compact.json", JSON.stringify(all)],
      ["lines.ndjson", `${all.map((resource) => JSON.stringify(resource)).join("\n")}\n`],
    ] as const) {
      const path = join(dir, name);
      await writeFile(path, text);
      expect([...(await readSnapshotFile(path)).records]).toEqual(expected);
    }
  });

  test("readSnapshotFile on an ARM JSON file uses the file time", async () => {
    const path = join(dir, "before.json");
    await writeFile(path, JSON.stringify(resources(), null, 2));
    const data = await readSnapshotFile(path);
    expect([...data.records]).toHaveLength(4);
    expect(data.meta.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe("bad input", () => {
  test("a missing file is E_INPUT", async () => {
    const path = join(dir, "missing.json");
    const error = await asyncErrorOf(() => readSnapshotFile(path));
    expect([error.code, error.message]).toEqual([
      "E_INPUT",
      `Snapshot file ${path} does not exist; check the path.`,
    ]);
  });

  test("a directory is E_INPUT", async () => {
    const error = await asyncErrorOf(() => readSnapshotFile(dir));
    expect([error.code, error.message]).toEqual([
      "E_INPUT",
      `${dir} is a directory; give the path of a snapshot or ARM JSON file.`,
    ]);
  });

  test("invalid JSON is E_SNAPSHOT_FORMAT with line and column", async () => {
    const path = join(dir, "bad.json");
    await writeFile(path, '[\n  {\n    "id": "/subscriptions/s/x",\n    "type": "T/t",\n  }\n]\n');
    const error = await asyncErrorOf(() => readSnapshotFile(path));
    expect(error.code).toBe("E_SNAPSHOT_FORMAT");
    expect(error.message).toBe(
      `${path}:5:3: invalid JSON (expected a property name in double quotes, found "}"); fix the file or export it again.`,
    );
    expect(errorOf(() => parseSnapshot('[{"a": 1}', { label: "x.json" })).message).toBe(
      "x.json:1:10: invalid JSON (unexpected end of input (expected ',' or ']' in an array, found end of input)); fix the file or export it again.",
    );
  });

  test("a broken array is reported with its position even when its elements split cleanly", async () => {
    const path = join(dir, "broken.json");
    await writeFile(
      path,
      '[\n  {"id": "/subscriptions/s/a", "type": "T/t"},\n  {"id": "/subscriptions/s/b" "type": "T/t"}\n]',
    );
    const error = await asyncErrorOf(() => readSnapshotFile(path));
    expect([error.code, error.message]).toEqual([
      "E_SNAPSHOT_FORMAT",
      `${path}:3:31: invalid JSON (expected ',' or '}' in an object, found "\\""); fix the file or export it again.`,
    ]);
    await writeFile(path, '[{"id": "/subscriptions/s/a", "type": "T/t"},,]');
    expect((await asyncErrorOf(() => readSnapshotFile(path))).message).toBe(
      `${path}:1:46: invalid JSON (unexpected ","); fix the file or export it again.`,
    );
  });

  test("a damaged record line of a snapshot file names its line", () => {
    const text = serializeSnapshot(armSnapshot(resources())).split("\n");
    text[2] = text[2]!.slice(0, 40);
    const error = errorOf(() => parseSnapshot(text.join("\n"), { label: "snap.ndjson" }));
    expect(error.code).toBe("E_SNAPSHOT_FORMAT");
    expect(error.message).toMatch(/^snap\.ndjson:3:41: invalid JSON \(unexpected end of input/);
  });

  test("a truncated snapshot file is E_SNAPSHOT_FORMAT", () => {
    const lines = serializeSnapshot(armSnapshot(resources())).trimEnd().split("\n");
    const error = errorOf(() => parseSnapshot(lines.slice(0, 3).join("\n"), { label: "snap.ndjson" }));
    expect([error.code, error.message]).toEqual([
      "E_SNAPSHOT_FORMAT",
      "snap.ndjson: the header announces 4 records but the file holds 2; the file is truncated or damaged, export the snapshot again.",
    ]);
  });

  test("an unknown format version is E_SNAPSHOT_VERSION", () => {
    const lines = serializeSnapshot(armSnapshot(resources())).split("\n");
    lines[0] = lines[0]!.replace('"formatVersion":1,"meta"', '"formatVersion":7,"meta"');
    const error = errorOf(() => parseSnapshot(lines.join("\n"), { label: "future.ndjson" }));
    expect([error.code, error.message]).toEqual([
      "E_SNAPSHOT_VERSION",
      "future.ndjson has snapshot formatVersion 7, but this release of azure-drift reads formatVersion 1; upgrade azure-drift to read it.",
    ]);
  });

  test("JSON that is not resources, and resources without id or type, are E_SNAPSHOT_FORMAT", () => {
    expect(errorOf(() => parseSnapshot('{"hello": "world"}', { label: "a.json" })).message).toBe(
      'a.json is neither an azure-drift snapshot nor ARM JSON; expected a JSON array of resources (az resource list), an object with "value": [...] (an ARM list page), or a snapshot file.',
    );
    expect(errorOf(() => parseSnapshot("[1]", { label: "b.json" })).message).toBe(
      "b.json: element 1 is not a JSON object; ARM JSON must be an array of resource objects.",
    );
    const missingType = errorOf(() => parseSnapshot('[{"id": "/subscriptions/s/r"}]', { label: "c.json" }));
    expect([missingType.code, missingType.message]).toEqual([
      "E_SNAPSHOT_FORMAT",
      'c.json: resource 1: Resource /subscriptions/s/r has no "type": every resource needs its ARM type (e.g. "Microsoft.Network/networkSecurityGroups").',
    ]);
    expect(errorOf(() => parseSnapshot("  \n", { label: "d.json" })).code).toBe("E_SNAPSHOT_FORMAT");
  });
});
