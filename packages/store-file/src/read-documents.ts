import { DriftError, type JsonObject } from "@azure-drift/core";
import { isMissing } from "./io.js";
import { BlockReader } from "./pack.js";
import type { PackSet } from "./pack-set.js";

/**
 * Reads documents out of a tenant's packs for one operation. A compaction may replace a pack
 * between looking a document up and reading it: then the pack list is read again and the read
 * retried once.
 */
export class PackDocuments {
  private reader = new BlockReader(256);

  constructor(readonly packs: PackSet) {}

  /** The configs stored under `hashes`, in order; `undefined` where no pack holds the hash. */
  async configs(hashes: readonly string[]): Promise<(JsonObject | undefined)[]> {
    try {
      return await this.attempt(hashes);
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.reader.close();
      this.reader = new BlockReader(256);
      await this.packs.refresh();
      return this.attempt(hashes);
    }
  }

  private async attempt(hashes: readonly string[]): Promise<(JsonObject | undefined)[]> {
    if (hashes.some((hash) => !this.packs.has(hash))) await this.packs.refresh();
    return Promise.all(
      hashes.map((hash) => {
        const location = this.packs.locate(hash);
        return location ? this.reader.document(location.pack, location.index) : undefined;
      }),
    );
  }

  /** Packs whose index is damaged: a document missing from the readable ones may be there. */
  get damagedPacks(): string[] {
    return [...this.packs.damaged.values()].map((error) => String(error.details?.file ?? error.message));
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** The error for a document a format-2 snapshot references and no readable pack holds. */
export function missingDocument(
  indexFile: string,
  snapshotId: string,
  hash: string,
  damagedPacks: string[],
): DriftError {
  const damaged =
    damagedPacks.length > 0 ? ` (the damaged pack ${damagedPacks.join(", ")} may have held it)` : "";
  return new DriftError(
    "E_STORE_CORRUPT",
    `${indexFile} of snapshot ${snapshotId} references the resource document ${hash}, which no pack file holds${damaged}. Run verify() to see all damage; restore the tenant's packs folder from a backup or delete that snapshot's folder.`,
    { details: { file: damagedPacks[0] ?? indexFile, snapshot: snapshotId, hash } },
  );
}
