import { cp, mkdtemp, readdir, readFile, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTypeRegistry, diffStoredSnapshots, type ResourceRecord } from "@azure-drift/core";
import { createFileStore, type FileStore } from "@azure-drift/store-file";
import { changeStoreRecords, generateStoreRecords } from "@azure-drift/testing";
import { afterEach, expect, test } from "vitest";

const TENANT = "fixture-tenant";
let directory = "";
afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

// Regression: the clean-up of abandoned temporaries on open once treated the store's own
// `tenants/` folder and marker file as leftovers as soon as they were older than a writer's heartbeat.
test("reopening a store whose folders are old keeps every snapshot", async () => {
  directory = await mkdtemp(join(tmpdir(), "azd-old-store-"));
  const store = await createFileStore({ directory });
  const writer = await store.beginSnapshot({
    tenantId: "t1",
    scopes: ["s1"],
    startedAt: "2026-01-01T00:00:00.000Z",
  });
  const meta = await writer.commit({ finishedAt: "2026-01-01T00:01:00.000Z", collectors: [], coverage: [] });
  await store.close();
  const anHourAgo = new Date(Date.now() - 3_600_000);
  for (const name of ["tenants", "azure-drift-store.json"])
    await utimes(join(directory, name), anHourAgo, anHourAgo);

  const reopened = await createFileStore({ directory });
  expect((await reopened.listSnapshots("t1")).map((snapshot) => snapshot.id)).toEqual([meta.id]);
  await reopened.close();
});

/**
 * Copies a fixture store to a temporary folder and opens it, keeping the info lines it logs; the
 * records its three snapshots hold (see fixtures/README.md).
 */
async function openFixture(name: string, seed: number, count = 12) {
  directory = await mkdtemp(join(tmpdir(), `azd-${name}-`));
  await cp(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), directory, { recursive: true });
  const first = generateStoreRecords({ seed, count });
  const second = changeStoreRecords(first, 0.3, 1);
  const third = changeStoreRecords(second, 0.3, 2);
  const logged: string[] = [];
  const logger = { error() {}, warn() {}, debug() {}, info: (message: string) => logged.push(message) };
  const store = await createFileStore({ directory, logger });
  return { store, logged, first, second, third };
}

async function readSnapshot(store: FileStore, id: string): Promise<ResourceRecord[]> {
  const records: ResourceRecord[] = [];
  for await (const record of store.readRecords(TENANT, id)) records.push(record);
  return records;
}

/** Writes and commits a snapshot of `records` (scope "s1"), finished five minutes after `startedAt`. */
async function writeSnapshot(store: FileStore, records: ResourceRecord[], startedAt: string) {
  const writer = await store.beginSnapshot({ tenantId: TENANT, scopes: ["s1"], startedAt });
  await writer.write(records);
  const finishedAt = new Date(Date.parse(startedAt) + 300_000).toISOString();
  return writer.commit({ finishedAt, collectors: [], coverage: [] });
}

/** The fixture's snapshots `<prefix>-first`, `-second`, `-third` read back exactly, records and index. */
async function expectSnapshots(store: FileStore, prefix: string, states: ResourceRecord[][]) {
  for (const [position, suffix] of ["first", "second", "third"].entries()) {
    expect(await readSnapshot(store, `${prefix}-${suffix}`)).toStrictEqual(states[position]);
    const index = [];
    for await (const entry of store.readIndex(TENANT, `${prefix}-${suffix}`)) index.push(entry);
    expect(index).toStrictEqual(states[position]!.map(({ config: _config, ...entry }) => entry));
  }
}

// A store written by release 0.1.0 (format 1: one file per document, NDJSON record indexes); see
// fixtures/README.md. Today's release reads it as it is and writes new snapshots into packs.
test("a store written in format 1 opens with a logged upgrade, reads back exactly, takes new snapshots and prunes", async () => {
  const { store, logged, first, second, third } = await openFixture("store-v1", 21);
  expect(logged).toEqual([expect.stringMatching(/upgraded the file store .* from format 1 to 5/)]);
  expect(JSON.parse(await readFile(join(directory, "azure-drift-store.json"), "utf8"))).toMatchObject({
    formatVersion: 5,
  });
  expect((await store.listSnapshots(TENANT)).map((meta) => meta.id)).toEqual([
    "v1-third",
    "v1-second",
    "v1-first",
  ]);
  await expectSnapshots(store, "v1", [first, second, third]);
  expect((await store.getBaseline(TENANT, "approved"))?.snapshotId).toBe("v1-second");
  const changed = third.find((record, position) => record.hash !== second[position]!.hash)!;
  const configs = [];
  for await (const item of store.readConfigs!(TENANT, [changed.hash])) configs.push(item);
  expect(configs).toStrictEqual([{ hash: changed.hash, config: changed.config }]);
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });

  // New snapshots go into packs beside the old files.
  const fourth = changeStoreRecords(third, 0.3, 3);
  const meta = await writeSnapshot(store, fourth, "2026-01-04T00:00:00.000Z");
  expect(await readSnapshot(store, meta.id)).toStrictEqual(fourth);
  expect(await store.verify()).toMatchObject({ ok: true });

  // Prune removes the old snapshots the baseline does not pin, and the document files only they used.
  const pruned = await store.prune(TENANT, { keepLast: 1 });
  expect(pruned.snapshotsRemoved.sort()).toEqual(["v1-first", "v1-third"]);
  expect(pruned.documentsRemoved).toBeGreaterThan(0);
  expect(await readSnapshot(store, "v1-second")).toStrictEqual(second);
  expect(await readSnapshot(store, meta.id)).toStrictEqual(fourth);
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });
  await store.close();
});

// A store written by the code of main at 1f4583b (format 2: packs, JSON-column record indexes
// "AZDRIDX1"); see fixtures/README.md. Today's release reads it as it is, writes new snapshots in
// format 5 (record indexes of slots and rows since format 3) and diffs across the two.
test("a store written in format 2 opens with a logged upgrade, reads back exactly, diffs against format 5 and prunes", async () => {
  const { store, logged, first, second, third } = await openFixture("store-v2", 31);
  expect(logged).toEqual([expect.stringMatching(/upgraded the file store .* from format 2 to 5/)]);
  await expectSnapshots(store, "v2", [first, second, third]);
  expect(await store.compareIndexes(TENANT, "v2-second", "v2-third")).toBeUndefined();
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });

  // A format-5 snapshot of the third state: the same records, a new index encoding.
  const again = await writeSnapshot(store, third, "2026-02-11T00:00:00.000Z");
  const fourth = changeStoreRecords(third, 0.3, 3);
  const latest = await writeSnapshot(store, fourth, "2026-02-12T00:00:00.000Z");
  expect(await readSnapshot(store, latest.id)).toStrictEqual(fourth);
  const manifest = JSON.parse(
    await readFile(join(directory, "tenants", TENANT, "snapshots", latest.id, "manifest.json"), "utf8"),
  );
  expect(manifest.storeFormatVersion).toBe(5);
  // Across encodings (read whole) and between two format-5 snapshots (compared by slots): the same report.
  const registry = createTypeRegistry();
  const diff = (base: string, current: string) =>
    diffStoredSnapshots(store, TENANT, base, current, { registry, reportId: "r", now: new Date(0) });
  const acrossFormats = await diff("v2-third", latest.id);
  const sameFormat = await diff(again.id, latest.id);
  expect(await store.compareIndexes(TENANT, again.id, latest.id)).toBeDefined();
  expect(sameFormat.resources.length).toBeGreaterThan(0);
  expect({ ...sameFormat, base: undefined }).toStrictEqual({ ...acrossFormats, base: undefined });
  expect(await store.verify()).toMatchObject({ ok: true });

  const pruned = await store.prune(TENANT, { keepLast: 1 });
  expect(pruned.snapshotsRemoved.sort()).toEqual(["v2-first", "v2-third", again.id].sort());
  expect(await readSnapshot(store, "v2-second")).toStrictEqual(second);
  expect(await readSnapshot(store, latest.id)).toStrictEqual(fourth);
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });
  await store.close();
});

/** The header flags byte of each pack of the fixture tenant, by file name. */
async function packFlags(): Promise<Map<string, number>> {
  const packs = join(directory, "tenants", TENANT, "packs");
  const flags = new Map<string, number>();
  for (const name of await readdir(packs)) flags.set(name, (await readFile(join(packs, name)))[9]!);
  return flags;
}

/**
 * Adds a snapshot of `previous` half changed: its new documents go into a new pack (header flags
 * 3: chained blocks, binary index), the unchanged ones stay in the fixture's packs, and it reads
 * back whole and by hashes. Then prunes to it and the baseline's snapshot (`<prefix>-second`):
 * what lives on of the fixture's first and third packs is compacted into one new pack (flags 3),
 * and the second's pack, all of whose documents the baseline still references, stays as it was,
 * with `secondFlags`.
 */
async function addSnapshotAndCompact(
  store: FileStore,
  prefix: string,
  states: { second: ResourceRecord[]; third: ResourceRecord[] },
  startedAt: string,
  secondFlags: number,
) {
  const fixturePacks = await packFlags();
  const fourth = changeStoreRecords(states.third, 0.5, 3);
  const latest = await writeSnapshot(store, fourth, startedAt);
  const flags = await packFlags();
  expect([...flags.values()].sort()).toEqual([...fixturePacks.values(), 3].sort());
  expect(await readSnapshot(store, latest.id)).toStrictEqual(fourth);
  const configs = [];
  for await (const item of store.readConfigs!(
    TENANT,
    fourth.map((record) => record.hash),
  ))
    configs.push(item);
  expect(configs).toStrictEqual(fourth.map(({ hash, config }) => ({ hash, config })));
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });

  const pruned = await store.prune(TENANT, { keepLast: 1 });
  expect(pruned.snapshotsRemoved.sort()).toEqual([`${prefix}-first`, `${prefix}-third`]);
  expect(pruned.documentsRemoved).toBeGreaterThan(0);
  const after = await packFlags();
  const created = [...after.keys()].filter((name) => !flags.has(name));
  const fixtureLeft = [...after.keys()].filter((name) => fixturePacks.has(name));
  expect(after.size).toBe(3);
  expect(created.map((name) => after.get(name))).toEqual([3]);
  expect(fixtureLeft.map((name) => after.get(name))).toEqual([secondFlags]);
  expect(await readSnapshot(store, `${prefix}-second`)).toStrictEqual(states.second);
  expect(await readSnapshot(store, latest.id)).toStrictEqual(fourth);
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });
}

// A store written by the code of main at 337b3b3 (format 3: every pack block its own DEFLATE
// stream); see fixtures/README.md. Today's release reads those packs as they are, writes chained
// blocks into new packs, reads snapshots whose documents lie in both kinds, and rewrites old
// blocks as chained ones when a prune compacts their packs.
test("a store written in format 3 opens with a logged upgrade, reads packs of both block kinds together, and compacts old packs into chained ones", async () => {
  const { store, logged, first, second, third } = await openFixture("store-v3", 41, 40);
  expect(logged).toEqual([
    expect.stringMatching(
      /upgraded the file store .* from format 3 to 5: .*\(pack blocks that decompress in runs, binary pack indexes\)/,
    ),
  ]);
  await expectSnapshots(store, "v3", [first, second, third]);
  expect([...(await packFlags()).values()]).toEqual([0, 0, 0]);
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });
  await addSnapshotAndCompact(store, "v3", { second, third }, "2026-03-04T00:00:00.000Z", 0);
  await store.close();
});

// A store written by the code of main at f94ddff (format 4: chained blocks in gzip packs, pack
// indexes of compressed JSON); see fixtures/README.md. Today's release reads those indexes as they
// are, writes binary ones into new packs, finds documents across both kinds, and writes a binary
// index when a prune compacts old packs.
test("a store written in format 4 opens with a logged upgrade, finds documents in packs with JSON and binary indexes, and compacts old packs into one with a binary index", async () => {
  const { store, logged, first, second, third } = await openFixture("store-v4", 51, 40);
  expect(logged).toEqual([
    expect.stringMatching(/upgraded the file store .* from format 4 to 5: .*\(binary pack indexes\)/),
  ]);
  await expectSnapshots(store, "v4", [first, second, third]);
  expect([...(await packFlags()).values()].sort()).toEqual([0, 1, 1]);
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });
  await addSnapshotAndCompact(store, "v4", { second, third }, "2026-04-04T00:00:00.000Z", 1);
  await store.close();
});
