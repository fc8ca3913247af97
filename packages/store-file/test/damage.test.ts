import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { ResourceRecord } from "@azure-drift/core";
import { createFileStore, type FileStore } from "@azure-drift/store-file";
import { generateStoreRecords } from "@azure-drift/testing";
import { afterAll, expect, test } from "vitest";
import { decodeTrailer } from "../src/pack-trailer.js";
import { filesUnder, removeTemporaryFolders, temporaryFolder } from "./helpers.js";

afterAll(removeTemporaryFolders);

const TENANT = "tenant-1";
const records = generateStoreRecords({ seed: 5, count: 30 });
const completion = { finishedAt: "2024-03-01T00:05:00.000Z", collectors: [], coverage: [] };

async function snapshot(store: FileStore, items: ResourceRecord[], minute: number) {
  const writer = await store.beginSnapshot({
    tenantId: TENANT,
    scopes: ["s1"],
    startedAt: new Date(Date.parse("2024-03-01T00:00:00.000Z") + minute * 60_000).toISOString(),
  });
  await writer.write(items);
  return writer.commit(completion);
}

async function readAll(store: FileStore, id: string) {
  const read: ResourceRecord[] = [];
  for await (const record of store.readRecords(TENANT, id)) read.push(record);
  return read;
}

/**
 * A store with two snapshots: `damaged` (the first 15 records) and `healthy` (the last 15, no shared
 * documents), each with its own pack file (`pack`: the damaged one's).
 */
async function twoSnapshots() {
  const directory = temporaryFolder();
  const store = await createFileStore({ directory });
  const damaged = await snapshot(store, records.slice(0, 15), 0);
  const packs = join(directory, "tenants", TENANT, "packs");
  const [packName] = readdirSync(packs);
  const healthy = await snapshot(store, records.slice(15), 10);
  const folder = join(directory, "tenants", TENANT, "snapshots", damaged.id);
  return { directory, store, damaged, healthy, folder, pack: join(packs, packName!) };
}

test("a truncated record index: E_STORE_CORRUPT naming the file, the other snapshot still reads, verify reports it", async () => {
  const { store, damaged, healthy, folder } = await twoSnapshots();
  const index = join(folder, "records.idx");
  truncateSync(index, Math.floor(statSync(index).size / 2));
  const failure = readAll(store, damaged.id);
  await expect(failure).rejects.toMatchObject({
    code: "E_STORE_CORRUPT",
    message: expect.stringContaining(index),
  });
  await expect(failure).rejects.toThrow(/verify\(\)/);
  expect(await readAll(store, healthy.id)).toStrictEqual(records.slice(15));
  const report = await store.verify();
  expect(report.ok).toBe(false);
  expect(report.problems).toEqual([
    expect.objectContaining({
      code: "E_STORE_CORRUPT",
      file: index,
      tenantId: TENANT,
      snapshotId: damaged.id,
    }),
  ]);
  await store.close();
});

test("a truncated manifest: getSnapshot fails with E_STORE_CORRUPT, listing skips it and logs, the rest works", async () => {
  const { directory, store, damaged, healthy, folder } = await twoSnapshots();
  await store.close();
  const manifest = join(folder, "manifest.json");
  truncateSync(manifest, 40);
  const warnings: unknown[] = [];
  const logger = {
    error() {},
    info() {},
    debug() {},
    warn: (message: string, fields?: unknown) => warnings.push({ message, fields }),
  };
  const reopened = await createFileStore({ directory, logger });
  await expect(reopened.getSnapshot(TENANT, damaged.id)).rejects.toMatchObject({
    code: "E_STORE_CORRUPT",
    message: expect.stringContaining(manifest),
  });
  expect((await reopened.listSnapshots(TENANT)).map((meta) => meta.id)).toEqual([healthy.id]);
  expect(warnings).toHaveLength(1);
  expect(await readAll(reopened, healthy.id)).toStrictEqual(records.slice(15));
  expect((await reopened.verify()).problems).toEqual([
    expect.objectContaining({ code: "E_STORE_CORRUPT", file: manifest }),
  ]);
  // Prune cannot know what the damaged snapshot references, so it removes no document.
  expect((await reopened.prune(TENANT, { keepLast: 0 })).documentsRemoved).toBe(0);
  await reopened.close();
});

test("a missing pack file: E_STORE_CORRUPT naming the snapshot's index and the snapshot", async () => {
  const { store, damaged, healthy, folder, pack } = await twoSnapshots();
  unlinkSync(pack);
  const index = join(folder, "records.idx");
  const failure = readAll(store, damaged.id);
  await expect(failure).rejects.toMatchObject({
    code: "E_STORE_CORRUPT",
    message: expect.stringContaining(index),
  });
  await expect(failure).rejects.toThrow(damaged.id);
  await expect(failure).rejects.toThrow(records[0]!.hash);
  // The index still reads (a diff's first step), and so do other snapshots.
  const keys = [];
  for await (const entry of store.readIndex(TENANT, damaged.id)) keys.push(entry.key);
  expect(keys).toEqual(records.slice(0, 15).map((record) => record.key));
  expect(await readAll(store, healthy.id)).toStrictEqual(records.slice(15));
  expect((await store.verify()).problems).toEqual([
    expect.objectContaining({
      code: "E_STORE_CORRUPT",
      file: index,
      snapshotId: damaged.id,
      message: expect.stringContaining("15 resource documents that no pack file holds"),
    }),
  ]);
  // Prune cannot compact around a snapshot whose documents are gone, but it must not fail either.
  await store.close();
});

/**
 * Reading the snapshot fails with E_STORE_CORRUPT naming the pack and saying `what`; verify()
 * reports the pack (saying the same) and the snapshot that references it, and nothing else.
 */
async function expectDamagedPack(store: FileStore, snapshotId: string, pack: string, what: string) {
  await expect(readAll(store, snapshotId)).rejects.toMatchObject({
    code: "E_STORE_CORRUPT",
    message: expect.stringMatching(new RegExp(`${pack}.*${what}`)),
  });
  expect((await store.verify()).problems).toEqual([
    expect.objectContaining({ code: "E_STORE_CORRUPT", file: pack, message: expect.stringContaining(what) }),
    expect.objectContaining({ code: "E_STORE_CORRUPT", file: pack, snapshotId }),
  ]);
}

test("a corrupt block in a pack (flipped bytes): E_STORE_CORRUPT naming the pack; verify names the pack and the snapshot", async () => {
  const { store, damaged, healthy, pack } = await twoSnapshots();
  const bytes = readFileSync(pack);
  // Inside the first block (after the 16-byte header), well before the index at the end.
  for (let offset = 40; offset < 48; offset++) bytes[offset] = bytes[offset]! ^ 0xff;
  writeFileSync(pack, bytes);
  await expectDamagedPack(store, damaged.id, pack, "fails its checksum");
  expect(await readAll(store, healthy.id)).toStrictEqual(records.slice(15));
  await store.close();
});

// Chained blocks of one read are decompressed together (the first few on the calling thread, the
// rest in zlib's pool); when that fails although every block passed its checksum (damage the
// CRC-32 cannot see), they are decompressed one by one so that the error names the block, and
// verify() finds it the same way.
test.each([
  { where: "among the first blocks a read needs", count: 60, block: (blocks: number) => Math.min(2, blocks) },
  { where: "among the last blocks a read needs", count: 600, block: (blocks: number) => blocks - 2 },
])(
  "a chained block that passes its checksum but cannot be decompressed, $where: E_STORE_CORRUPT naming the pack and the block",
  async ({ count, block }) => {
    const directory = temporaryFolder();
    const store = await createFileStore({ directory });
    const many = generateStoreRecords({ seed: 6, count, rulesPerResource: 8 });
    const meta = await snapshot(store, many, 0);
    const packs = join(directory, "tenants", TENANT, "packs");
    const pack = join(packs, readdirSync(packs)[0]!);
    const bytes = readFileSync(pack);
    const trailerLength = bytes.readUInt32BE(bytes.length - 16);
    const trailer = bytes.subarray(bytes.length - 16 - trailerLength, bytes.length - 16);
    const { blocks } = decodeTrailer(trailer);
    expect(bytes[9]).toBe(3);
    expect(blocks.length).toBeGreaterThan(8);
    // The block becomes 0xff bytes (a DEFLATE block of the reserved type); its CRC-32 in the binary
    // index (the last field of its 20-byte entry, after 12 bytes of counts) and the index's own, in
    // the footer, are made to match.
    const damaged = block(blocks.length);
    const { offset, length } = blocks[damaged]!;
    bytes.fill(0xff, offset, offset + length);
    trailer.writeUInt32LE(crc32(bytes.subarray(offset, offset + length)), 12 + damaged * 20 + 16);
    bytes.writeUInt32BE(crc32(trailer), bytes.length - 12);
    writeFileSync(pack, bytes);

    await expectDamagedPack(store, meta.id, pack, `block ${damaged} cannot be decompressed`);
    await store.close();
  },
);

test("a truncated pack (its index at the end cut off): E_STORE_CORRUPT naming the pack, in reads and verify", async () => {
  const { directory, store, damaged, healthy, pack } = await twoSnapshots();
  await store.close();
  truncateSync(pack, statSync(pack).size - 30);
  const reopened = await createFileStore({ directory });
  await expect(readAll(reopened, damaged.id)).rejects.toMatchObject({
    code: "E_STORE_CORRUPT",
    message: expect.stringContaining(pack),
  });
  expect(await readAll(reopened, healthy.id)).toStrictEqual(records.slice(15));
  const { problems } = await reopened.verify();
  expect(problems).toEqual([
    expect.objectContaining({
      code: "E_STORE_CORRUPT",
      file: pack,
      message: expect.stringContaining("truncated"),
    }),
    expect.objectContaining({ code: "E_STORE_CORRUPT", file: pack, snapshotId: damaged.id }),
  ]);
  // Nothing is compacted while a pack is unreadable: its documents might be the only copies.
  expect((await reopened.prune(TENANT, { keepLast: 0 })).documentsRemoved).toBe(0);
  await reopened.close();
});

test("a pack a crashed writer left behind (referenced by no snapshot) is not damage; prune removes it", async () => {
  const { directory, store, pack } = await twoSnapshots();
  const orphan = join(directory, "tenants", TENANT, "packs", "zzzzzzzzz-000000000000.pack");
  copyFileSync(pack, orphan);
  const report = await store.verify();
  expect(report).toMatchObject({ ok: true, unreferencedDocuments: 0 });
  expect((await store.prune(TENANT, { keepLast: 2 })).documentsRemoved).toBe(0);
  expect(existsSync(orphan) && existsSync(pack)).toBe(false);
  expect(await store.verify()).toMatchObject({ ok: true, unreferencedDocuments: 0 });
  await store.close();
});

test("verify() changes nothing, even on a damaged store", async () => {
  const { directory, store, damaged, folder } = await twoSnapshots();
  truncateSync(join(folder, "records.idx"), 10);
  const before = filesUnder(directory).map((name) => [
    name,
    readFileSync(join(directory, name)).toString("base64"),
  ]);
  const report = await store.verify();
  expect(report.ok).toBe(false);
  expect(report.checked).toMatchObject({ tenants: 1, snapshots: 2 });
  expect(
    filesUnder(directory).map((name) => [name, readFileSync(join(directory, name)).toString("base64")]),
  ).toEqual(before);
  expect(damaged.id).toBeTruthy();
  await store.close();
});

test("an unknown format version: E_SNAPSHOT_VERSION for the snapshot and for the whole store", async () => {
  const { directory, store, damaged, healthy, folder } = await twoSnapshots();
  const manifestFile = join(folder, "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, storeFormatVersion: 99 }));
  await expect(store.getSnapshot(TENANT, damaged.id)).rejects.toMatchObject({
    code: "E_SNAPSHOT_VERSION",
    message: expect.stringMatching(/version 99.*Upgrade/),
  });
  expect(await readAll(store, healthy.id)).toStrictEqual(records.slice(15));
  expect((await store.verify()).problems).toEqual([
    expect.objectContaining({ code: "E_SNAPSHOT_VERSION", file: manifestFile }),
  ]);
  await store.close();
  const marker = join(directory, "azure-drift-store.json");
  writeFileSync(marker, JSON.stringify({ format: "azure-drift/file-store", formatVersion: 99 }));
  await expect(createFileStore({ directory })).rejects.toMatchObject({
    code: "E_SNAPSHOT_VERSION",
    message: expect.stringContaining(marker),
  });
});

test("a folder that is not a store, a file, or a path under a file: E_STORE naming it", async () => {
  const foreign = temporaryFolder();
  writeFileSync(join(foreign, "holiday.jpg"), "...");
  await expect(createFileStore({ directory: foreign })).rejects.toMatchObject({
    code: "E_STORE",
    message: expect.stringMatching(/not an azure-drift store.*holiday\.jpg/),
  });
  expect(readdirSync(foreign)).toEqual(["holiday.jpg"]);
  const file = join(temporaryFolder(), "a-file");
  writeFileSync(file, "x");
  await expect(createFileStore({ directory: file })).rejects.toMatchObject({
    code: "E_STORE",
    message: expect.stringContaining("is a file"),
  });
  await expect(createFileStore({ directory: join(file, "store") })).rejects.toMatchObject({
    code: "E_STORE",
    message: expect.stringContaining("ENOTDIR"),
  });
});

// Linux only: /proc is where Node 20's recursive mkdir never returns (the reason is in the name).
if (process.platform !== "linux")
  console.warn("skipped 'a store folder under /proc': /proc exists on Linux only");
test.runIf(process.platform === "linux")(
  "a store folder under /proc (Linux): E_STORE at once, where mkdir({ recursive: true }) never returns",
  async () => {
    const directory = `/proc/azure-drift-${process.pid}/store`;
    await expect(createFileStore({ directory })).rejects.toMatchObject({
      code: "E_STORE",
      message: `Cannot create the store folder ${directory}: /proc does not accept new folders (ENOENT; a virtual file system such as /proc or /sys?). Choose another directory (--store DIR).`,
    });
  },
  5_000,
);

test("a folder this user cannot write: E_STORE at open, not at the end of a collection", async () => {
  const parent = temporaryFolder();
  // Root ignores permission bits, so as root an unwritable place is made differently: a folder
  // whose path runs through a file. Either way the store must refuse at open.
  if (process.getuid?.() === 0) {
    const blocker = join(parent, "blocker");
    writeFileSync(blocker, "");
    await expect(createFileStore({ directory: join(blocker, "store") })).rejects.toMatchObject({
      code: "E_STORE",
    });
  } else {
    const { chmodSync } = await import("node:fs");
    const locked = join(parent, "locked");
    mkdirSync(locked);
    const store = await createFileStore({ directory: locked });
    await store.close();
    chmodSync(locked, 0o500);
    await expect(createFileStore({ directory: locked })).rejects.toMatchObject({
      code: "E_STORE",
      message: expect.stringContaining("writable"),
    });
    chmodSync(locked, 0o700);
  }
});

test("a damaged store marker: E_STORE_CORRUPT naming it", async () => {
  const directory = temporaryFolder();
  await (await createFileStore({ directory })).close();
  writeFileSync(join(directory, "azure-drift-store.json"), "{ not json");
  await expect(createFileStore({ directory })).rejects.toMatchObject({
    code: "E_STORE_CORRUPT",
    message: expect.stringContaining("azure-drift-store.json"),
  });
});

test("leftovers of a crashed writer are removed on open; a live writer's folder is kept", async () => {
  const directory = temporaryFolder();
  const store = await createFileStore({ directory });
  const live = await store.beginSnapshot({
    tenantId: TENANT,
    scopes: ["s1"],
    startedAt: "2024-03-01T00:00:00.000Z",
  });
  await live.write(records.slice(0, 5));
  const tmp = join(directory, "tenants", TENANT, "tmp");
  const [liveFolder] = readdirSync(tmp);
  // A writer folder named for a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max).
  const dead = liveFolder!.replace(/-\d+-/, `-${2 ** 22 + 1}-`).replace(/[0-9a-f]{12}$/, "000000000000");
  mkdirSync(join(tmp, dead, "snap"), { recursive: true });
  writeFileSync(join(tmp, dead, "snap", "records.ndjson.gz"), "partial");
  const second = await createFileStore({ directory });
  expect(readdirSync(tmp)).toEqual([liveFolder]);
  const meta = await live.commit(completion);
  expect(await readAll(second, meta.id)).toStrictEqual(records.slice(0, 5));
  expect(existsSync(join(tmp, liveFolder!))).toBe(false);
  await store.close();
  await second.close();
});

test("bad arguments are E_INPUT with a message saying what to pass", async () => {
  const store = await createFileStore({ directory: temporaryFolder() });
  await expect(store.prune(TENANT, {})).rejects.toMatchObject({
    code: "E_INPUT",
    message: expect.stringContaining("keepLast"),
  });
  await expect(store.prune(TENANT, { keepLast: -1 })).rejects.toMatchObject({ code: "E_INPUT" });
  await expect(store.prune(TENANT, { olderThan: "yesterday" })).rejects.toMatchObject({ code: "E_INPUT" });
  await expect(store.listSnapshots(TENANT, { since: "soon" })).rejects.toMatchObject({ code: "E_INPUT" });
  await expect(store.listSnapshots("", {})).rejects.toMatchObject({ code: "E_INPUT" });
  await expect(
    store.beginSnapshot({ tenantId: TENANT, scopes: ["s1"], startedAt: "not a time" }),
  ).rejects.toMatchObject({ code: "E_INPUT" });
  await snapshot(store, records.slice(0, 1), 0);
  const [existing] = await store.listSnapshots(TENANT);
  await expect(
    store.beginSnapshot({
      tenantId: TENANT,
      id: existing!.id,
      scopes: ["s1"],
      startedAt: "2024-03-01T00:00:00.000Z",
    }),
  ).rejects.toMatchObject({ code: "E_INPUT", message: expect.stringContaining("already exists") });
  await expect(
    store.putBaseline({
      tenantId: TENANT,
      name: "b",
      snapshotId: "no-such-snapshot",
      createdAt: "2024-03-01T00:00:00.000Z",
    }),
  ).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  await expect(
    createFileStore({ directory: temporaryFolder(), compression: "zip" as never }),
  ).rejects.toMatchObject({
    code: "E_INPUT",
  });
  await store.close();
});
