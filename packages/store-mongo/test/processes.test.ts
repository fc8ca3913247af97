import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createMongoStore } from "@azure-drift/store-mongo";
import { changeStoreRecords, generateStoreRecords } from "@azure-drift/testing";
import { afterAll, expect, test } from "vitest";
import { connectTestClient, dropTestDatabases, testDatabaseName, testMongoUri } from "./server.js";

afterAll(dropTestDatabases);

const childFolder = fileURLToPath(new URL("./child/", import.meta.url));
const TENANT = "11111111-aaaa-4aaa-8aaa-111111111111";

/** Runs child/store-worker.ts in its own process; resolves with its JSON line, rejects with its stderr. */
function worker(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", `${childFolder}store-worker.ts`, ...args], {
      env: { ...process.env, TSX_TSCONFIG_PATH: `${childFolder}tsconfig.json` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").at(-1)!))
        : reject(new Error(`worker ${args.join(" ")} exited ${code}: ${err}`)),
    );
  });
}

test("four processes write snapshots of one tenant at once while a fifth prunes; every listed snapshot reads back exactly", async () => {
  const uri = testMongoUri();
  const database = testDatabaseName();
  const seeds = [1, 2, 3, 4];
  const results = await Promise.all([
    ...seeds.map((seed) => worker([uri, database, TENANT, "write", String(seed)])),
    worker([uri, database, TENANT, "prune", "0"]),
  ]);
  const committed = results.filter((result) => "id" in result) as { id: string; seed: number }[];
  expect(committed.map((result) => result.seed).sort()).toEqual(seeds);

  const store = await createMongoStore({ uri, database });
  try {
    const base = generateStoreRecords({ seed: 42, count: 1500, subscriptions: ["sub-1"] });
    const listed = await store.listSnapshots(TENANT);
    expect(listed.length).toBeGreaterThanOrEqual(2);
    for (const meta of listed) {
      const seed = committed.find((result) => result.id === meta.id)!.seed;
      const read = [];
      for await (const record of store.readRecords(TENANT, meta.id)) read.push(record);
      expect(JSON.parse(JSON.stringify(read))).toEqual(
        JSON.parse(JSON.stringify(changeStoreRecords(base, 0.1, seed))),
      );
    }
    // With no writer left, a prune removes the rest and every document: nothing dangling, nothing kept.
    await store.prune(TENANT, { keepLast: 0 });
    const client = await connectTestClient();
    expect(await client.db(database).collection("drift_documents").countDocuments({ tenantId: TENANT })).toBe(
      0,
    );
    expect(await client.db(database).collection("drift_manifests").countDocuments({ tenantId: TENANT })).toBe(
      0,
    );
  } finally {
    await store.close();
  }
}, 180_000);
