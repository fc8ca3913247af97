import { isDriftError } from "@azure-drift/core";
import { openMongoConnection, redactUri } from "@azure-drift/store-mongo";
import { afterAll, describe, expect, test } from "vitest";
import { connectTestClient, dropTestDatabases, testDatabaseName, testMongoUri } from "./server.js";

afterAll(dropTestDatabases);

describe("the test server (.ci/services)", () => {
  test("answers ping and keeps what is written", async () => {
    const client = await connectTestClient();
    const collection = client.db(testDatabaseName()).collection("probe");
    await collection.insertOne({ _id: "one" as never, value: 1 });
    expect(await collection.findOne({ _id: "one" as never })).toEqual({ _id: "one", value: 1 });
  });
});

describe("openMongoConnection", () => {
  test("takes MONGODB_URI when no client or uri is given, and the database from the URI path", async () => {
    const connection = await openMongoConnection({ clientOptions: { serverSelectionTimeoutMS: 5000 } });
    try {
      expect(connection.owned).toBe(true);
      await connection.client.db(connection.database).command({ ping: 1 });
    } finally {
      await connection.client.close();
    }
    const named = await openMongoConnection({ uri: "mongodb://127.0.0.1:1/inventory?directConnection=true" });
    expect(named.database).toBe("inventory");
    const unnamed = await openMongoConnection({ uri: "mongodb://127.0.0.1:1/" });
    expect(unnamed.database).toBe("azure_drift");
  });

  test("uses the caller's client as given and does not own it", async () => {
    const client = await connectTestClient();
    const connection = await openMongoConnection({ client, database: "reports_db" });
    expect(connection).toEqual({ client, database: "reports_db", owned: false });
  });

  test("refuses what is not a MongoDB URI, and never repeats a password", async () => {
    const refused = await openMongoConnection({ uri: "postgres://user:secret@host/db" }).catch((e) => e);
    expect(isDriftError(refused, "E_INPUT")).toBe(true);
    expect(refused.message).toContain("mongodb://");
    expect(refused.message).not.toContain("secret");
    const badName = await openMongoConnection({ uri: testMongoUri(), database: "a/b" }).catch((e) => e);
    expect(isDriftError(badName, "E_INPUT")).toBe(true);
    expect(redactUri("mongodb://drift:p%40ss@db.example:27017/x")).toBe("mongodb://***@db.example:27017/x");
  });
});
