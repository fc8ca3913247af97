import { DriftError, type JsonObject } from "@azure-drift/core";
import { isMissing } from "./io.js";
import { BlockReader, type PackIndex, parseDocument } from "./pack.js";
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
    const loaded = await this.load(hashes);
    return hashes.map((_, position) => loaded.config(position));
  }

  /**
   * Reads and decompresses the blocks holding `hashes`; each document is parsed only when asked
   * for, so a snapshot read can load many records' blocks at once (long runs of blocks decompress
   * in one call) and still keep only the records being handed out as objects.
   */
  async load(hashes: readonly string[]): Promise<LoadedDocuments> {
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

  private async attempt(hashes: readonly string[]): Promise<LoadedDocuments> {
    if (hashes.some((hash) => !this.packs.has(hash))) await this.packs.refresh();
    const located = hashes.map((hash) => this.packs.locate(hash));
    // The blocks each pack must give, read together so nearby blocks share a read.
    const wanted = new Map<PackIndex, number[]>();
    for (const location of located) {
      if (!location) continue;
      const numbers = wanted.get(location.pack) ?? [];
      if (numbers.length === 0) wanted.set(location.pack, numbers);
      numbers.push(location.pack.block[location.index]!);
    }
    const blocks = await this.reader.blocksOf(wanted);
    return {
      config(position) {
        const location = located[position];
        if (!location) return undefined;
        const { pack, index } = location;
        return parseDocument(pack, blocks.get(pack)!.get(pack.block[index]!)!, index);
      },
    };
  }

  /** Packs whose index is damaged: a document missing from the readable ones may be there. */
  get damagedPacks(): string[] {
    return [...this.packs.damaged.values()].map((error) => String(error.details?.file ?? error.message));
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** Documents whose blocks are in memory: `config(position)` parses the one at that position of the hashes loaded. */
export interface LoadedDocuments {
  config(position: number): JsonObject | undefined;
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
    `${indexFile} of snapshot ${snapshotId} references the resource document ${hash}, which no pack file holds${damaged}. Run azure-drift store verify (FileStore.verify()) to see all damage; restore the tenant's packs folder from a backup, or set the snapshot aside with azure-drift store quarantine ${snapshotId}.`,
    { details: { file: damagedPacks[0] ?? indexFile, snapshot: snapshotId, hash } },
  );
}
