import type {
  Baseline,
  DriftReport,
  ResourceRecord,
  SnapshotCompletion,
  SnapshotInit,
  SnapshotMeta,
  Store,
} from "@azure-drift/core";
import { collect, equal, rejectsWith, sameJson, truthy } from "./assertions.js";
import { changeStoreRecords, generateStoreRecords } from "./records.js";

/**
 * The `test` function of a runner (vitest's or node:test's `test`, Jest's `it`): the suite registers
 * its cases through it and imports no runner itself.
 */
export type ConformanceTestFunction = (
  name: string,
  fn: () => Promise<void> | void,
  timeout?: number,
) => void;

/**
 * Callbacks that read the backing store directly (Auth.js style), so the suite can prove side
 * effects and not only round trips. Each is optional; the checks that need one are skipped without it.
 */
export interface StoreInspector {
  /** The hashes of the resource documents the backing store holds for a tenant (each once). */
  documentHashes?(store: Store, tenantId: string): Promise<string[]>;
}

/** Capability groups and knobs of {@link storeConformanceSuite}. */
export interface StoreConformanceOptions {
  /** Prefix of every test name. Default `store conformance`. */
  name?: string;
  /** Retention: `prune`. Default true. */
  prune?: boolean;
  /** Several writers of one store at once. Default true. */
  concurrentWriters?: boolean;
  /** Reports: `putReport`, `getReport`, `listReports`. Default true. */
  reports?: boolean;
  /** Baselines: `putBaseline`, `getBaseline`, `listBaselines`, `deleteBaseline`. Default true. */
  baselines?: boolean;
  /** Reading the backing store directly to check side effects. */
  inspect?: StoreInspector;
  /** Records in the larger streaming case. Default 1500. */
  largeSnapshotRecords?: number;
  /** Per-test timeout handed to `test`. Default 30 000 ms. */
  timeoutMs?: number;
}

/** A factory for a fresh, empty store; the suite closes every store it gets. */
export type StoreFactory = () => Store | Promise<Store>;

const TENANT_A = "11111111-aaaa-4aaa-8aaa-111111111111";
const TENANT_B = "22222222-bbbb-4bbb-8bbb-222222222222";
const SUB_1 = "00000000-0000-0000-0000-0000000000s1";
const SUB_2 = "00000000-0000-0000-0000-0000000000s2";
const T0 = Date.parse("2024-03-01T00:00:00.000Z");
/** An ISO time `minutes` after the suite's epoch. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

interface SnapshotSpec {
  tenantId?: string;
  scopes?: string[];
  /** Start time in minutes after the epoch; finished 5 minutes later. */
  minute?: number;
  id?: string;
  source?: string;
}

function completionFor(scopes: string[], minute: number, records: number): SnapshotCompletion {
  return {
    finishedAt: at(minute + 5),
    collectors: scopes.map((scope) => ({
      name: "network",
      version: "1.0.0",
      scope,
      outcome: "succeeded" as const,
      records,
      startedAt: at(minute),
      finishedAt: at(minute + 5),
    })),
    coverage: scopes.map((scope) => ({
      scope,
      collector: "network",
      type: "Microsoft.Network/networkSecurityGroups",
      complete: true,
    })),
  };
}

async function writeSnapshot(store: Store, records: readonly ResourceRecord[], spec: SnapshotSpec = {}) {
  const scopes = spec.scopes ?? [SUB_1];
  const minute = spec.minute ?? 0;
  const init: SnapshotInit = { tenantId: spec.tenantId ?? TENANT_A, scopes, startedAt: at(minute) };
  if (spec.id !== undefined) init.id = spec.id;
  if (spec.source !== undefined) init.source = spec.source;
  const writer = await store.beginSnapshot(init);
  for (let index = 0; index < records.length; index += 7) await writer.write(records.slice(index, index + 7));
  return writer.commit(completionFor(scopes, minute, records.length));
}

function report(tenantId: string, id: string, minute: number, base?: string, current?: string): DriftReport {
  return {
    formatVersion: 1,
    id,
    tenantId,
    createdAt: at(minute),
    base: base === undefined ? { label: "base" } : { snapshotId: base },
    current: current === undefined ? { label: "current" } : { snapshotId: current },
    summary: {
      added: 1,
      removed: 0,
      modified: 1,
      unknown: 0,
      bySeverity: { critical: 1, high: 0, medium: 0, low: 0, info: 1 },
    },
    resources: [
      {
        id: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/a",
        key: "/subscriptions/x/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/a",
        type: "Microsoft.Network/networkSecurityGroups",
        status: "modified",
        severity: "critical",
        changes: [
          {
            path: "properties.securityRules[name=AllowSSH].properties.sourceAddressPrefix",
            kind: "changed",
            before: "10.0.0.0/8",
            after: "*",
            severity: "critical",
            message: "SSH opened to the Internet",
          },
        ],
      },
    ],
    unknown: [],
    suppressed: [],
    notices: [`report ${id}`],
  };
}

const ids = (metas: readonly { id: string }[]) => metas.map((meta) => meta.id);

/**
 * Registers the store contract as test cases: every store (the in-memory one, the file store,
 * MongoDB, yours) must pass it. Hook it up in three lines:
 *
 * ```ts
 * import { test } from "vitest";
 * import { storeConformanceSuite } from "@azure-drift/testing";
 * storeConformanceSuite(test, () => createMyStore(), { prune: true });
 * ```
 *
 * Assertions throw (node:assert), so any runner whose `test` takes `(name, fn, timeout?)` works.
 */
export function storeConformanceSuite(
  test: ConformanceTestFunction,
  factory: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  const prefix = options.name ?? "store conformance";
  const timeout = options.timeoutMs ?? 30_000;
  const it = (name: string, body: (store: Store) => Promise<void>) =>
    test(
      `${prefix}: ${name}`,
      async () => {
        const store = await factory();
        try {
          await body(store);
        } finally {
          await store.close();
        }
      },
      timeout,
    );
  const records = generateStoreRecords({ seed: 1, count: 40, subscriptions: [SUB_1] });

  // ---- writing and reading ----------------------------------------------------------------------

  it("a committed snapshot streams back exactly: order, content, hashes and metadata", async (store) => {
    const meta = await writeSnapshot(store, records, { minute: 10, source: "conformance" });
    truthy(typeof meta.id === "string" && meta.id.length > 0, "commit returns the snapshot id");
    equal(meta.tenantId, TENANT_A, "meta.tenantId");
    equal(meta.resourceCount, records.length, "meta.resourceCount counts the records written");
    equal(meta.startedAt, at(10), "meta.startedAt comes from beginSnapshot");
    equal(meta.finishedAt, at(15), "meta.finishedAt comes from commit");
    equal(meta.source, "conformance", "meta.source comes from beginSnapshot");
    sameJson(meta.scopes, [SUB_1], "meta.scopes");
    const completion = completionFor([SUB_1], 10, records.length);
    sameJson(meta.coverage, completion.coverage, "meta.coverage is kept as committed");
    sameJson(meta.collectors, completion.collectors, "meta.collectors is kept as committed");
    sameJson(await store.getSnapshot(TENANT_A, meta.id), meta, "getSnapshot returns what commit returned");
    sameJson(
      await collect(store.readRecords(TENANT_A, meta.id)),
      records,
      "readRecords yields the records as written",
    );
  });

  it("concurrent write calls keep the order of the calls", async (store) => {
    const writer = await store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(0) });
    const first = records[0]!;
    await Promise.all([
      writer.write(first),
      writer.write(records.slice(1, 20)),
      writer.write(records.slice(20)),
    ]);
    const meta = await writer.commit(completionFor([SUB_1], 0, records.length));
    equal(writer.snapshotId, meta.id, "writer.snapshotId is the committed id");
    sameJson(await collect(store.readRecords(TENANT_A, meta.id)), records, "records in call order");
  });

  it("a caller-chosen snapshot id is kept", async (store) => {
    const meta = await writeSnapshot(store, records.slice(0, 3), { id: "nightly-2024-03-01" });
    equal(meta.id, "nightly-2024-03-01", "the id given to beginSnapshot");
    equal((await store.getSnapshot(TENANT_A, "nightly-2024-03-01"))?.resourceCount, 3, "found by that id");
  });

  it("an empty snapshot commits and reads back empty", async (store) => {
    const meta = await writeSnapshot(store, []);
    equal(meta.resourceCount, 0, "resourceCount");
    equal((await collect(store.readRecords(TENANT_A, meta.id))).length, 0, "no records");
  });

  it("readIndex streams every record without its config, in order", async (store) => {
    const meta = await writeSnapshot(store, records);
    const expected = records.map(({ config: _config, ...entry }) => entry);
    sameJson(await collect(store.readIndex(TENANT_A, meta.id)), expected, "readIndex entries");
  });

  it("readIndexBatches (when the store has it) yields readIndex's entries in order, in non-empty batches", async (store) => {
    if (!store.readIndexBatches) return;
    const meta = await writeSnapshot(store, records);
    const batches = await collect(store.readIndexBatches(TENANT_A, meta.id));
    truthy(
      batches.every((batch) => batch.length > 0),
      "no empty batch",
    );
    sameJson(
      batches.flat(),
      await collect(store.readIndex(TENANT_A, meta.id)),
      "the same entries as readIndex",
    );
    sameJson(
      batches.flat(),
      records.map(({ config: _config, ...entry }) => entry),
      "every record without its config, in order",
    );
    await rejectsWith(
      () => collect(store.readIndexBatches!(TENANT_A, "no-such-snapshot")),
      ["E_NOT_FOUND"],
      "readIndexBatches of a missing snapshot",
    );
  });

  it("readConfigs (when the store has it) returns the tenant's documents by hash, and nothing else", async (store) => {
    if (!store.readConfigs) return;
    await writeSnapshot(store, records);
    const wanted = [records[4]!, records[11]!];
    const read = await collect(
      store.readConfigs(TENANT_A, [
        wanted[0]!.hash,
        wanted[1]!.hash,
        wanted[0]!.hash,
        "0".repeat(64),
        "../x",
      ]),
    );
    sameJson(
      read.sort((a, b) => (a.hash < b.hash ? -1 : 1)),
      wanted.map(({ hash, config }) => ({ hash, config })).sort((a, b) => (a.hash < b.hash ? -1 : 1)),
      "configs by hash, each once, unknown and crafted hashes skipped",
    );
    equal(
      (await collect(store.readConfigs(TENANT_B, [wanted[0]!.hash]))).length,
      0,
      "another tenant's documents",
    );
  });

  it("readRecords with keys yields only those records, in snapshot order", async (store) => {
    const meta = await writeSnapshot(store, records);
    const wanted = [records[30]!, records[2]!, records[17]!];
    const read = await collect(
      store.readRecords(TENANT_A, meta.id, { keys: [...wanted.map((record) => record.key), "/not/there"] }),
    );
    sameJson(read, [records[2], records[17], records[30]], "the selected records");
    equal(
      (await collect(store.readRecords(TENANT_A, meta.id, { keys: [] }))).length,
      0,
      "no keys, no records",
    );
  });

  it("a larger snapshot streams back exactly", async (store) => {
    const many = generateStoreRecords({
      seed: 7,
      count: options.largeSnapshotRecords ?? 1500,
      subscriptions: [SUB_1, SUB_2],
    });
    const writer = await store.beginSnapshot({
      tenantId: TENANT_A,
      scopes: [SUB_1, SUB_2],
      startedAt: at(0),
    });
    for (let index = 0; index < many.length; index += 100) await writer.write(many.slice(index, index + 100));
    const meta = await writer.commit(completionFor([SUB_1, SUB_2], 0, many.length));
    equal(meta.resourceCount, many.length, "resourceCount");
    const read = await collect(store.readRecords(TENANT_A, meta.id));
    equal(read.length, many.length, "record count read back");
    sameJson(read, many, "records read back");
  });

  // ---- atomicity --------------------------------------------------------------------------------

  it("a snapshot is invisible until commit resolves", async (store) => {
    const previous = await writeSnapshot(store, records.slice(0, 5), { minute: 0 });
    const writer = await store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(60) });
    await writer.write(records);
    equal(await store.getSnapshot(TENANT_A, writer.snapshotId), undefined, "getSnapshot before commit");
    sameJson(ids(await store.listSnapshots(TENANT_A)), [previous.id], "listSnapshots before commit");
    equal((await store.latestSnapshot(TENANT_A))?.id, previous.id, "latestSnapshot before commit");
    await rejectsWith(
      () => collect(store.readRecords(TENANT_A, writer.snapshotId)),
      ["E_NOT_FOUND"],
      "readRecords before commit",
    );
    await rejectsWith(
      () => collect(store.readIndex(TENANT_A, writer.snapshotId)),
      ["E_NOT_FOUND"],
      "readIndex before commit",
    );
    const meta = await writer.commit(completionFor([SUB_1], 60, records.length));
    equal((await store.latestSnapshot(TENANT_A))?.id, meta.id, "latestSnapshot after commit");
  });

  it("an aborted snapshot never becomes visible, and its writer refuses more writes", async (store) => {
    const writer = await store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(0) });
    await writer.write(records);
    await writer.abort();
    equal(await store.getSnapshot(TENANT_A, writer.snapshotId), undefined, "getSnapshot after abort");
    equal((await store.listSnapshots(TENANT_A)).length, 0, "listSnapshots after abort");
    await rejectsWith(() => writer.write(records[0]!), ["E_ABORTED", "E_INPUT"], "write after abort");
    await rejectsWith(
      () => writer.commit(completionFor([SUB_1], 0, 0)),
      ["E_ABORTED", "E_INPUT"],
      "commit after abort",
    );
    equal((await store.listSnapshots(TENANT_A)).length, 0, "still nothing listed");
  });

  it("an AbortSignal cancels a snapshot write with E_ABORTED and nothing becomes visible", async (store) => {
    const controller = new AbortController();
    const writer = await store.beginSnapshot(
      { tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(0) },
      { signal: controller.signal },
    );
    await writer.write(records.slice(0, 10));
    controller.abort(new Error("cancelled by the test"));
    await rejectsWith(() => writer.write(records.slice(10)), ["E_ABORTED"], "write after the signal aborted");
    await rejectsWith(
      () => writer.commit(completionFor([SUB_1], 0, 10)),
      ["E_ABORTED"],
      "commit after the signal aborted",
    );
    await writer.abort();
    equal(await store.getSnapshot(TENANT_A, writer.snapshotId), undefined, "getSnapshot");
    equal((await store.listSnapshots(TENANT_A)).length, 0, "listSnapshots");
    const aborted = new AbortController();
    aborted.abort();
    await rejectsWith(
      () =>
        store.beginSnapshot(
          { tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(0) },
          { signal: aborted.signal },
        ),
      ["E_ABORTED"],
      "beginSnapshot with an aborted signal",
    );
  });

  it("a failed write leaves nothing visible", async (store) => {
    const writer = await store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(0) });
    await writer.write(records.slice(0, 5));
    const broken = { ...records[5]!, hash: undefined } as unknown as ResourceRecord;
    await rejectsWith(() => writer.write(broken), ["E_INPUT"], "write of a record without a hash");
    await rejectsWith(
      () => writer.commit({ finishedAt: at(5) } as unknown as SnapshotCompletion),
      ["E_INPUT"],
      "commit without collectors and coverage",
    );
    await writer.abort();
    equal(await store.getSnapshot(TENANT_A, writer.snapshotId), undefined, "getSnapshot");
    equal((await store.listSnapshots(TENANT_A)).length, 0, "listSnapshots");
  });

  // ---- listing ----------------------------------------------------------------------------------

  it("listSnapshots and latestSnapshot filter by scope, since, until and limit, newest first", async (store) => {
    const small = records.slice(0, 2);
    const s1 = await writeSnapshot(store, small, { minute: 0, scopes: [SUB_1] });
    const s2 = await writeSnapshot(store, small, { minute: 60, scopes: [SUB_2] });
    const s3 = await writeSnapshot(store, small, { minute: 120, scopes: [SUB_1, SUB_2] });
    const s4 = await writeSnapshot(store, small, { minute: 180, scopes: [SUB_1] });
    const s5 = await writeSnapshot(store, small, { minute: 240, scopes: [SUB_2] });
    equal(ids(await store.listSnapshots(TENANT_A)), [s5.id, s4.id, s3.id, s2.id, s1.id], "all, newest first");
    equal(ids(await store.listSnapshots(TENANT_A, { scope: SUB_1 })), [s4.id, s3.id, s1.id], "scope");
    equal(
      ids(await store.listSnapshots(TENANT_A, { scope: SUB_2.toUpperCase() })),
      [s5.id, s3.id, s2.id],
      "scope compared lower-cased",
    );
    equal(
      ids(await store.listSnapshots(TENANT_A, { since: at(60) })),
      [s5.id, s4.id, s3.id, s2.id],
      "since is inclusive",
    );
    equal(
      ids(await store.listSnapshots(TENANT_A, { until: at(180) })),
      [s3.id, s2.id, s1.id],
      "until is exclusive",
    );
    equal(
      ids(await store.listSnapshots(TENANT_A, { since: at(30), until: at(200), scope: SUB_1 })),
      [s4.id, s3.id],
      "range and scope",
    );
    equal(ids(await store.listSnapshots(TENANT_A, { limit: 2 })), [s5.id, s4.id], "limit");
    equal(ids(await store.listSnapshots(TENANT_A, { limit: 0 })), [], "limit 0");
    equal((await store.latestSnapshot(TENANT_A))?.id, s5.id, "latest");
    equal((await store.latestSnapshot(TENANT_A, { scope: SUB_1 }))?.id, s4.id, "latest in a scope");
    equal((await store.latestSnapshot(TENANT_A, { until: at(150) }))?.id, s3.id, "latest before a time");
    equal(
      await store.latestSnapshot(TENANT_A, { scope: "no-such-subscription" }),
      undefined,
      "latest in an empty scope",
    );
    equal(
      await store.latestSnapshot("33333333-cccc-4ccc-8ccc-333333333333"),
      undefined,
      "latest of an unknown tenant",
    );
  });

  // ---- reports and baselines --------------------------------------------------------------------

  if (options.reports !== false) {
    it("reports round-trip and list newest first with since, until and limit", async (store) => {
      const r1 = report(TENANT_A, "report-1", 10, "snap-a", "snap-b");
      const r2 = report(TENANT_A, "report-2", 20);
      const r3 = report(TENANT_A, "report-3", 30, undefined, "snap-c");
      for (const item of [r2, r1, r3]) await store.putReport(item);
      sameJson(await store.getReport(TENANT_A, "report-1"), r1, "getReport returns the report as put");
      sameJson(await store.getReport(TENANT_A, "report-3"), r3, "getReport of another report");
      equal(await store.getReport(TENANT_A, "report-9"), undefined, "an unknown report");
      const listed = await store.listReports(TENANT_A);
      equal(ids(listed), ["report-3", "report-2", "report-1"], "newest first");
      sameJson(
        listed[2],
        {
          id: "report-1",
          createdAt: at(10),
          baseSnapshotId: "snap-a",
          currentSnapshotId: "snap-b",
          summary: r1.summary,
        },
        "a listing entry carries id, createdAt, snapshot ids and the summary",
      );
      equal(
        ids(await store.listReports(TENANT_A, { since: at(20) })),
        ["report-3", "report-2"],
        "since is inclusive",
      );
      equal(ids(await store.listReports(TENANT_A, { until: at(20) })), ["report-1"], "until is exclusive");
      equal(ids(await store.listReports(TENANT_A, { limit: 1 })), ["report-3"], "limit");
    });
  }

  if (options.baselines !== false) {
    it("baselines round-trip, are replaced by name and deleted", async (store) => {
      const s1 = await writeSnapshot(store, records.slice(0, 3), { minute: 0 });
      const s2 = await writeSnapshot(store, records.slice(0, 4), { minute: 10 });
      const prod: Baseline = {
        tenantId: TENANT_A,
        name: "prod",
        snapshotId: s1.id,
        createdAt: at(20),
        note: "approved",
      };
      const audit: Baseline = {
        tenantId: TENANT_A,
        name: "audit 2024/Q1",
        snapshotId: s2.id,
        createdAt: at(21),
      };
      await store.putBaseline(prod);
      await store.putBaseline(audit);
      sameJson(await store.getBaseline(TENANT_A, "prod"), prod, "getBaseline");
      sameJson(await store.getBaseline(TENANT_A, "audit 2024/Q1"), audit, "a name with a space and a slash");
      sameJson(
        (await store.listBaselines(TENANT_A)).sort((a, b) => a.name.localeCompare(b.name)),
        [audit, prod],
        "listBaselines",
      );
      const accepted: Baseline = { ...prod, snapshotId: s2.id, createdAt: at(30) };
      await store.putBaseline(accepted);
      sameJson(
        await store.getBaseline(TENANT_A, "prod"),
        accepted,
        "putBaseline replaces a baseline of the same name",
      );
      equal(await store.deleteBaseline(TENANT_A, "prod"), true, "deleteBaseline of an existing baseline");
      equal(await store.deleteBaseline(TENANT_A, "prod"), false, "deleteBaseline again");
      equal(await store.getBaseline(TENANT_A, "prod"), undefined, "getBaseline after delete");
      equal((await store.listBaselines(TENANT_A)).length, 1, "one left");
    });
  }

  // ---- tenant isolation -------------------------------------------------------------------------

  it("tenant isolation: nothing of tenant A is visible through calls for tenant B, crafted ids included", async (store) => {
    const snapshotA = await writeSnapshot(store, records, { tenantId: TENANT_A, minute: 0 });
    if (options.reports !== false)
      await store.putReport(report(TENANT_A, "report-a", 5, undefined, snapshotA.id));
    if (options.baselines !== false) {
      await store.putBaseline({
        tenantId: TENANT_A,
        name: "prod",
        snapshotId: snapshotA.id,
        createdAt: at(6),
      });
    }
    const crafted = (value: string) => [
      value,
      `../${value}`,
      `..%2f${value}`,
      `..\\${value}`,
      `/${value}`,
      `${value}/..`,
      `./${value}`,
      `../tenants/${value}`,
      `${TENANT_B}/../${value}`,
    ];
    const tenantsToTry = [TENANT_B, ...crafted(TENANT_A).slice(1), "..", ".", "/", "%2e%2e"];
    const snapshotIdsToTry = [
      ...crafted(snapshotA.id),
      `../${TENANT_A}/${snapshotA.id}`,
      `../../${TENANT_A}/snapshots/${snapshotA.id}`,
      `..%2f..%2f${TENANT_A}%2f${snapshotA.id}`,
    ];
    for (const tenant of tenantsToTry) {
      equal((await store.listSnapshots(tenant)).length, 0, `listSnapshots(${JSON.stringify(tenant)})`);
      equal(await store.latestSnapshot(tenant), undefined, `latestSnapshot(${JSON.stringify(tenant)})`);
      for (const snapshotId of snapshotIdsToTry) {
        const call = `for tenant ${JSON.stringify(tenant)} and snapshot ${JSON.stringify(snapshotId)}`;
        equal(await store.getSnapshot(tenant, snapshotId), undefined, `getSnapshot ${call}`);
        await rejectsWith(
          () => collect(store.readRecords(tenant, snapshotId)),
          ["E_NOT_FOUND", "E_INPUT"],
          `readRecords ${call}`,
        );
        await rejectsWith(
          () => collect(store.readIndex(tenant, snapshotId)),
          ["E_NOT_FOUND", "E_INPUT"],
          `readIndex ${call}`,
        );
      }
      if (options.reports !== false) {
        equal((await store.listReports(tenant)).length, 0, `listReports(${JSON.stringify(tenant)})`);
        for (const reportId of crafted("report-a")) {
          equal(
            await store.getReport(tenant, reportId),
            undefined,
            `getReport(${JSON.stringify(tenant)}, ${JSON.stringify(reportId)})`,
          );
        }
      }
      if (options.baselines !== false) {
        equal((await store.listBaselines(tenant)).length, 0, `listBaselines(${JSON.stringify(tenant)})`);
        for (const name of crafted("prod")) {
          equal(
            await store.getBaseline(tenant, name),
            undefined,
            `getBaseline(${JSON.stringify(tenant)}, ${JSON.stringify(name)})`,
          );
        }
      }
    }
    // Crafted ids inside tenant A must not reach anything either.
    for (const snapshotId of snapshotIdsToTry.slice(1)) {
      equal(
        await store.getSnapshot(TENANT_A, snapshotId),
        undefined,
        `getSnapshot(A, ${JSON.stringify(snapshotId)})`,
      );
    }
    if (options.baselines !== false) {
      // A baseline for B naming A's snapshot must not open A's snapshot to B.
      try {
        await store.putBaseline({
          tenantId: TENANT_B,
          name: "stolen",
          snapshotId: snapshotA.id,
          createdAt: at(7),
        });
      } catch {
        // Refusing it is the better answer; accepting it is allowed as long as nothing leaks.
      }
      await rejectsWith(
        () => collect(store.readRecords(TENANT_B, snapshotA.id)),
        ["E_NOT_FOUND", "E_INPUT"],
        "readRecords(B, A's baselined snapshot)",
      );
    }
    if (options.prune !== false) {
      await store.prune(TENANT_B, { keepLast: 0 });
      await store.prune(`../${TENANT_A}`, { keepLast: 0 });
    }
    // The same caller-chosen id in two tenants names two different snapshots.
    const sharedA = await writeSnapshot(store, records.slice(0, 2), {
      tenantId: TENANT_A,
      id: "shared-id",
      minute: 1,
    });
    const sharedB = await writeSnapshot(store, records.slice(2, 5), {
      tenantId: TENANT_B,
      id: "shared-id",
      minute: 1,
    });
    equal(sharedA.resourceCount + sharedB.resourceCount, 5, "both committed");
    sameJson(await collect(store.readRecords(TENANT_B, "shared-id")), records.slice(2, 5), "B reads its own");
    sameJson(await collect(store.readRecords(TENANT_A, "shared-id")), records.slice(0, 2), "A reads its own");
    sameJson(
      await collect(store.readRecords(TENANT_A, snapshotA.id)),
      records,
      "A's data is intact after B's calls",
    );
    if (options.baselines !== false)
      equal((await store.getBaseline(TENANT_A, "prod"))?.snapshotId, snapshotA.id, "A's baseline intact");
    if (options.reports !== false)
      equal((await store.getReport(TENANT_A, "report-a"))?.id, "report-a", "A's report intact");
  });

  // ---- content addressing -----------------------------------------------------------------------

  const documentHashes = options.inspect?.documentHashes;
  if (documentHashes) {
    it("an unchanged resource is stored once across snapshots (content addressing)", async (store) => {
      const next = changeStoreRecords(records, 0.2, 3);
      const changed = next.filter((record, index) => record.hash !== records[index]!.hash).length;
      truthy(changed > 0, "the fixture changed some records");
      await writeSnapshot(store, records, { minute: 0 });
      await writeSnapshot(store, next, { minute: 10 });
      await writeSnapshot(store, next, { minute: 20 });
      const stored = await documentHashes(store, TENANT_A);
      equal(new Set(stored).size, stored.length, "no document stored twice");
      equal(
        [...stored].sort(),
        [...new Set([...records, ...next].map((record) => record.hash))].sort(),
        "exactly one document per distinct hash",
      );
      equal((await documentHashes(store, TENANT_B)).length, 0, "nothing stored for another tenant");
    });
  }

  // ---- retention --------------------------------------------------------------------------------

  if (options.prune !== false) {
    const history = [records];
    for (let index = 1; index < 5; index++)
      history.push(changeStoreRecords(history[index - 1]!, 0.25, 100 + index));
    const writeHistory = async (store: Store, scopes: (i: number) => string[] = () => [SUB_1]) => {
      const metas: SnapshotMeta[] = [];
      for (const [index, snapshot] of history.entries()) {
        metas.push(await writeSnapshot(store, snapshot, { minute: index * 60, scopes: scopes(index) }));
      }
      return metas;
    };
    const distinctHashes = (snapshots: ResourceRecord[][]) =>
      new Set(snapshots.flat().map((record) => record.hash));

    it("prune keepLast keeps the newest N and removes only documents nothing references", async (store) => {
      const metas = await writeHistory(store);
      const result = await store.prune(TENANT_A, { keepLast: 2 });
      equal([...result.snapshotsRemoved].sort(), ids(metas.slice(0, 3)).sort(), "the three oldest removed");
      equal(ids(await store.listSnapshots(TENANT_A)), [metas[4]!.id, metas[3]!.id], "the two newest left");
      const kept = distinctHashes(history.slice(3));
      const gone = [...distinctHashes(history.slice(0, 3))].filter((hash) => !kept.has(hash));
      equal(
        result.documentsRemoved,
        gone.length,
        "documentsRemoved counts the documents only removed snapshots used",
      );
      sameJson(
        await collect(store.readRecords(TENANT_A, metas[3]!.id)),
        history[3],
        "a kept snapshot reads back exactly",
      );
      sameJson(
        await collect(store.readRecords(TENANT_A, metas[4]!.id)),
        history[4],
        "the newest reads back exactly",
      );
      if (documentHashes) {
        equal(
          (await documentHashes(store, TENANT_A)).sort(),
          [...kept].sort(),
          "the backing store holds exactly the referenced documents",
        );
      }
      const again = await store.prune(TENANT_A, { keepLast: 2 });
      equal(again, { snapshotsRemoved: [], documentsRemoved: 0 }, "pruning again removes nothing");
    });

    it("prune olderThan removes snapshots finished before the time, keepLast still protects", async (store) => {
      const metas = await writeHistory(store);
      // Snapshot i starts at i*60 and finishes at i*60+5 minutes.
      const result = await store.prune(TENANT_A, { olderThan: at(130) });
      equal([...result.snapshotsRemoved].sort(), ids(metas.slice(0, 3)).sort(), "finished before 02:10");
      const protectedResult = await store.prune(TENANT_A, { olderThan: at(10_000), keepLast: 1 });
      equal(
        protectedResult.snapshotsRemoved,
        [metas[3]!.id],
        "keepLast 1 keeps the newest even when older than the time",
      );
      sameJson(
        await collect(store.readRecords(TENANT_A, metas[4]!.id)),
        history[4],
        "the kept one reads back exactly",
      );
    });

    it("prune with a scope counts and removes only that scope's snapshots", async (store) => {
      const metas = await writeHistory(store, (index) => [index % 2 === 0 ? SUB_1 : SUB_2]);
      // SUB_1: 0, 2, 4; SUB_2: 1, 3.
      const result = await store.prune(TENANT_A, { keepLast: 1, scope: SUB_1 });
      equal(
        [...result.snapshotsRemoved].sort(),
        [metas[0]!.id, metas[2]!.id].sort(),
        "older SUB_1 snapshots",
      );
      equal(
        ids(await store.listSnapshots(TENANT_A)),
        [metas[4]!.id, metas[3]!.id, metas[1]!.id],
        "SUB_2 untouched",
      );
      sameJson(
        await collect(store.readRecords(TENANT_A, metas[1]!.id)),
        history[1],
        "a SUB_2 snapshot reads back exactly",
      );
    });

    if (options.baselines !== false) {
      it("prune never removes a baseline's snapshot", async (store) => {
        const metas = await writeHistory(store);
        await store.putBaseline({
          tenantId: TENANT_A,
          name: "approved",
          snapshotId: metas[0]!.id,
          createdAt: at(500),
        });
        const result = await store.prune(TENANT_A, { keepLast: 0, olderThan: at(100_000) });
        equal(
          [...result.snapshotsRemoved].sort(),
          ids(metas.slice(1)).sort(),
          "all but the baseline's snapshot",
        );
        equal(
          ids(await store.listSnapshots(TENANT_A)),
          [metas[0]!.id],
          "the baseline's snapshot stays listed",
        );
        sameJson(
          await collect(store.readRecords(TENANT_A, metas[0]!.id)),
          history[0],
          "and reads back exactly",
        );
      });
    }

    if (options.concurrentWriters !== false) {
      it("prune during a snapshot write never removes a document the pending snapshot needs", async (store) => {
        const first = await writeSnapshot(store, records, { minute: 0 });
        const writer = await store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(60) });
        // Same records: a content-addressed store finds their documents already there.
        await writer.write(records);
        const result = await store.prune(TENANT_A, { keepLast: 0 });
        equal(result.snapshotsRemoved, [first.id], "the committed snapshot is removed");
        const meta = await writer.commit(completionFor([SUB_1], 60, records.length));
        sameJson(
          await collect(store.readRecords(TENANT_A, meta.id)),
          records,
          "the pending snapshot reads back exactly",
        );
      });
    }
  }

  // ---- concurrency ------------------------------------------------------------------------------

  if (options.concurrentWriters !== false) {
    it("concurrent writers of different snapshots both succeed", async (store) => {
      const other = changeStoreRecords(records, 0.5, 9);
      const one = await store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(0) });
      const two = await store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(1) });
      const three = await store.beginSnapshot({ tenantId: TENANT_B, scopes: [SUB_2], startedAt: at(2) });
      for (let index = 0; index < records.length; index += 10) {
        await Promise.all([
          one.write(records.slice(index, index + 10)),
          two.write(other.slice(index, index + 10)),
          three.write(records.slice(index, index + 10)),
        ]);
      }
      const [a, b, c] = await Promise.all([
        one.commit(completionFor([SUB_1], 0, records.length)),
        two.commit(completionFor([SUB_1], 1, other.length)),
        three.commit(completionFor([SUB_2], 2, records.length)),
      ]);
      truthy(a.id !== b.id, "different snapshot ids");
      equal(ids(await store.listSnapshots(TENANT_A)), [b.id, a.id], "both listed");
      sameJson(await collect(store.readRecords(TENANT_A, a.id)), records, "the first reads back exactly");
      sameJson(await collect(store.readRecords(TENANT_A, b.id)), other, "the second reads back exactly");
      sameJson(
        await collect(store.readRecords(TENANT_B, c.id)),
        records,
        "the other tenant's reads back exactly",
      );
    });
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  it("a closed store refuses every call with E_STORE_CLOSED", async (store) => {
    const meta = await writeSnapshot(store, records.slice(0, 3));
    const pending = await store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(9) });
    await pending.write(records.slice(0, 2));
    await store.close();
    const closed = ["E_STORE_CLOSED"];
    await rejectsWith(
      () => store.beginSnapshot({ tenantId: TENANT_A, scopes: [SUB_1], startedAt: at(0) }),
      closed,
      "beginSnapshot",
    );
    await rejectsWith(() => store.getSnapshot(TENANT_A, meta.id), closed, "getSnapshot");
    await rejectsWith(() => store.listSnapshots(TENANT_A), closed, "listSnapshots");
    await rejectsWith(() => store.latestSnapshot(TENANT_A), closed, "latestSnapshot");
    await rejectsWith(() => collect(store.readRecords(TENANT_A, meta.id)), closed, "readRecords");
    await rejectsWith(() => collect(store.readIndex(TENANT_A, meta.id)), closed, "readIndex");
    await rejectsWith(
      () => pending.write(records.slice(2, 3)),
      ["E_STORE_CLOSED", "E_ABORTED"],
      "write of a writer opened before close",
    );
    await rejectsWith(
      () => pending.commit(completionFor([SUB_1], 9, 2)),
      ["E_STORE_CLOSED", "E_ABORTED"],
      "commit of a writer opened before close",
    );
    if (options.reports !== false) {
      await rejectsWith(() => store.putReport(report(TENANT_A, "r", 0)), closed, "putReport");
      await rejectsWith(() => store.getReport(TENANT_A, "r"), closed, "getReport");
      await rejectsWith(() => store.listReports(TENANT_A), closed, "listReports");
    }
    if (options.baselines !== false) {
      const baseline = { tenantId: TENANT_A, name: "b", snapshotId: meta.id, createdAt: at(0) };
      await rejectsWith(() => store.putBaseline(baseline), closed, "putBaseline");
      await rejectsWith(() => store.getBaseline(TENANT_A, "b"), closed, "getBaseline");
      await rejectsWith(() => store.listBaselines(TENANT_A), closed, "listBaselines");
      await rejectsWith(() => store.deleteBaseline(TENANT_A, "b"), closed, "deleteBaseline");
    }
    if (options.prune !== false)
      await rejectsWith(() => store.prune(TENANT_A, { keepLast: 1 }), closed, "prune");
    await store.close();
  });
}
