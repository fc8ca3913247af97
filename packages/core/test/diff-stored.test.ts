import {
  createMemoryStore,
  diffSnapshots,
  diffStoredSnapshots,
  type JsonObject,
  type RecordIndexEntry,
  type ResourceRecord,
  type SnapshotData,
  type Store,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import {
  armSnapshot,
  nsg,
  roleAssignment,
  storageAccount,
  TENANT,
  thirtyRules,
} from "./support/arm-fixtures.js";

async function put(store: Store, data: SnapshotData, startedAt: string): Promise<string> {
  const writer = await store.beginSnapshot({
    tenantId: TENANT,
    scopes: data.meta.scopes,
    startedAt,
    source: "test",
  });
  await writer.write([...data.records]);
  const meta = await writer.commit({
    finishedAt: startedAt,
    collectors: data.meta.collectors,
    coverage: data.meta.coverage,
  });
  return meta.id;
}

async function readBack(store: Store, snapshotId: string): Promise<SnapshotData> {
  const meta = (await store.getSnapshot(TENANT, snapshotId))!;
  const records: ResourceRecord[] = [];
  for await (const record of store.readRecords(TENANT, snapshotId)) records.push(record);
  return { meta, records };
}

/** Counts the records a diff asks the store for. */
/** Counts what a diff reads: records by key, and documents by hash (`byHash: false` hides readConfigs). */
function counting(store: Store, { byHash = true } = {}): { store: Store; read: string[] } {
  const read: string[] = [];
  const wrapped: Store = Object.create(store);
  wrapped.readRecords = async function* (tenantId, snapshotId, options) {
    for await (const record of store.readRecords(tenantId, snapshotId, options)) {
      read.push(record.key);
      yield record;
    }
  };
  wrapped.readConfigs = !byHash
    ? undefined
    : async function* (tenantId, hashes, options) {
        for await (const stored of store.readConfigs!(tenantId, hashes, options)) {
          read.push(stored.hash);
          yield stored;
        }
      };
  return { store: wrapped, read };
}

function estate(count: number, mutate?: (resources: JsonObject[]) => void): JsonObject[] {
  const resources: JsonObject[] = [];
  for (let i = 0; i < count; i++) {
    resources.push(i % 2 === 0 ? nsg(`nsg-${i}`, thirtyRules().slice(0, 5)) : storageAccount(`st${i}`));
  }
  mutate?.(resources);
  return resources;
}

describe("diffStoredSnapshots", () => {
  test("gives the same report as diffSnapshots on the same snapshots, reading only churned records", async () => {
    const memory = createMemoryStore();
    const before = estate(40);
    const after = estate(40, (resources) => {
      resources[3] = storageAccount("st3", { minimumTlsVersion: "TLS1_0" });
      resources[4] = nsg("nsg-4", [
        { name: "AllowSSH", priority: 100, port: "22", source: "Internet" },
        ...thirtyRules().slice(0, 5),
      ]);
      resources.splice(10, 1); // nsg-10 removed
      resources.push(
        roleAssignment("99999999-2222-3333-4444-555555555555", "p9", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
      );
      const noisy = resources.findIndex((resource) => resource.name === "nsg-22");
      resources[noisy] = nsg("nsg-22", thirtyRules().slice(0, 5), { etag: 'W/"changed"' }); // noise only
    });
    const baseId = await put(memory, armSnapshot(before), "2026-11-20T00:00:00.000Z");
    const currentId = await put(memory, armSnapshot(after), "2026-11-21T00:00:00.000Z");
    const { store, read } = counting(memory);
    const options = { reportId: "r1", now: new Date("2026-11-21T01:00:00.000Z") };
    const stored = await diffStoredSnapshots(store, TENANT, baseId, currentId, options);
    const inMemory = diffSnapshots(
      await readBack(memory, baseId),
      await readBack(memory, currentId),
      options,
    );
    expect(stored).toEqual(inMemory);
    expect(stored.resources.map((drift) => [drift.status, drift.name])).toEqual([
      ["modified", "nsg-4"],
      ["added", "99999999-2222-3333-4444-555555555555"],
      ["modified", "st3"],
      ["removed", "nsg-10"],
    ]);
    // 2 modified × 2 sides + 1 removed + 1 added: not the 79 records of the two snapshots.
    expect(read.length).toBe(6);
    // A store without readConfigs gets the same report through readRecords({ keys }).
    const byKey = counting(memory, { byHash: false });
    expect(await diffStoredSnapshots(byKey.store, TENANT, baseId, currentId, options)).toEqual(inMemory);
    expect(byKey.read.length).toBe(6);
    // A store that compares the indexes itself (here by a plain reference comparison) gets the same
    // report, and the diff reads neither index; one that declines is read whole instead.
    const indexReads: string[] = [];
    const comparing = Object.assign(Object.create(memory) as Store, {
      readIndexBatches: undefined,
      readIndex(tenantId: string, snapshotId: string) {
        indexReads.push(snapshotId);
        return memory.readIndex(tenantId, snapshotId);
      },
      async compareIndexes(tenantId: string, base: string, current: string) {
        const entries = async (snapshotId: string) => {
          const found = new Map<string, RecordIndexEntry>();
          for await (const entry of memory.readIndex(tenantId, snapshotId)) found.set(entry.key, entry);
          return found;
        };
        const [before, after] = [await entries(base), await entries(current)];
        return {
          modified: [...after.values()]
            .filter((entry) => before.has(entry.key) && before.get(entry.key)!.hash !== entry.hash)
            .map((entry) => ({ base: before.get(entry.key)!, current: entry })),
          added: [...after.values()].filter((entry) => !before.has(entry.key)),
          removed: [...before.values()].filter((entry) => !after.has(entry.key)),
        };
      },
    });
    expect(await diffStoredSnapshots(comparing, TENANT, baseId, currentId, options)).toEqual(inMemory);
    expect(indexReads).toEqual([]);
    const declining = Object.assign(Object.create(comparing) as Store, {
      compareIndexes: async () => undefined,
    });
    expect(await diffStoredSnapshots(declining, TENANT, baseId, currentId, options)).toEqual(inMemory);
    expect(indexReads.sort()).toEqual([baseId, currentId].sort());
  });

  test("two identical snapshots read no records at all", async () => {
    const memory = createMemoryStore();
    const baseId = await put(memory, armSnapshot(estate(10)), "2026-11-20T00:00:00.000Z");
    const currentId = await put(memory, armSnapshot(estate(10)), "2026-11-21T00:00:00.000Z");
    const { store, read } = counting(memory);
    const report = await diffStoredSnapshots(store, TENANT, baseId, currentId);
    expect(report.resources).toEqual([]);
    expect(read).toEqual([]);
  });

  test("an unknown snapshot id is E_NOT_FOUND; an aborted signal is E_ABORTED", async () => {
    const memory = createMemoryStore();
    const baseId = await put(memory, armSnapshot(estate(2)), "2026-11-20T00:00:00.000Z");
    await expect(diffStoredSnapshots(memory, TENANT, baseId, "nope")).rejects.toMatchObject({
      code: "E_NOT_FOUND",
      message: `Snapshot nope does not exist for tenant ${TENANT}; list the tenant's snapshots and pick an existing id.`,
    });
    await expect(
      diffStoredSnapshots(memory, TENANT, baseId, baseId, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: "E_ABORTED" });
  });

  test("reports diff-finished progress", async () => {
    const memory = createMemoryStore();
    const baseId = await put(memory, armSnapshot(estate(4)), "2026-11-20T00:00:00.000Z");
    const currentId = await put(memory, armSnapshot(estate(3)), "2026-11-21T00:00:00.000Z");
    const events: unknown[] = [];
    await diffStoredSnapshots(memory, TENANT, baseId, currentId, {
      onProgress: (event) => events.push(event),
    });
    expect(events).toEqual([{ type: "diff-finished", added: 0, removed: 1, modified: 0, unknown: 0 }]);
  });
});
