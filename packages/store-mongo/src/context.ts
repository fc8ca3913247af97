import { DriftError, type Logger } from "@azure-drift/core";
import type { Collection, Db, Document, IndexDescription } from "mongodb";
import { COLLECTIONS, type CollectionRole, INDEXES } from "./layout.js";

/** What a store's parts share: its database, settings, and whether it is still open. */
export class StoreContext {
  closed = false;

  constructor(
    readonly db: Db,
    readonly logger: Logger,
    /** A writer whose heartbeat is older than this was interrupted; its leftovers are collected. */
    readonly staleWriterMs: number,
    /** How long a writer waits for another process's document sweep of the tenant. */
    readonly lockTimeoutMs: number,
    readonly description: string,
    /** How resource documents are looked up: `$in` batches on the index, or one scan per read. */
    readonly lookups: "batched" | "scan",
  ) {}

  collection<T extends Document = Document>(role: CollectionRole): Collection<T> {
    return this.db.collection<T>(COLLECTIONS[role]);
  }

  assertOpen(): void {
    if (this.closed) {
      throw new DriftError(
        "E_STORE_CLOSED",
        `The MongoDB store (${this.description}) is closed; open a new one with createMongoStore().`,
      );
    }
  }
}

/**
 * Creates the store's indexes that are missing (by name) and answers every index name by
 * collection. Only the missing ones are sent: FerretDB 1.24 drops the connection on a
 * `createIndexes` whose indexes all exist already, which MongoDB answers as a no-op.
 */
export async function ensureIndexes(db: Db): Promise<Record<string, string[]>> {
  const names: Record<string, string[]> = {};
  for (const [role, indexes] of Object.entries(INDEXES) as [CollectionRole, IndexDescription[]][]) {
    const collection = db.collection(COLLECTIONS[role]);
    const missing = async () => {
      const existing = await collection.listIndexes().toArray().catch(ignoreMissingCollection);
      return indexes.filter((index) => !existing.some((found) => found.name === index.name));
    };
    const wanted = await missing();
    if (wanted.length > 0) {
      try {
        await collection.createIndexes(wanted);
      } catch (error) {
        // Another process opening the store at the same moment may have created them first.
        if ((await missing()).length > 0) throw error;
      }
    }
    names[COLLECTIONS[role]] = indexes.map((index) => index.name!);
  }
  return names;
}

/** `listIndexes` of a collection that does not exist yet answers NamespaceNotFound (26): no indexes. */
function ignoreMissingCollection(error: unknown): Document[] {
  if ((error as { code?: unknown }).code === 26) return [];
  throw error;
}
