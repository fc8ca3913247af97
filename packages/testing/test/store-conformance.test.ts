import { createMemoryStore, type SnapshotMeta, type Store } from "@azure-drift/core";
import {
  changeStoreRecords,
  fixtureHash,
  generateStoreRecords,
  storeConformanceSuite,
} from "@azure-drift/testing";
import { describe, expect, test } from "vitest";

/** Registers the suite into a list instead of a runner, so its cases can be run and their outcome inspected. */
function collectCases(factory: () => Store, options = {}) {
  const cases: { name: string; fn: () => Promise<void> | void }[] = [];
  storeConformanceSuite((name, fn) => cases.push({ name, fn }), factory, { name: "s", ...options });
  return cases;
}

async function failingCases(factory: () => Store, options = {}): Promise<string[]> {
  const failed: string[] = [];
  for (const item of collectCases(factory, options)) {
    try {
      await item.fn();
    } catch {
      failed.push(item.name.replace(/^s: /, ""));
    }
  }
  return failed;
}

/** The memory store with one method replaced: a store with one known defect. */
function broken(patch: (store: Store) => Partial<Store>): () => Store {
  return () => {
    const store = createMemoryStore();
    return Object.assign(Object.create(store) as Store, patch(store));
  };
}

describe("storeConformanceSuite", () => {
  test("registers every capability group through the given test function, and fewer when switched off", () => {
    const all = collectCases(() => createMemoryStore()).map((item) => item.name);
    expect(all.length).toBe(24);
    expect(new Set(all).size).toBe(all.length);
    const minimal = collectCases(() => createMemoryStore(), {
      prune: false,
      concurrentWriters: false,
      reports: false,
      baselines: false,
    });
    expect(minimal.map((item) => item.name)).toEqual(
      all.filter((name) => !/prune|concurrent writers|reports round-trip|baselines round-trip/.test(name)),
    );
  });

  test("passes on the in-memory store", async () => {
    expect(await failingCases(() => createMemoryStore())).toEqual([]);
  });

  test("catches a store that leaks tenants", async () => {
    const leaky = broken((store) => ({
      listSnapshots: async (_tenant, query) =>
        store.listSnapshots("11111111-aaaa-4aaa-8aaa-111111111111", query),
    }));
    expect(await failingCases(leaky)).toContain(
      "tenant isolation: nothing of tenant A is visible through calls for tenant B, crafted ids included",
    );
  });

  test("catches a store that shows a snapshot before commit", async () => {
    const early = broken((store) => ({
      getSnapshot: async (tenant, id) =>
        (await store.getSnapshot(tenant, id)) ?? ({ id, tenantId: tenant } as unknown as SnapshotMeta),
    }));
    expect(await failingCases(early)).toContain("a snapshot is invisible until commit resolves");
  });

  test("catches a store that reorders records or drops the newest-first order", async () => {
    const reordering = broken((store) => ({
      readRecords: async function* (tenant, id, options) {
        const all = [];
        for await (const record of store.readRecords(tenant, id, options)) all.push(record);
        yield* all.reverse();
      },
      listSnapshots: async (tenant, query) => (await store.listSnapshots(tenant, query)).reverse(),
    }));
    const failed = await failingCases(reordering);
    expect(failed).toContain(
      "a committed snapshot streams back exactly: order, content, hashes and metadata",
    );
    expect(failed).toContain(
      "listSnapshots and latestSnapshot filter by scope, since, until and limit, newest first",
    );
  });

  test("catches a prune that ignores baselines", async () => {
    const careless = broken((store) => ({
      prune: async (tenant, options) => {
        const baselines = await store.listBaselines(tenant);
        for (const baseline of baselines) await store.deleteBaseline(tenant, baseline.name);
        try {
          return await store.prune(tenant, options);
        } finally {
          for (const baseline of baselines) await store.putBaseline(baseline).catch(() => {});
        }
      },
    }));
    expect(await failingCases(careless)).toContain("prune never removes a baseline's snapshot");
  });

  test("catches a closed store that keeps answering", async () => {
    const immortal = broken(() => ({ close: async () => {} }));
    expect(await failingCases(immortal)).toContain("a closed store refuses every call with E_STORE_CLOSED");
  });
});

describe("store fixtures", () => {
  test("are deterministic, hashed over canonical JSON, and change only the requested fraction", () => {
    const a = generateStoreRecords({ seed: 3, count: 200 });
    expect(generateStoreRecords({ seed: 3, count: 200 })).toStrictEqual(a);
    expect(generateStoreRecords({ seed: 4, count: 200 })).not.toStrictEqual(a);
    for (const record of a) expect(record.hash).toBe(fixtureHash(record.config));
    const { id, ...reordered } = a[0]!.config;
    expect(fixtureHash({ ...reordered, id: id! })).toBe(a[0]!.hash);
    const changed = changeStoreRecords(a, 0.1, 1);
    const differing = changed.filter((record, index) => record.hash !== a[index]!.hash).length;
    expect(differing).toBeGreaterThan(5);
    expect(differing).toBeLessThan(40);
    expect(changed.filter((record, index) => record === a[index]).length).toBe(200 - differing);
  });
});
