import { DriftError, type Logger } from "@azure-drift/core";
import type { Collection, Db, Document } from "mongodb";
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

/** Creates every index of the store (a no-op for those that exist); returns their names by collection. */
export async function ensureIndexes(db: Db): Promise<Record<string, string[]>> {
  const created: Record<string, string[]> = {};
  for (const [role, indexes] of Object.entries(INDEXES) as [
    CollectionRole,
    (typeof INDEXES)[CollectionRole],
  ][]) {
    created[COLLECTIONS[role]] = await db.collection(COLLECTIONS[role]).createIndexes(indexes);
  }
  return created;
}
