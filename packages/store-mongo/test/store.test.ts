import { createServer, type Socket, connect as tcpConnect } from "node:net";
import { isDriftError, type Store } from "@azure-drift/core";
import { createMongoStore } from "@azure-drift/store-mongo";
import { generateStoreRecords } from "@azure-drift/testing";
import { afterAll, describe, expect, test } from "vitest";
import { connectTestClient, dropTestDatabases, testDatabaseName, testMongoUri } from "./server.js";

afterAll(dropTestDatabases);

const TENANT = "11111111-aaaa-4aaa-8aaa-111111111111";
const OTHER = "22222222-bbbb-4bbb-8bbb-222222222222";
const SUB = "00000000-0000-0000-0000-000000000001";
const records = generateStoreRecords({ seed: 5, count: 30, subscriptions: [SUB] });
const completion = { finishedAt: "2024-03-01T00:05:00.000Z", collectors: [], coverage: [] };

async function writeSnapshot(store: Store, tenantId = TENANT, id?: string) {
  const writer = await store.beginSnapshot({
    tenantId,
    scopes: [SUB],
    startedAt: "2024-03-01T00:00:00.000Z",
    ...(id ? { id } : {}),
  });
  await writer.write(records);
  return writer.commit(completion);
}

const codeOf = async (work: () => Promise<unknown>) => {
  try {
    await work();
    return "resolved";
  } catch (error) {
    return isDriftError(error) ? error.code : String(error);
  }
};
const drain = async (iterable: AsyncIterable<unknown>) => {
  const all = [];
  for await (const item of iterable) all.push(item);
  return all;
};

describe("caller values reach a filter only as strings", () => {
  const operators: unknown[] = [{ $ne: null }, { $gt: "" }, { $regex: ".*" }, ["a"], 42, null];

  test("operator objects where a string belongs are E_INPUT, never a wider query", async () => {
    const store = await createMongoStore({ uri: testMongoUri(), database: testDatabaseName() });
    try {
      const meta = await writeSnapshot(store);
      await store.putBaseline({
        tenantId: TENANT,
        name: "prod",
        snapshotId: meta.id,
        createdAt: completion.finishedAt,
      });
      for (const crafted of operators) {
        const value = crafted as string;
        expect(await codeOf(() => store.getSnapshot(value, meta.id))).toBe("E_INPUT");
        expect(await codeOf(() => store.getSnapshot(TENANT, value))).toBe("E_INPUT");
        expect(await codeOf(() => store.listSnapshots(value))).toBe("E_INPUT");
        expect(await codeOf(() => store.listSnapshots(TENANT, { scope: value }))).toBe("E_INPUT");
        expect(await codeOf(() => drain(store.readRecords(TENANT, value)))).toBe("E_INPUT");
        expect(await codeOf(() => drain(store.readIndex(value, meta.id)))).toBe("E_INPUT");
        expect(await codeOf(() => store.getReport(TENANT, value))).toBe("E_INPUT");
        expect(await codeOf(() => store.getBaseline(TENANT, value))).toBe("E_INPUT");
        expect(await codeOf(() => store.deleteBaseline(TENANT, value))).toBe("E_INPUT");
        expect(await codeOf(() => store.prune(value, { keepLast: 0 }))).toBe("E_INPUT");
        expect(await codeOf(() => store.prune(TENANT, { keepLast: 0, scope: value }))).toBe("E_INPUT");
        expect(
          await codeOf(() =>
            store.putBaseline({
              tenantId: OTHER,
              name: "stolen",
              snapshotId: value,
              createdAt: completion.finishedAt,
            }),
          ),
        ).toBe("E_INPUT");
        expect(await drain(store.readConfigs!(TENANT, [value, records[0]!.hash]))).toHaveLength(1);
      }
      // Nothing was widened or removed by any of it.
      expect((await store.listSnapshots(TENANT)).map((snapshot) => snapshot.id)).toEqual([meta.id]);
      expect(await store.getBaseline(TENANT, "prod")).toMatchObject({ snapshotId: meta.id });
      expect(await store.listBaselines(OTHER)).toEqual([]);
      // A string that looks like an operator is a string: it names nothing.
      expect(await store.getSnapshot(TENANT, '{"$ne":null}')).toBeUndefined();
      expect(await store.getBaseline(TENANT, "$where")).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

describe("lifecycle and leftovers", () => {
  test("a store opened again on the same database finds its data and keeps its indexes", async () => {
    const database = testDatabaseName();
    const first = await createMongoStore({ uri: testMongoUri(), database });
    const meta = await writeSnapshot(first);
    await first.close();
    const again = await createMongoStore({ uri: testMongoUri(), database });
    try {
      expect(await again.getSnapshot(TENANT, meta.id)).toEqual(meta);
      expect((await again.ensureIndexes()).drift_documents).toEqual(["tenant_hash"]);
    } finally {
      await again.close();
    }
  });

  test("the caller's client is used as given and left open by close()", async () => {
    const client = await connectTestClient();
    const store = await createMongoStore({ client, database: testDatabaseName() });
    await writeSnapshot(store);
    await store.close();
    expect(await client.db("admin").command({ ping: 1 })).toMatchObject({ ok: 1 });
  });

  test("close() drains: writes in flight finish, open writers leave nothing behind", async () => {
    const database = testDatabaseName();
    const store = await createMongoStore({ uri: testMongoUri(), database });
    const writer = await store.beginSnapshot({
      tenantId: TENANT,
      scopes: [SUB],
      startedAt: completion.finishedAt,
    });
    const many = generateStoreRecords({ seed: 9, count: 2100, subscriptions: [SUB] });
    const writing = writer.write(many); // crosses a chunk: a flush is in flight when close() starts
    await store.close();
    expect(await codeOf(() => writing)).toMatch(/^(resolved|E_STORE_CLOSED|E_ABORTED)$/);
    const db = (await connectTestClient()).db(database);
    expect(await db.collection("drift_snapshots").countDocuments({})).toBe(0);
    expect(await db.collection("drift_manifests").countDocuments({})).toBe(0);
  });

  test("an interrupted writer leaves nothing visible, and the next prune collects what it left", async () => {
    const database = testDatabaseName();
    const client = await connectTestClient();
    const own = (await import("mongodb")).MongoClient;
    const doomedClient = new own(testMongoUri());
    const interrupted = await createMongoStore({ client: doomedClient, database, staleWriterMs: 2000 });
    const kept = await writeSnapshot(interrupted);
    const writer = await interrupted.beginSnapshot({
      tenantId: TENANT,
      scopes: [SUB],
      startedAt: "2024-03-02T00:00:00.000Z",
    });
    await writer.write(generateStoreRecords({ seed: 11, count: 2100, subscriptions: [SUB] }));
    // The process "dies": its connection goes away before commit or cleanup.
    await doomedClient.close(true);

    const store = await createMongoStore({ uri: testMongoUri(), database, staleWriterMs: 2000 });
    try {
      expect((await store.listSnapshots(TENANT)).map((snapshot) => snapshot.id)).toEqual([kept.id]);
      expect(await store.getSnapshot(TENANT, writer.snapshotId)).toBeUndefined();
      const db = client.db(database);
      expect(await db.collection("drift_snapshots").countDocuments({ state: "writing" })).toBe(1);
      // Still "alive" (heartbeat fresh): prune leaves its documents alone.
      expect((await store.prune(TENANT, { keepLast: 1 })).documentsRemoved).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 2200));
      const pruned = await store.prune(TENANT, { keepLast: 1 });
      expect(pruned.snapshotsRemoved).toEqual([]);
      expect(pruned.documentsRemoved).toBe(2000); // the 2,000 of the first chunk; the rest never left the process
      expect(await db.collection("drift_snapshots").countDocuments({})).toBe(1);
      expect(await db.collection("drift_manifests").countDocuments({ snapshotId: writer.snapshotId })).toBe(
        0,
      );
      expect(await drain(store.readRecords(TENANT, kept.id))).toHaveLength(records.length);
    } finally {
      await store.close();
    }
  });
});

/** A TCP relay to the test server that can cut every connection, as a network failure would. */
async function startRelay() {
  const match = /^mongodb:\/\/(?:[^@/]*@)?([^/,:?]+)(?::(\d+))?/i.exec(testMongoUri());
  if (!match)
    throw new Error(`The lost-connection test needs a mongodb:// URI with one host; got ${testMongoUri()}`);
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createServer((inbound) => {
    if (refusing) return void inbound.destroy();
    const outbound = tcpConnect(Number(match[2] ?? 27017), match[1]!);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("close", () => outbound.destroy());
    outbound.on("close", () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    cut() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe("a connection lost mid-write", () => {
  test("gives E_STORE saying so, and no partial snapshot is ever visible", async () => {
    const database = testDatabaseName();
    const relay = await startRelay();
    const store = await createMongoStore({
      uri: relay.uri,
      database,
      clientOptions: { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500 },
    });
    try {
      const writer = await store.beginSnapshot({
        tenantId: TENANT,
        scopes: [SUB],
        startedAt: completion.finishedAt,
      });
      await writer.write(generateStoreRecords({ seed: 3, count: 2000, subscriptions: [SUB] }));
      relay.cut();
      const failure = await writer
        .write(generateStoreRecords({ seed: 4, count: 2000, subscriptions: [SUB] }))
        .then(() => writer.commit(completion))
        .catch((error: unknown) => error);
      expect(isDriftError(failure, "E_STORE")).toBe(true);
      expect((failure as Error).message).toMatch(
        /^Lost the connection to MongoDB while writing snapshot .*Nothing partial became visible/,
      );
      const direct = await createMongoStore({ uri: testMongoUri(), database });
      try {
        expect(await direct.getSnapshot(TENANT, writer.snapshotId)).toBeUndefined();
        expect(await direct.listSnapshots(TENANT)).toEqual([]);
      } finally {
        await direct.close();
      }
    } finally {
      await store.close();
      await relay.close();
    }
  });
});
