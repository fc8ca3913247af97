import {
  type Collector,
  createDriftDetector,
  createMemoryStore,
  type DriftDetectorOptions,
  type DriftReport,
  defaultRules,
  defineCollector,
  isDriftError,
  type JsonObject,
  type ProgressEvent,
  type ResourceRecord,
  STARTING_POINT_NOTICE,
  type Store,
  staticTokenCredential,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";

/** The remediation a shipped rule gives its findings. */
const remediationOf = (id: string) => defaultRules.find((rule) => rule.id === id)?.remediation;

const TENANT = "11111111-1111-1111-1111-111111111111";
const SUB1 = "aaaaaaaa-0000-0000-0000-000000000001";
const SUB2 = "aaaaaaaa-0000-0000-0000-000000000002";
const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";
const SA_TYPE = "Microsoft.Storage/storageAccounts";
const ZERO = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

const nsgId = (sub: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/${name}`;
const saId = (sub: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/${name}`;

function rule(name: string, port: string, source = "10.0.0.0/8"): JsonObject {
  return {
    name,
    properties: {
      access: "Allow",
      direction: "Inbound",
      priority: 100,
      protocol: "Tcp",
      sourceAddressPrefix: source,
      destinationPortRange: port,
    },
  };
}

/** A fake tenant the in-test collectors read; tests change it between checks. */
function tenant() {
  const nsgs: Record<string, JsonObject[]> = {
    [SUB1]: [
      {
        id: nsgId(SUB1, "web"),
        name: "web",
        type: NSG_TYPE,
        etag: 'W/"1"',
        properties: { provisioningState: "Succeeded", securityRules: [rule("AllowHttps", "443")] },
      },
    ],
    [SUB2]: [{ id: nsgId(SUB2, "db"), name: "db", type: NSG_TYPE, properties: { securityRules: [] } }],
  };
  const accounts: Record<string, JsonObject[]> = {
    [SUB1]: [
      { id: saId(SUB1, "logs"), name: "logs", type: SA_TYPE, properties: { minimumTlsVersion: "TLS1_2" } },
    ],
    [SUB2]: [],
  };
  return { nsgs, accounts };
}

type Tenant = ReturnType<typeof tenant>;

function collectors(state: Tenant, faults: { failNetworkIn?: string; calls?: string[] } = {}): Collector[] {
  return [
    defineCollector({
      name: "test-network",
      version: "1.0.0",
      domain: "network",
      types: [{ type: NSG_TYPE }],
      async *collect(context) {
        faults.calls?.push(`network:${context.subscriptionId}`);
        const page = await context.limit(async () => state.nsgs[context.subscriptionId] ?? []);
        for (const nsg of page) yield structuredClone(nsg);
        if (faults.failNetworkIn === context.subscriptionId)
          throw new Error("403 Forbidden: AuthorizationFailed");
      },
    }),
    defineCollector({
      name: "test-storage",
      version: "2.0.0",
      domain: "storage",
      types: [{ type: SA_TYPE }],
      async *collect(context) {
        faults.calls?.push(`storage:${context.subscriptionId}`);
        for (const account of await context.limit(async () => state.accounts[context.subscriptionId] ?? [])) {
          yield structuredClone(account);
        }
      },
    }),
  ];
}

function detector(store: Store, list: Collector[], extra: Partial<DriftDetectorOptions> = {}) {
  let now = new Date("2026-03-01T10:00:00.000Z");
  const instance = createDriftDetector({
    collectors: list,
    store,
    credential: staticTokenCredential("test-token"),
    clock: () => now,
    ...extra,
  });
  return {
    instance,
    at(time: string) {
      now = new Date(time);
    },
  };
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isDriftError(error) ? error.code : `not a DriftError: ${String(error)}`;
  }
  return undefined;
}

describe("check", () => {
  test("the first check is the starting point; the second reports the exact drift", async () => {
    const state = tenant();
    const store = createMemoryStore();
    const { instance, at } = detector(store, collectors(state));

    const first = await instance.check({ tenantId: TENANT, subscriptions: [SUB1.toUpperCase(), SUB2] });
    expect(first.base).toBeUndefined();
    expect(first.snapshot).toEqual({
      formatVersion: 1,
      id: first.snapshot.id,
      tenantId: TENANT,
      scopes: [SUB1, SUB2],
      startedAt: "2026-03-01T10:00:00.000Z",
      finishedAt: "2026-03-01T10:00:00.000Z",
      source: "check",
      resourceCount: 3,
      collectors: [
        {
          name: "test-network",
          version: "1.0.0",
          scope: SUB1,
          outcome: "succeeded",
          records: 1,
          startedAt: "2026-03-01T10:00:00.000Z",
          finishedAt: "2026-03-01T10:00:00.000Z",
        },
        {
          name: "test-storage",
          version: "2.0.0",
          scope: SUB1,
          outcome: "succeeded",
          records: 1,
          startedAt: "2026-03-01T10:00:00.000Z",
          finishedAt: "2026-03-01T10:00:00.000Z",
        },
        {
          name: "test-network",
          version: "1.0.0",
          scope: SUB2,
          outcome: "succeeded",
          records: 1,
          startedAt: "2026-03-01T10:00:00.000Z",
          finishedAt: "2026-03-01T10:00:00.000Z",
        },
        {
          name: "test-storage",
          version: "2.0.0",
          scope: SUB2,
          outcome: "succeeded",
          records: 0,
          startedAt: "2026-03-01T10:00:00.000Z",
          finishedAt: "2026-03-01T10:00:00.000Z",
        },
      ],
      coverage: [
        { scope: SUB1, collector: "test-network", type: NSG_TYPE, complete: true },
        { scope: SUB1, collector: "test-storage", type: SA_TYPE, complete: true },
        { scope: SUB2, collector: "test-network", type: NSG_TYPE, complete: true },
        { scope: SUB2, collector: "test-storage", type: SA_TYPE, complete: true },
      ],
    });
    expect(first.report).toEqual({
      formatVersion: 1,
      id: first.report.id,
      tenantId: TENANT,
      createdAt: "2026-03-01T10:00:00.000Z",
      base: {},
      current: { snapshotId: first.snapshot.id, takenAt: "2026-03-01T10:00:00.000Z" },
      summary: { added: 0, removed: 0, modified: 0, unknown: 0, bySeverity: ZERO },
      resources: [],
      unknown: [],
      suppressed: [],
      notices: [STARTING_POINT_NOTICE],
    } satisfies DriftReport);
    expect(await store.getReport(TENANT, first.report.id)).toEqual(first.report);

    // Drift: an SSH rule opened to the internet, TLS lowered, a storage account added in SUB2, the
    // SUB2 NSG deleted; and noise that is not drift (etag, provisioningState).
    const ssh = rule("AllowSSH", "22", "*");
    state.nsgs[SUB1]![0]!.properties = {
      provisioningState: "Updating",
      securityRules: [ssh, rule("AllowHttps", "443")],
    };
    state.nsgs[SUB1]![0]!.etag = 'W/"2"';
    state.accounts[SUB1]![0]!.properties = { minimumTlsVersion: "TLS1_0" };
    state.accounts[SUB2]!.push({
      id: saId(SUB2, "new"),
      name: "new",
      type: SA_TYPE,
      properties: { minimumTlsVersion: "TLS1_2" },
    });
    state.nsgs[SUB2] = [];
    at("2026-03-02T10:00:00.000Z");

    const second = await instance.check({ tenantId: TENANT, subscriptions: [SUB1, SUB2] });
    expect(second.base?.id).toBe(first.snapshot.id);
    expect(second.report).toEqual({
      formatVersion: 1,
      id: second.report.id,
      tenantId: TENANT,
      createdAt: "2026-03-02T10:00:00.000Z",
      base: { snapshotId: first.snapshot.id, takenAt: "2026-03-01T10:00:00.000Z" },
      current: { snapshotId: second.snapshot.id, takenAt: "2026-03-02T10:00:00.000Z" },
      summary: {
        added: 1,
        removed: 1,
        modified: 2,
        unknown: 0,
        bySeverity: { ...ZERO, critical: 1, high: 1, low: 2 },
      },
      resources: [
        {
          id: nsgId(SUB1, "web"),
          key: nsgId(SUB1, "web").toLowerCase(),
          type: NSG_TYPE,
          name: "web",
          subscriptionId: SUB1,
          status: "modified",
          severity: "critical",
          changes: [
            {
              path: "properties.securityRules[name=AllowSSH]",
              kind: "added",
              after: ssh,
              severity: "critical",
              ruleId: "core/nsg-open-management-port",
              remediation: remediationOf("core/nsg-open-management-port"),
              message:
                "NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP or every port.",
            },
          ],
        },
        {
          id: saId(SUB1, "logs"),
          key: saId(SUB1, "logs").toLowerCase(),
          type: SA_TYPE,
          name: "logs",
          subscriptionId: SUB1,
          status: "modified",
          severity: "high",
          changes: [
            {
              path: "properties.minimumTlsVersion",
              kind: "changed",
              before: "TLS1_2",
              after: "TLS1_0",
              severity: "high",
              ruleId: "core/storage-min-tls-lowered",
              remediation: remediationOf("core/storage-min-tls-lowered"),
              message: "Minimum TLS version of storage account logs was lowered from TLS1_2 to TLS1_0.",
            },
          ],
        },
        {
          id: nsgId(SUB2, "db"),
          key: nsgId(SUB2, "db").toLowerCase(),
          type: NSG_TYPE,
          name: "db",
          subscriptionId: SUB2,
          status: "removed",
          severity: "low",
          changes: [],
        },
        {
          id: saId(SUB2, "new"),
          key: saId(SUB2, "new").toLowerCase(),
          type: SA_TYPE,
          name: "new",
          subscriptionId: SUB2,
          status: "added",
          severity: "low",
          changes: [],
        },
      ],
      unknown: [],
      suppressed: [],
      notices: [],
    } satisfies DriftReport);
    expect((await store.listReports(TENANT)).map((entry) => entry.id)).toEqual([
      second.report.id,
      first.report.id,
    ]);

    // Nothing changed since: no drift.
    at("2026-03-03T10:00:00.000Z");
    const third = await instance.check({ tenantId: TENANT, subscriptions: [SUB2, SUB1] });
    expect(third.base?.id).toBe(second.snapshot.id);
    expect(third.report.resources).toEqual([]);
    expect(third.report.summary).toEqual({ added: 0, removed: 0, modified: 0, unknown: 0, bySeverity: ZERO });
  });

  test("a check of other subscriptions does not compare with a snapshot of a different set", async () => {
    const store = createMemoryStore();
    const { instance } = detector(store, collectors(tenant()));
    await instance.check({ tenantId: TENANT, subscriptions: [SUB1, SUB2] });
    const only = await instance.check({ tenantId: TENANT, subscriptions: [SUB1] });
    expect(only.base).toBeUndefined();
    expect(only.report.notices).toEqual([STARTING_POINT_NOTICE]);
  });

  test("a failing collector makes the snapshot partial: unknown, never removed, and said in notices", async () => {
    const state = tenant();
    const store = createMemoryStore();
    const faults: { failNetworkIn?: string } = {};
    const { instance } = detector(store, collectors(state, faults));
    await instance.check({ tenantId: TENANT, subscriptions: [SUB1, SUB2] });

    // SUB2's NSG listing now fails (after yielding nothing): its NSG must not be reported removed.
    state.nsgs[SUB2] = [];
    faults.failNetworkIn = SUB2;
    const result = await instance.check({ tenantId: TENANT, subscriptions: [SUB1, SUB2] });
    const failedRun = result.snapshot.collectors.find(
      (run) => run.scope === SUB2 && run.name === "test-network",
    );
    expect(failedRun).toMatchObject({
      outcome: "failed",
      error: "403 Forbidden: AuthorizationFailed",
      records: 0,
    });
    expect(result.snapshot.coverage).toContainEqual({
      scope: SUB2,
      collector: "test-network",
      type: NSG_TYPE,
      complete: false,
      reason: "collector test-network failed: 403 Forbidden: AuthorizationFailed",
    });
    expect(result.report.resources).toEqual([]);
    expect(result.report.summary.removed).toBe(0);
    expect(result.report.unknown).toEqual([
      {
        scope: SUB2,
        type: NSG_TYPE,
        collector: "test-network",
        reason:
          "the current snapshot's enumeration was incomplete: collector test-network failed: 403 Forbidden: AuthorizationFailed",
      },
      {
        id: nsgId(SUB2, "db"),
        scope: SUB2,
        type: NSG_TYPE,
        collector: "test-network",
        reason:
          "missing now, but the current snapshot's enumeration of this type was incomplete (collector test-network failed: 403 Forbidden: AuthorizationFailed): cannot tell whether it was removed",
      },
    ]);
    expect(result.report.notices).toEqual([
      `Collector test-network failed for subscription ${SUB2}: 403 Forbidden: AuthorizationFailed. Its resources are reported unknown, not removed.`,
    ]);
  });

  test("a collector that reports a type incomplete is partial", async () => {
    const store = createMemoryStore();
    const partial = defineCollector({
      name: "partial",
      version: "1.0.0",
      domain: "network",
      types: [{ type: NSG_TYPE }, { type: SA_TYPE }],
      async *collect(context) {
        context.coverage.incomplete(SA_TYPE.toLowerCase(), "page 2 timed out");
        yield { id: nsgId(context.subscriptionId, "x"), name: "x", type: NSG_TYPE, properties: {} };
      },
    });
    const { instance } = detector(store, [partial]);
    const result = await instance.check({ tenantId: TENANT, subscriptions: [SUB1] });
    expect(result.snapshot.collectors[0]).toMatchObject({
      outcome: "partial",
      error: `${SA_TYPE}: page 2 timed out`,
      records: 1,
    });
    expect(result.snapshot.coverage).toEqual([
      { scope: SUB1, collector: "partial", type: NSG_TYPE, complete: true },
      { scope: SUB1, collector: "partial", type: SA_TYPE, complete: false, reason: "page 2 timed out" },
    ]);
    expect(result.report.unknown).toEqual([
      {
        scope: SUB1,
        type: SA_TYPE,
        collector: "partial",
        reason: "the current snapshot's enumeration was incomplete: page 2 timed out",
      },
    ]);
  });

  test("abort: the write is aborted, nothing becomes visible, E_ABORTED", async () => {
    const store = createMemoryStore();
    const controller = new AbortController();
    const slow = defineCollector({
      name: "slow",
      version: "1.0.0",
      domain: "network",
      types: [{ type: NSG_TYPE }],
      async *collect(context) {
        for (let i = 0; i < 1000; i++) {
          if (i === 150) controller.abort();
          yield await context.limit(async () => ({
            id: nsgId(context.subscriptionId, `n${i}`),
            name: `n${i}`,
            type: NSG_TYPE,
          }));
        }
      },
    });
    const { instance } = detector(store, [slow], { batchSize: 10 });
    expect(
      await errorCode(
        instance.check({ tenantId: TENANT, subscriptions: [SUB1, SUB2], signal: controller.signal }),
      ),
    ).toBe("E_ABORTED");
    expect(await store.listSnapshots(TENANT)).toEqual([]);
    expect(await store.listReports(TENANT)).toEqual([]);
    expect(
      await errorCode(instance.check({ tenantId: TENANT, subscriptions: [SUB1], signal: controller.signal })),
    ).toBe("E_ABORTED");
  });

  test("a store that fails to write fails the check and leaves nothing", async () => {
    const store = createMemoryStore();
    const failing: Store = {
      ...bindAll(store),
      async beginSnapshot(init, options) {
        const writer = await store.beginSnapshot(init, options);
        let writes = 0;
        return {
          snapshotId: writer.snapshotId,
          write: async (records) => {
            if (++writes > 1) throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
            return writer.write(records);
          },
          commit: (completion) => writer.commit(completion),
          abort: () => writer.abort(),
        };
      },
    };
    const { instance } = detector(failing, collectors(tenant()), { batchSize: 1 });
    await expect(instance.check({ tenantId: TENANT, subscriptions: [SUB1, SUB2] })).rejects.toThrow(
      "disk full",
    );
    expect(await store.listSnapshots(TENANT)).toEqual([]);
  });

  test("baseline vs previous: the previous snapshot by default, the baseline's when named", async () => {
    const state = tenant();
    const store = createMemoryStore();
    const calls: string[] = [];
    const { instance, at } = detector(store, collectors(state, { calls }));
    expect(await errorCode(instance.acceptBaseline(TENANT, "approved"))).toBe("E_NOT_FOUND");
    const first = await instance.check({ tenantId: TENANT, subscriptions: [SUB1] });
    at("2026-03-01T11:00:00.000Z");
    const baseline = await instance.acceptBaseline(TENANT, "approved", undefined, "CHG-42");
    expect(baseline).toEqual({
      tenantId: TENANT,
      name: "approved",
      snapshotId: first.snapshot.id,
      createdAt: "2026-03-01T11:00:00.000Z",
      note: "CHG-42",
    });

    state.accounts[SUB1]![0]!.properties = { minimumTlsVersion: "TLS1_1" };
    at("2026-03-02T10:00:00.000Z");
    const second = await instance.check({ tenantId: TENANT, subscriptions: [SUB1] });
    expect(second.report.resources.map((r) => [r.name, r.severity])).toEqual([["logs", "high"]]);

    at("2026-03-03T10:00:00.000Z");
    const vsPrevious = await instance.check({ tenantId: TENANT, subscriptions: [SUB1] });
    expect(vsPrevious.base?.id).toBe(second.snapshot.id);
    expect(vsPrevious.report.resources).toEqual([]);

    const vsBaseline = await instance.check({
      tenantId: TENANT,
      subscriptions: [SUB1],
      baseline: "approved",
    });
    expect(vsBaseline.base?.id).toBe(first.snapshot.id);
    expect(vsBaseline.report.base).toEqual({
      snapshotId: first.snapshot.id,
      baseline: "approved",
      takenAt: "2026-03-01T10:00:00.000Z",
    });
    expect(
      vsBaseline.report.resources.map((r) => [r.name, r.changes.map((c) => [c.path, c.before, c.after])]),
    ).toEqual([["logs", [["properties.minimumTlsVersion", "TLS1_2", "TLS1_1"]]]]);

    // Accepting the drift: the baseline moves to the latest snapshot and the drift is gone.
    await instance.acceptBaseline(TENANT, "approved");
    const accepted = await instance.check({ tenantId: TENANT, subscriptions: [SUB1], baseline: "approved" });
    expect(accepted.report.resources).toEqual([]);

    // A missing baseline fails before anything is collected.
    calls.length = 0;
    const before = (await store.listSnapshots(TENANT)).length;
    const missing = instance.check({ tenantId: TENANT, subscriptions: [SUB1], baseline: "nope" });
    await expect(missing).rejects.toThrow(/has no baseline "nope" \(it has: approved\)\. Accept one first/);
    expect(
      await errorCode(instance.check({ tenantId: TENANT, subscriptions: [SUB1], baseline: "nope" })),
    ).toBe("E_NOT_FOUND");
    expect(calls).toEqual([]);
    expect((await store.listSnapshots(TENANT)).length).toBe(before);
  });

  test("one limiter for every collector of every subscription: in-flight requests never exceed concurrency", async () => {
    const store = createMemoryStore();
    let inFlight = 0;
    let peak = 0;
    const busy = (name: string) =>
      defineCollector({
        name,
        version: "1.0.0",
        domain: "network",
        types: [{ type: NSG_TYPE }],
        async *collect(context) {
          const pages = await Promise.all(
            Array.from({ length: 5 }, (_, page) =>
              context.limit(async () => {
                inFlight++;
                peak = Math.max(peak, inFlight);
                await new Promise((resolve) => setTimeout(resolve, 2));
                inFlight--;
                return {
                  id: nsgId(context.subscriptionId, `${name}-${page}`),
                  name: `${name}-${page}`,
                  type: NSG_TYPE,
                };
              }),
            ),
          );
          yield* pages;
        },
      });
    const subscriptions = [SUB1, SUB2, "aaaaaaaa-0000-0000-0000-000000000003"];
    const { instance } = detector(store, [busy("a"), busy("b")], { concurrency: 3 });
    const snapshot = await instance.collect({ tenantId: TENANT, subscriptions });
    expect(snapshot.resourceCount).toBe(30);
    expect(peak).toBe(3);
  });

  test("progress events, in order, for a one-subscription check", async () => {
    const store = createMemoryStore();
    const events: ProgressEvent[] = [];
    const { instance } = detector(store, collectors(tenant()), {
      concurrency: 1,
      onProgress: (event) => events.push(event),
    });
    await instance.check({ tenantId: TENANT, subscriptions: [SUB1] });
    const result = await instance.check({ tenantId: TENANT, subscriptions: [SUB1] });
    expect(events.slice(events.length / 2)).toEqual([
      { type: "check-started", tenantId: TENANT, subscriptions: [SUB1] },
      { type: "collector-started", subscriptionId: SUB1, collector: "test-network" },
      {
        type: "collector-finished",
        subscriptionId: SUB1,
        collector: "test-network",
        records: 1,
        outcome: "succeeded",
      },
      { type: "collector-started", subscriptionId: SUB1, collector: "test-storage" },
      {
        type: "collector-finished",
        subscriptionId: SUB1,
        collector: "test-storage",
        records: 1,
        outcome: "succeeded",
      },
      // The diff comes before the commit: a check that cannot compare saves nothing.
      { type: "diff-finished", added: 0, removed: 0, modified: 0, unknown: 0 },
      { type: "snapshot-saved", snapshotId: result.snapshot.id, records: 2 },
    ]);
  });

  test("bad options and requests are E_INPUT", async () => {
    const store = createMemoryStore();
    const credential = staticTokenCredential("t");
    expect(() => createDriftDetector({ collectors: [], store, credential })).toThrow(
      /at least one collector/,
    );
    expect(() =>
      createDriftDetector({ collectors: collectors(tenant()), store, credential, concurrency: 0 }),
    ).toThrow(/concurrency/);
    const [network] = collectors(tenant());
    expect(() => createDriftDetector({ collectors: [network!, network!], store, credential })).toThrow(
      /named "test-network"/,
    );
    const { instance } = detector(store, collectors(tenant()));
    expect(await errorCode(instance.check({ tenantId: "", subscriptions: [SUB1] }))).toBe("E_INPUT");
    expect(await errorCode(instance.check({ tenantId: TENANT, subscriptions: [] }))).toBe("E_INPUT");
  });
});

/** The store's methods bound to it, so a test can override one and keep the rest. */
function bindAll(store: Store): Store {
  const bound = {} as Record<string, unknown>;
  for (const name of [
    "beginSnapshot",
    "getSnapshot",
    "listSnapshots",
    "latestSnapshot",
    "readRecords",
    "readIndex",
    "putReport",
    "getReport",
    "listReports",
    "putBaseline",
    "getBaseline",
    "listBaselines",
    "deleteBaseline",
    "prune",
    "close",
  ] as const) {
    bound[name] = (store[name] as (...args: unknown[]) => unknown).bind(store);
  }
  return bound as unknown as Store;
}

export type { ResourceRecord };
