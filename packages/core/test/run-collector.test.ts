import {
  armConnection,
  createDriftDetector,
  createMemoryStore,
  type DriftReport,
  defineCollector,
  describeError,
  type JsonObject,
  type ResourceDrift,
  type ResourceRecord,
  runCollector,
  staticTokenCredential,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";

const SUB = "bbbbbbbb-0000-0000-0000-000000000001";
const RA = "Microsoft.Authorization/roleAssignments";
const raId = (scope: string, name: string) =>
  `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
const MG = "/providers/Microsoft.Management/managementGroups/root";

const base = {
  tenantId: "t1",
  credential: staticTokenCredential("token"),
  arm: armConnection("AzureCloud"),
  limit: <T>(fn: () => Promise<T>) => fn(),
  clock: () => new Date("2026-03-01T00:00:00.000Z"),
};

describe("runCollector", () => {
  test("records are made with the collector's hints, batched, and a bad resource makes its type incomplete", async () => {
    const collector = defineCollector({
      name: "identity",
      version: "3.1.0",
      domain: "identity",
      types: [{ type: RA, volatile: ["properties.updatedOn"] }],
      async *collect(): AsyncGenerator<JsonObject> {
        yield {
          id: raId(`/subscriptions/${SUB.toUpperCase()}`, "a1"),
          name: "a1",
          type: RA,
          properties: { updatedOn: "x", principalId: "p1" },
        };
        yield { name: "no-id", type: RA, properties: {} };
        yield {
          id: raId(`/subscriptions/${SUB}`, "a2"),
          name: "a2",
          type: RA,
          properties: { principalId: "p2" },
        };
      },
    });
    const batches: ResourceRecord[][] = [];
    const outcome = await runCollector(collector, {
      ...base,
      subscriptionId: SUB,
      batchSize: 1,
      onRecords: async (records) => {
        batches.push(records);
      },
    });
    expect(
      batches.map((batch) =>
        batch.map((record) => [record.name, record.subscriptionId, record.config.properties]),
      ),
    ).toEqual([[["a1", SUB, { principalId: "p1" }]], [["a2", SUB, { principalId: "p2" }]]]);
    expect(outcome).toEqual({
      run: {
        name: "identity",
        version: "3.1.0",
        scope: SUB,
        outcome: "partial",
        error: `${RA}: a resource was skipped: A resource from identity has no "id": every resource needs its ARM id ("/subscriptions/.../providers/...").`,
        records: 2,
        startedAt: "2026-03-01T00:00:00.000Z",
        finishedAt: "2026-03-01T00:00:00.000Z",
      },
      coverage: [
        {
          scope: SUB,
          collector: "identity",
          type: RA,
          complete: false,
          reason:
            'a resource was skipped: A resource from identity has no "id": every resource needs its ARM id ("/subscriptions/.../providers/...").',
        },
      ],
    });
  });

  test("tenant-level records get coverage for their own scope too", async () => {
    const collector = defineCollector({
      name: "identity",
      version: "1.0.0",
      domain: "identity",
      types: [{ type: RA }],
      async *collect() {
        yield { id: raId(MG, "inherited"), name: "inherited", type: RA, properties: {} };
        yield { id: raId(`/subscriptions/${SUB}`, "own"), name: "own", type: RA, properties: {} };
      },
    });
    const outcome = await runCollector(collector, {
      ...base,
      subscriptionId: SUB,
      onRecords: async () => {},
    });
    expect(outcome.coverage).toEqual([
      { scope: SUB, collector: "identity", type: RA, complete: true },
      { scope: "", collector: "identity", type: RA, complete: true },
    ]);
  });

  test("a store error is not a collector failure: it propagates", async () => {
    const collector = defineCollector({
      name: "c",
      version: "1.0.0",
      domain: "d",
      types: [{ type: RA }],
      async *collect() {
        yield { id: raId(`/subscriptions/${SUB}`, "a"), name: "a", type: RA };
      },
    });
    await expect(
      runCollector(collector, {
        ...base,
        subscriptionId: SUB,
        onRecords: async () => {
          throw new Error("store down");
        },
      }),
    ).rejects.toThrow("store down");
  });

  test("error messages keep no tokens, signatures or keys", () => {
    expect(
      describeError(
        new Error(
          "401 for Authorization: Bearer eyJ0eXAi.eyJhdWQi.c2ln== at https://x.blob.core.windows.net/c?sv=1&sig=abc%2Fdef&se=2 with AccountKey=c2VjcmV0;EndpointSuffix=x",
        ),
      ),
    ).toBe(
      "401 for Authorization: Bearer [REDACTED] at https://x.blob.core.windows.net/c?sv=1&sig=[REDACTED]&se=2 with AccountKey=[REDACTED];EndpointSuffix=x",
    );
    expect(describeError("x".repeat(600))).toHaveLength(500);
  });
});

test("a tenant-level resource listed by every subscription is written once", async () => {
  const subs = [SUB, "bbbbbbbb-0000-0000-0000-000000000002"];
  const collector = defineCollector({
    name: "identity",
    version: "1.0.0",
    domain: "identity",
    types: [{ type: RA }],
    async *collect(context): AsyncGenerator<JsonObject> {
      yield { id: raId(MG, "inherited"), name: "inherited", type: RA, properties: { principalId: "p" } };
      yield {
        id: raId(`/subscriptions/${context.subscriptionId}`, "own"),
        name: "own",
        type: RA,
        properties: {},
      };
    },
  });
  const store = createMemoryStore();
  const detector = createDriftDetector({
    collectors: [collector],
    store,
    credential: staticTokenCredential("t"),
  });
  const snapshot = await detector.collect({ tenantId: "t1", subscriptions: subs });
  const names: string[] = [];
  for await (const record of store.readRecords("t1", snapshot.id))
    names.push(`${record.subscriptionId || "(tenant)"}/${record.name}`);
  expect(names.sort()).toEqual(["(tenant)/inherited", `${subs[0]}/own`, `${subs[1]}/own`]);
  expect(snapshot.resourceCount).toBe(3);
});

test("building records of resources already received lets I/O callbacks run in between", async () => {
  // Resources handed over without any I/O (a page already parsed): only promise callbacks, which
  // alone would keep Node from reading sockets until the whole run is built.
  const total = 5000;
  const collector = defineCollector({
    name: "network",
    version: "1.0.0",
    domain: "network",
    types: [{ type: "Microsoft.Network/networkSecurityGroups" }],
    async *collect(): AsyncGenerator<JsonObject> {
      for (let i = 0; i < total; i++) {
        yield {
          id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n${i}`,
          name: `n${i}`,
          type: "Microsoft.Network/networkSecurityGroups",
          properties: { securityRules: [{ name: "r", properties: { priority: i, access: "Allow" } }] },
        };
      }
    },
  });
  let built = 0;
  let builtWhenIoRan: number | undefined;
  setImmediate(() => {
    builtWhenIoRan = built;
  });
  await runCollector(collector, {
    ...base,
    subscriptionId: SUB,
    onRecords: async (records) => {
      built += records.length;
    },
  });
  expect(built).toBe(total);
  expect(builtWhenIoRan).toBeDefined();
  expect(builtWhenIoRan).toBeLessThan(total);
});

test("runs side by side share one budget of work between two turns of the event loop", async () => {
  // Four runs, as in a check of two collectors over two subscriptions. Each resource costs its
  // collector 1 ms; with a budget per run, four runs' budgets would pass between two turns.
  const busyFor = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // the collector's own work
    }
  };
  let turn = 0;
  let probing = true;
  const probe = () => {
    turn++;
    if (probing) setImmediate(probe);
  };
  setImmediate(probe);
  const workPerTurn = new Map<number, number>();
  const collector = (name: string) =>
    defineCollector({
      name,
      version: "1.0.0",
      domain: "network",
      types: [{ type: "Microsoft.Network/routeTables" }],
      async *collect(): AsyncGenerator<JsonObject> {
        for (let i = 0; i < 25; i++) {
          busyFor(1);
          workPerTurn.set(turn, (workPerTurn.get(turn) ?? 0) + 1);
          yield {
            id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/routeTables/${name}-${i}`,
            name: `${name}-${i}`,
            type: "Microsoft.Network/routeTables",
          };
        }
      },
    });
  let built = 0;
  try {
    await Promise.all(
      ["a", "b", "c", "d"].map((name) =>
        runCollector(collector(name), {
          ...base,
          subscriptionId: SUB,
          onRecords: async (records) => {
            built += records.length;
          },
        }),
      ),
    );
  } finally {
    probing = false;
  }
  expect(built).toBe(100);
  // 2 ms of budget: at most three 1-ms resources start in one turn, whichever runs they belong to.
  expect(Math.max(...workPerTurn.values())).toBeLessThanOrEqual(3);
});

describe("tenant-level resources are seen through the subscriptions collected", () => {
  const A = SUB;
  const B = "bbbbbbbb-0000-0000-0000-000000000002";
  const inheritedId = raId("/providers/Microsoft.Management/managementGroups/mg-b", "owner-b");
  /** A tenant whose management group mg-b holds subscription B only: its assignment is listed only there. */
  const world = { inherited: true, forbidden: new Set<string>() };
  const collector = defineCollector({
    name: "identity",
    version: "1.0.0",
    domain: "identity",
    types: [{ type: RA }],
    async *collect(context): AsyncGenerator<JsonObject> {
      if (world.forbidden.has(context.subscriptionId)) {
        context.coverage.incomplete(RA, "HTTP 403: AuthorizationFailed");
        return;
      }
      yield {
        id: raId(`/subscriptions/${context.subscriptionId}`, "own"),
        name: "own",
        type: RA,
        properties: {},
      };
      if (context.subscriptionId === B && world.inherited) {
        yield { id: inheritedId, name: "owner-b", type: RA, properties: { principalId: "p" } };
      }
    },
  });
  const detector = () => {
    world.inherited = true;
    world.forbidden.clear();
    return createDriftDetector({
      collectors: [collector],
      store: createMemoryStore(),
      credential: staticTokenCredential("t"),
    });
  };
  const unknownIds = (report: DriftReport) =>
    report.unknown.filter((entry) => entry.id === inheritedId).map((entry) => entry.reason);
  const withStatus = (report: DriftReport, status: ResourceDrift["status"]) =>
    report.resources.filter((entry) => entry.status === status).map((entry) => entry.id);

  test("removed when every subscription was listed completely; unknown when the one it is seen through was not", async () => {
    const deleted = detector();
    await deleted.check({ tenantId: "t1", subscriptions: [A, B] });
    world.inherited = false;
    const { report: gone } = await deleted.check({ tenantId: "t1", subscriptions: [A, B] });
    expect(withStatus(gone, "removed")).toEqual([inheritedId]);

    const hidden = detector();
    await hidden.check({ tenantId: "t1", subscriptions: [A, B] });
    world.forbidden.add(B);
    const { report, snapshot } = await hidden.check({ tenantId: "t1", subscriptions: [A, B] });
    expect(withStatus(report, "removed")).toEqual([]);
    expect(unknownIds(report)).toEqual([
      `missing now, but the current snapshot's enumeration of this type was incomplete (seen through subscription ${B}'s listing, which was incomplete: HTTP 403: AuthorizationFailed): cannot tell whether it was removed`,
    ]);
    // Subscription A's run saw no tenant-level record this time: the snapshot states nothing for
    // the tenant scope, and the diff derives it from the subscriptions' listings.
    expect(snapshot.coverage.filter((entry) => entry.scope === "")).toEqual([]);
  });

  test("a tenant-level slice is incomplete when any subscription's listing of the type was", async () => {
    const check = detector();
    await check.check({ tenantId: "t1", subscriptions: [A, B] });
    // A fails; B still lists the inherited assignment (and its own).
    world.forbidden.add(A);
    const { report, snapshot } = await check.check({ tenantId: "t1", subscriptions: [A, B] });
    expect(snapshot.coverage.filter((entry) => entry.scope === "")).toEqual([
      {
        scope: "",
        collector: "identity",
        type: RA,
        complete: false,
        reason: `${RA} outside the subscriptions is seen only through their listings, and subscription ${A}'s was incomplete (HTTP 403: AuthorizationFailed)`,
      },
    ]);
    expect(report.resources).toEqual([]);
  });

  test("against a baseline of other subscriptions, neither added nor removed but unknown", async () => {
    const check = detector();
    await check.check({ tenantId: "t1", subscriptions: [A, B] });
    await check.acceptBaseline("t1", "both");
    const { report: narrower } = await check.check({ tenantId: "t1", subscriptions: [A], baseline: "both" });
    expect(withStatus(narrower, "removed")).toEqual([]);
    expect(unknownIds(narrower)).toEqual([
      `missing now, but this tenant-level resource is seen through the subscriptions collected, and the current snapshot did not collect subscription ${B}: cannot tell whether it was removed`,
    ]);

    await check.check({ tenantId: "t1", subscriptions: [A] });
    await check.acceptBaseline("t1", "only-a");
    const { report: wider } = await check.check({
      tenantId: "t1",
      subscriptions: [A, B],
      baseline: "only-a",
    });
    expect(withStatus(wider, "added")).toEqual([]);
    expect(unknownIds(wider)).toEqual([
      `present now, but this tenant-level resource is seen through the subscriptions collected, and the base snapshot did not collect subscription ${B}: cannot tell whether it was added`,
    ]);
  });
});
