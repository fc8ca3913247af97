import { createMongoStore, type MongoStore } from "@azure-drift/store-mongo";
import { storeConformanceSuite } from "@azure-drift/testing";
import { afterAll, test } from "vitest";
import { connectTestClient, dropTestDatabases, testDatabaseName, testMongoUri } from "./server.js";

afterAll(dropTestDatabases);

// Reads the documents collection directly, so content addressing and pruning are proven in the database.
const documentHashes = async (store: unknown, tenantId: string) => {
  const client = await connectTestClient();
  const found = await client
    .db((store as MongoStore).database)
    .collection("drift_documents")
    .find({ tenantId }, { projection: { _id: 0, hash: 1 } })
    .toArray();
  return found.map((document) => document.hash as string);
};

// Both ways of looking documents up, whatever the server: `$in` batches on the index, and one scan per read.
for (const lookups of ["batched", "scan"] as const) {
  storeConformanceSuite(
    test,
    () => createMongoStore({ uri: testMongoUri(), database: testDatabaseName(), lookups }),
    { name: `mongo store (${lookups} lookups)`, inspect: { documentHashes }, timeoutMs: 60_000 },
  );
}
