import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResourceRecord } from "@azure-drift/core";
import { createFileStore, type FileStore } from "@azure-drift/store-file";
import { changeStoreRecords, generateStoreRecords } from "@azure-drift/testing";
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { decodeName, encodeName } from "../src/names.js";
import { readPackIndex } from "../src/pack.js";
import { filesUnder, removeTemporaryFolders, temporaryFolder } from "./helpers.js";

afterAll(removeTemporaryFolders);

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const records = generateStoreRecords({ seed: 9, count: 25 });

async function write(store: FileStore, items: ResourceRecord[], startedAt: string) {
  const writer = await store.beginSnapshot({ tenantId: TENANT, scopes: ["s1"], startedAt });
  await writer.write(items);
  return writer.commit({ finishedAt: startedAt, collectors: [], coverage: [] });
}

async function readAll(store: FileStore, id: string) {
  const read: ResourceRecord[] = [];
  for await (const record of store.readRecords(TENANT, id)) read.push(record);
  return read;
}

test("encoded names are one safe path segment, reversible, and distinct for distinct inputs (even by case)", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
      fc.string({ minLength: 1 }),
      (a, b) => {
        const encoded = encodeName(a, "id");
        expect(encoded).toMatch(/^[a-z0-9_-]+$/);
        expect(encoded).not.toMatch(/^\.{1,2}$/);
        expect(decodeName(encoded)).toBe(Buffer.from(a, "utf8").toString("utf8"));
        if (a !== b) expect(encodeName(b, "id")).not.toBe(encoded);
      },
    ),
  );
  expect(encodeName("ABC", "id")).not.toBe(encodeName("abc", "id"));
  expect(encodeName("../tenant", "id")).toBe("_2e_2e_2ftenant");
  expect(encodeName(TENANT, "id")).toBe(TENANT);
  expect(encodeName("x".repeat(500), "id")).toMatch(/^~[0-9a-f]{64}$/);
  expect(() => encodeName("", "tenant id")).toThrow(/tenant id must be a non-empty string/);
});

test("the layout on disk: one folder per tenant and snapshot, one pack per snapshot of new documents", async () => {
  const directory = temporaryFolder();
  const store = await createFileStore({ directory });
  const first = await write(store, records, "2024-03-01T00:00:00.000Z");
  const next = changeStoreRecords(records, 0.2, 1);
  const second = await write(store, next, "2024-03-02T00:00:00.000Z");
  // Unchanged: no new document, so no pack.
  const third = await write(store, next, "2024-03-03T00:00:00.000Z");
  const files = filesUnder(directory);
  expect(files.filter((file) => !file.includes("/packs/"))).toEqual(
    [
      "azure-drift-store.json",
      ...[first, second, third].flatMap((meta) => [
        `tenants/${TENANT}/snapshots/${meta.id}/manifest.json`,
        `tenants/${TENANT}/snapshots/${meta.id}/records.idx`,
      ]),
    ].sort(),
  );
  const packs = files.filter((file) => file.includes("/packs/"));
  expect(packs).toHaveLength(2);
  for (const pack of packs)
    expect(pack).toMatch(new RegExp(`^tenants/${TENANT}/packs/[0-9a-z]{9}-[0-9a-f]{12}\\.pack$`));
  const held = await Promise.all(packs.map((pack) => readPackIndex(join(directory, pack), pack)));
  expect(held.map((index) => index.hashes.length)).toEqual([
    records.length,
    next.filter((record, index) => record.hash !== records[index]!.hash).length,
  ]);
  expect(first.id).toMatch(/^20240301t000000000z-[0-9a-f]{8}$/);
  expect(readdirSync(join(directory, "tenants", TENANT))).toEqual(["packs", "snapshots", "tmp"]);
  expect(JSON.parse(readFileSync(join(directory, "azure-drift-store.json"), "utf8"))).toMatchObject({
    format: "azure-drift/file-store",
    formatVersion: 5,
  });
  await store.close();
});

test("snapshots written with different codecs live side by side", async () => {
  const directory = temporaryFolder();
  const written: { id: string; items: ResourceRecord[] }[] = [];
  for (const [index, compression] of (["gzip", "none", "brotli"] as const).entries()) {
    const store = await createFileStore({ directory, compression });
    const items = changeStoreRecords(records, 0.3, index);
    written.push({ id: (await write(store, items, `2024-03-0${index + 1}T00:00:00.000Z`)).id, items });
    await store.close();
  }
  const store = await createFileStore({ directory });
  for (const { id, items } of written) expect(await readAll(store, id)).toStrictEqual(items);
  expect((await store.verify()).ok).toBe(true);
  expect((await store.prune(TENANT, { keepLast: 1 })).snapshotsRemoved.length).toBe(2);
  expect(await readAll(store, written[2]!.id)).toStrictEqual(written[2]!.items);
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });
  await store.close();
});

test("a prune while another store instance has a write in progress defers the document sweep", async () => {
  const directory = temporaryFolder();
  const logged: string[] = [];
  const logger = { error() {}, warn() {}, debug() {}, info: (message: string) => logged.push(message) };
  const pruner = await createFileStore({ directory, logger });
  const first = await write(pruner, records, "2024-03-01T00:00:00.000Z");
  const writerStore = await createFileStore({ directory });
  const writer = await writerStore.beginSnapshot({
    tenantId: TENANT,
    scopes: ["s1"],
    startedAt: "2024-03-02T00:00:00.000Z",
  });
  await writer.write(records.slice(0, 10));
  expect(await pruner.prune(TENANT, { keepLast: 0 })).toEqual({
    snapshotsRemoved: [first.id],
    documentsRemoved: 0,
  });
  expect(logged).toContain(
    "a snapshot write is in progress; unreferenced documents are left for the next prune",
  );
  const meta = await writer.commit({ finishedAt: "2024-03-02T00:01:00.000Z", collectors: [], coverage: [] });
  expect(await readAll(pruner, meta.id)).toStrictEqual(records.slice(0, 10));
  // Nothing in progress any more: the next prune sweeps what only the removed snapshot used.
  expect(await pruner.prune(TENANT, { keepLast: 1 })).toEqual({ snapshotsRemoved: [], documentsRemoved: 15 });
  expect(await pruner.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });
  await pruner.close();
  await writerStore.close();
});

test("a replaced report is listed with its new summary", async () => {
  const store = await createFileStore({ directory: temporaryFolder() });
  const report = {
    formatVersion: 1,
    id: "r1",
    tenantId: TENANT,
    createdAt: "2024-03-01T00:00:00.000Z",
    base: {},
    current: {},
    summary: {
      added: 0,
      removed: 0,
      modified: 0,
      unknown: 0,
      bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    },
    resources: [],
    unknown: [],
    suppressed: [],
    notices: [],
  };
  await store.putReport(report);
  expect((await store.listReports(TENANT))[0]?.summary.added).toBe(0);
  await store.putReport({ ...report, summary: { ...report.summary, added: 3 } });
  expect((await store.listReports(TENANT)).map((entry) => entry.summary.added)).toEqual([3]);
  await store.close();
});

test("a snapshot pruned while it is being read reads back whole or ends with E_NOT_FOUND, never a damage report", async () => {
  const directory = temporaryFolder();
  const store = await createFileStore({ directory });
  const many = generateStoreRecords({ seed: 12, count: 3000 });
  const old = await write(store, many, "2024-03-01T00:00:00.000Z");
  await write(store, records, "2024-03-02T00:00:00.000Z");
  const reading = store.readRecords(TENANT, old.id)[Symbol.asyncIterator]();
  const read = [(await reading.next()).value];
  expect(await store.prune(TENANT, { keepLast: 1 })).toEqual({
    snapshotsRemoved: [old.id],
    documentsRemoved: 3000,
  });
  // Packs already open stay readable (POSIX keeps an unlinked file for its open handles); a reader
  // that has to look a document up again finds the snapshot gone.
  let outcome: unknown;
  try {
    for (let result = await reading.next(); !result.done; result = await reading.next())
      read.push(result.value);
    outcome = read;
  } catch (error) {
    outcome = error;
  }
  if (Array.isArray(outcome)) expect(outcome).toStrictEqual(many);
  else expect(outcome).toMatchObject({ code: "E_NOT_FOUND", message: expect.stringContaining("pruned") });
  await store.close();
});

// A snapshot read loads the blocks of a whole index frame (4096 records) at once and decompresses
// the chained ones together, whichever packs they come from: records over several frames and
// many packs of many blocks must come back exactly, in order, also when only some keys are asked for.
test("a snapshot whose documents lie in many packs of many blocks reads back exactly, whole or by keys", async () => {
  const store = await createFileStore({ directory: temporaryFolder() });
  let state = generateStoreRecords({ seed: 13, count: 5000, rulesPerResource: 4 });
  let latest = await write(store, state, "2024-05-01T00:00:00.000Z");
  for (let day = 2; day <= 6; day++) {
    state = changeStoreRecords(state, 0.2, day);
    latest = await write(store, state, `2024-05-0${day}T00:00:00.000Z`);
  }
  const packs = await Promise.all(
    readdirSync(join(store.directory, "tenants", TENANT, "packs")).map((name) =>
      readPackIndex(join(store.directory, "tenants", TENANT, "packs", name), name),
    ),
  );
  expect(packs).toHaveLength(6);
  expect(packs.every((pack) => pack.chained && pack.blocks.length > 40)).toBe(true);
  expect(await readAll(store, latest.id)).toStrictEqual(state);
  const keys = state
    .filter((_, position) => position % 7 === 3 || position > 4090)
    .map((record) => record.key);
  const some: ResourceRecord[] = [];
  for await (const record of store.readRecords(TENANT, latest.id, { keys })) some.push(record);
  expect(some).toStrictEqual(state.filter((record) => keys.includes(record.key)));
  await store.close();
});
