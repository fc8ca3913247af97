import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { redactUri } from "../src/connection.js";

/** What a developer does when no server answers: the tests fail with this, never skip. */
export const START_THE_SERVER =
  "start the test server with `bash .ci/services` (`npm test` runs it first), or set MONGODB_URI to a MongoDB of yours";

/** The test server's URI, from .ci/services (through vitest.config.ts) or the developer's MONGODB_URI. */
export function testMongoUri(): string {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error(`MONGODB_URI is not set: ${START_THE_SERVER}.`);
  return uri;
}

const clients: MongoClient[] = [];
const databases: string[] = [];

/** A client of the test server that has answered `ping`; fails with how to start the server otherwise. */
export async function connectTestClient(): Promise<MongoClient> {
  const uri = testMongoUri();
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db("admin").command({ ping: 1 });
  } catch (error) {
    await client.close().catch(() => {});
    throw new Error(
      `No MongoDB answers at ${redactUri(uri)} (${(error as Error).message}): ${START_THE_SERVER}.`,
    );
  }
  clients.push(client);
  return client;
}

/** A fresh database name, dropped by {@link dropTestDatabases}. */
export function testDatabaseName(): string {
  const name = `azd_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  databases.push(name);
  return name;
}

/** Drops the databases the file's tests made and closes its clients (an afterAll hook). */
export async function dropTestDatabases(): Promise<void> {
  if (databases.length > 0) {
    const client = clients[0] ?? (await connectTestClient());
    for (const name of databases.splice(0)) await client.db(name).dropDatabase();
  }
  for (const client of clients.splice(0)) await client.close();
}

/** The test server's URI with a fresh database in its path (dropped by {@link dropTestDatabases}). */
export function testDatabaseUri(): string {
  return testMongoUri().replace(/^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?/i, `$1/${testDatabaseName()}`);
}
