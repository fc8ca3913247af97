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
    const located = hashes.map((hash) => this.packs.locate(hash));
    // The blocks each pack must give, read together so nearby blocks share a read.
    const wanted = new Map<PackIndex, number[]>();
    for (const location of located) {
      if (!location) continue;
      const numbers = wanted.get(location.pack) ?? [];
      if (numbers.length === 0) wanted.set(location.pack, numbers);
      numbers.push(location.pack.block[location.index]!);
    }
    const blocks = new Map<PackIndex, Map<number, Buffer>>();
    await Promise.all(
      [...wanted].map(async ([pack, numbers]) => blocks.set(pack, await this.reader.blocks(pack, numbers))),
    );
    return located.map((location) => {
      if (!location) return undefined;
      const { pack, index } = location;
      return parseDocument(pack, blocks.get(pack)!.get(pack.block[index]!)!, index);
    });
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
    `${indexFile} of snapshot ${snapshotId} references the resource document ${hash}, which no pack file holds${damaged}. Run azure-drift store verify (FileStore.verify()) to see all damage; restore the tenant's packs folder from a backup, or set the snapshot aside with azure-drift store quarantine ${snapshotId}.`,
    { details: { file: damagedPacks[0] ?? indexFile, snapshot: snapshotId, hash } },
  );
}
