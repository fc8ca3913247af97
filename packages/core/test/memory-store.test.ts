import {
  createMemoryStore,
  type DriftReport,
  isDriftError,
  type ResourceRecord,
  type SnapshotCompletion,
  type Store,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";

const T = "tenant-a";
const completion: SnapshotCompletion = {
  finishedAt: "2026-01-01T00:05:00.000Z",
  collectors: [],
  coverage: [],
};

function record(name: string, hash = `h-${name}`, subscriptionId = "sub1"): ResourceRecord {
  const id = `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/${name}`;
  return {
    id,
    key: id.toLowerCase(),
    type: "Microsoft.Network/networkSecurityGroups",
    name,
    subscriptionId,
    domain: "network",
    collector: "network",
    config: { name, properties: { n: hash } },
    hash,
  };
}

async function snapshot(
  store: Store,
  startedAt: string,
  records: ResourceRecord[],
  scopes = ["sub1"],
  tenantId = T,
) {
  const writer = await store.beginSnapshot({ tenantId, scopes, startedAt });
  await writer.write(records);
  return writer.commit({ ...completion, finishedAt: startedAt });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isDriftError(error) ? error.code : `not a DriftError: ${String(error)}`;
  }
  return undefined;
}

function report(id: string, createdAt: string, tenantId = T): DriftReport {
  return {
    formatVersion: 1,
    id,
    tenantId,
    createdAt,
    base: { snapshotId: "b" },
    current: { snapshotId: "c" },
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
}

describe("memory store: snapshots", () => {
  test("a snapshot is invisible until commit, then its records come back in write order", async () => {
    const store = createMemoryStore();
    const writer = await store.beginSnapshot({
      tenantId: T,
      scopes: ["sub1"],
      startedAt: "2026-01-01T00:00:00.000Z",
      source: "test",
    });
    await Promise.all([writer.write(record("b")), writer.write([record("a"), record("c")])]);
    expect(await store.getSnapshot(T, writer.snapshotId)).toBeUndefined();
    expect(await store.listSnapshots(T)).toEqual([]);
    expect(await rejection(collect(store.readRecords(T, writer.snapshotId)))).toBe("E_NOT_FOUND");
    const meta = await writer.commit(completion);
    expect(meta).toEqual({
      formatVersion: 1,
      id: writer.snapshotId,
      tenantId: T,
      scopes: ["sub1"],
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:05:00.000Z",
      collectors: [],
      coverage: [],
      resourceCount: 3,
      source: "test",
    });
    expect(writer.snapshotId).toMatch(/^20260101t000000000z-[0-9a-f]{8}$/);
    expect(await store.getSnapshot(T, writer.snapshotId)).toEqual(meta);
    expect(await collect(store.readRecords(T, writer.snapshotId))).toEqual([
      record("b"),
      record("a"),
      record("c"),
    ]);
    expect(await collect(store.readRecords(T, writer.snapshotId, { keys: [record("c").key] }))).toEqual([
      record("c"),
    ]);
    expect(await collect(store.readIndex(T, writer.snapshotId))).toEqual(
      ["b", "a", "c"].map((name) => {
        const { config: _config, ...entry } = record(name);
        return entry;
      }),
    );
  });

  test("stored data is copied: mutating what was written or read changes nothing", async () => {
    const store = createMemoryStore();
    const written = record("a");
    const meta = await snapshot(store, "2026-01-01T00:00:00.000Z", [written]);
    (written.config.properties as { n: string }).n = "mutated";
    const [read] = await collect(store.readRecords(T, meta.id));
    (read!.config as { name: string }).name = "changed";
    expect(await collect(store.readRecords(T, meta.id))).toEqual([record("a")]);
  });

  test("an aborted write, a signalled abort and a failed write leave nothing", async () => {
    const store = createMemoryStore();
    const aborted = await store.beginSnapshot({
      tenantId: T,
      scopes: ["sub1"],
      startedAt: "2026-01-01T00:00:00.000Z",
    });
    await aborted.write(record("a"));
    await aborted.abort();
    expect(await rejection(aborted.commit(completion))).toBe("E_ABORTED");

    const controller = new AbortController();
    const signalled = await store.beginSnapshot(
      { tenantId: T, scopes: ["sub1"], startedAt: "2026-01-01T00:00:00.000Z" },
      { signal: controller.signal },
    );
    await signalled.write(record("a"));
    controller.abort();
    expect(await rejection(signalled.write(record("b")))).toBe("E_ABORTED");
    expect(await rejection(signalled.commit(completion))).toBe("E_ABORTED");

    const failed = await store.beginSnapshot({
      tenantId: T,
      scopes: ["sub1"],
      startedAt: "2026-01-01T00:00:00.000Z",
    });
    await failed.write(record("a"));
    expect(await rejection(failed.write({ ...record("b"), hash: "" }))).toBe("E_INPUT");
    expect(await rejection(failed.commit(completion))).toBe("E_INPUT");

    expect(await store.listSnapshots(T)).toEqual([]);
    expect(await store.prune(T, { keepLast: 0 })).toEqual({ snapshotsRemoved: [], documentsRemoved: 0 });
  });

  test("list and latest: by scope, newest first, since inclusive, until exclusive, limit", async () => {
    const store = createMemoryStore();
    const s1 = await snapshot(store, "2026-01-01T00:00:00.000Z", [], ["sub1"]);
    const s2 = await snapshot(store, "2026-01-02T00:00:00.000Z", [], ["sub1", "SUB2"]);
    const s3 = await snapshot(store, "2026-01-03T00:00:00.000Z", [], ["sub3"]);
    const ids = async (query?: Parameters<Store["listSnapshots"]>[1]) =>
      (await store.listSnapshots(T, query)).map((m) => m.id);
    expect(await ids()).toEqual([s3.id, s2.id, s1.id]);
    expect(await ids({ scope: "sub1" })).toEqual([s2.id, s1.id]);
    expect(await ids({ scope: "sub2" })).toEqual([s2.id]);
    expect(await ids({ since: "2026-01-02T00:00:00.000Z" })).toEqual([s3.id, s2.id]);
    expect(await ids({ until: "2026-01-02T00:00:00.000Z" })).toEqual([s1.id]);
    expect(await ids({ limit: 2 })).toEqual([s3.id, s2.id]);
    expect((await store.latestSnapshot(T, { scope: "sub1" }))?.id).toBe(s2.id);
    expect(await store.latestSnapshot(T, { scope: "nope" })).toBeUndefined();
    expect(await rejection(store.listSnapshots(T, { since: "yesterday" }))).toBe("E_INPUT");
  });

  test("a caller-chosen id is used once", async () => {
    const store = createMemoryStore();
    const writer = await store.beginSnapshot({
      tenantId: T,
      id: "snap-1",
      scopes: [],
      startedAt: "2026-01-01T00:00:00.000Z",
    });
    expect(
      await rejection(
        store.beginSnapshot({ tenantId: T, id: "snap-1", scopes: [], startedAt: "2026-01-01T00:00:00.000Z" }),
      ),
    ).toBe("E_INPUT");
    await writer.commit(completion);
    expect(
      await rejection(
        store.beginSnapshot({ tenantId: T, id: "snap-1", scopes: [], startedAt: "2026-01-01T00:00:00.000Z" }),
      ),
    ).toBe("E_INPUT");
  });
});

describe("memory store: reports, baselines, prune", () => {
  test("reports round-trip and list newest first with summaries", async () => {
    const store = createMemoryStore();
    await store.putReport(report("r1", "2026-01-01T00:00:00.000Z"));
    await store.putReport(report("r2", "2026-01-02T00:00:00.000Z"));
    expect(await store.getReport(T, "r1")).toEqual(report("r1", "2026-01-01T00:00:00.000Z"));
    expect(await store.listReports(T)).toEqual([
      {
        id: "r2",
        createdAt: "2026-01-02T00:00:00.000Z",
        baseSnapshotId: "b",
        currentSnapshotId: "c",
        summary: report("r2", "x").summary,
      },
      {
        id: "r1",
        createdAt: "2026-01-01T00:00:00.000Z",
        baseSnapshotId: "b",
        currentSnapshotId: "c",
        summary: report("r1", "x").summary,
      },
    ]);
    expect(
      (await store.listReports(T, { limit: 1, until: "2026-01-02T00:00:00.000Z" })).map((r) => r.id),
    ).toEqual(["r1"]);
  });

  test("baselines pin a snapshot of their own tenant, and prune never removes it", async () => {
    const store = createMemoryStore();
    const old = await snapshot(store, "2026-01-01T00:00:00.000Z", [record("a", "h1")]);
    const mid = await snapshot(store, "2026-01-02T00:00:00.000Z", [record("a", "h2")]);
    const latest = await snapshot(store, "2026-01-03T00:00:00.000Z", [record("a", "h2"), record("b", "h3")]);
    await store.putBaseline({
      tenantId: T,
      name: "approved",
      snapshotId: old.id,
      createdAt: "2026-01-04T00:00:00.000Z",
    });
    expect(await store.listBaselines(T)).toEqual([
      { tenantId: T, name: "approved", snapshotId: old.id, createdAt: "2026-01-04T00:00:00.000Z" },
    ]);
    expect(
      await rejection(
        store.putBaseline({
          tenantId: T,
          name: "x",
          snapshotId: "missing",
          createdAt: "2026-01-04T00:00:00.000Z",
        }),
      ),
    ).toBe("E_NOT_FOUND");

    expect(await store.prune(T, { keepLast: 1 })).toEqual({
      snapshotsRemoved: [mid.id],
      documentsRemoved: 0,
    });
    expect((await store.listSnapshots(T)).map((m) => m.id)).toEqual([latest.id, old.id]);
    expect(await store.deleteBaseline(T, "approved")).toBe(true);
    expect(await store.deleteBaseline(T, "approved")).toBe(false);
    expect(await store.prune(T, { olderThan: "2026-01-02T00:00:00.000Z" })).toEqual({
      snapshotsRemoved: [old.id],
      documentsRemoved: 1,
    });
    expect(await collect(store.readRecords(T, latest.id))).toEqual([record("a", "h2"), record("b", "h3")]);
    expect(await rejection(store.prune(T, {}))).toBe("E_INPUT");
  });

  test("a document still referenced by an open writer survives a prune", async () => {
    const store = createMemoryStore();
    await snapshot(store, "2026-01-01T00:00:00.000Z", [record("a", "h1")]);
    const writer = await store.beginSnapshot({
      tenantId: T,
      scopes: ["sub1"],
      startedAt: "2026-01-02T00:00:00.000Z",
    });
    await writer.write(record("a", "h1"));
    expect(await store.prune(T, { keepLast: 0 })).toMatchObject({ documentsRemoved: 0 });
    const meta = await writer.commit(completion);
    expect(await collect(store.readRecords(T, meta.id))).toEqual([record("a", "h1")]);
  });
});

describe("memory store: isolation and lifecycle", () => {
  test("nothing of tenant A is visible to tenant B, including through crafted ids", async () => {
    const store = createMemoryStore();
    const meta = await snapshot(store, "2026-01-01T00:00:00.000Z", [record("a")], ["sub1"], "A");
    await store.putReport(report("r1", "2026-01-01T00:00:00.000Z", "A"));
    await store.putBaseline({
      tenantId: "A",
      name: "base",
      snapshotId: meta.id,
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    for (const tenant of ["B", "../A", "a", "A/", "A/../A"]) {
      expect(await store.getSnapshot(tenant, meta.id)).toBeUndefined();
      expect(await store.listSnapshots(tenant)).toEqual([]);
      expect(await store.latestSnapshot(tenant)).toBeUndefined();
      expect(await rejection(collect(store.readRecords(tenant, meta.id)))).toBe("E_NOT_FOUND");
      expect(await rejection(collect(store.readIndex(tenant, meta.id)))).toBe("E_NOT_FOUND");
      expect(await store.getReport(tenant, "r1")).toBeUndefined();
      expect(await store.listReports(tenant)).toEqual([]);
      expect(await store.getBaseline(tenant, "base")).toBeUndefined();
      expect(await store.listBaselines(tenant)).toEqual([]);
      expect(await store.deleteBaseline(tenant, "base")).toBe(false);
      expect(
        await rejection(
          store.putBaseline({ tenantId: tenant, name: "steal", snapshotId: meta.id, createdAt: "x" }),
        ),
      ).toBe("E_NOT_FOUND");
      expect(await store.prune(tenant, { keepLast: 0 })).toEqual({
        snapshotsRemoved: [],
        documentsRemoved: 0,
      });
    }
    expect(await store.getSnapshot("A", `../A/${meta.id}`)).toBeUndefined();
    expect((await store.listSnapshots("A")).map((m) => m.id)).toEqual([meta.id]);
    expect(await rejection(store.listSnapshots(""))).toBe("E_INPUT");
  });

  test("after close every call rejects with E_STORE_CLOSED and open writers are discarded", async () => {
    const store = createMemoryStore();
    const meta = await snapshot(store, "2026-01-01T00:00:00.000Z", [record("a")]);
    const writer = await store.beginSnapshot({
      tenantId: T,
      scopes: ["sub1"],
      startedAt: "2026-01-02T00:00:00.000Z",
    });
    await store.close();
    await store.close();
    const calls: Promise<unknown>[] = [
      store.beginSnapshot({ tenantId: T, scopes: [], startedAt: "2026-01-01T00:00:00.000Z" }),
      store.getSnapshot(T, meta.id),
      store.listSnapshots(T),
      store.latestSnapshot(T),
      collect(store.readRecords(T, meta.id)),
      collect(store.readIndex(T, meta.id)),
      store.putReport(report("r", "2026-01-01T00:00:00.000Z")),
      store.getReport(T, "r"),
      store.listReports(T),
      store.putBaseline({
        tenantId: T,
        name: "b",
        snapshotId: meta.id,
        createdAt: "2026-01-01T00:00:00.000Z",
      }),
      store.getBaseline(T, "b"),
      store.listBaselines(T),
      store.deleteBaseline(T, "b"),
      store.prune(T, { keepLast: 0 }),
    ];
    for (const call of calls) expect(await rejection(call)).toBe("E_STORE_CLOSED");
    expect(await rejection(writer.write(record("b")))).toBe("E_ABORTED");
    expect(await rejection(writer.commit(completion))).toBe("E_ABORTED");
  });

  test("an aborted signal rejects reads with E_ABORTED", async () => {
    const store = createMemoryStore();
    const meta = await snapshot(store, "2026-01-01T00:00:00.000Z", [record("a"), record("b")]);
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const item of store.readRecords(T, meta.id, { signal: controller.signal })) {
          seen.push(item.name);
          controller.abort();
        }
      })(),
    );
    expect([error, seen]).toEqual(["E_ABORTED", ["a"]]);
  });
});

test("memory store: listTenants names the tenants that wrote something, sorted; reads create none", async () => {
  const store = createMemoryStore();
  expect(await store.listTenants?.()).toEqual([]);
  await store.listSnapshots("t-read-only");
  await store.putReport(report("r1", "2026-01-01T00:00:00.000Z", "t2"));
  await store.putReport(report("r2", "2026-01-01T00:00:00.000Z", "t1"));
  expect(await store.listTenants?.()).toEqual(["t1", "t2"]);
});
