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
    await loaded.ready(hashes.length);
    return hashes.map((_, position) => loaded.config(position));
  }

  /**
   * Reads the blocks holding `hashes` and starts decompressing them, in the order of `hashes`;
   * resolves once the reads are done. Each document is parsed only when asked for, so a snapshot
   * read can load many records' blocks at once (long runs of blocks decompress in few calls), start
   * on the first records while later blocks still decompress, and keep only the records being
   * handed out as objects. `urgent`: the caller waits for the first documents (see `BlockLoad`).
   */
  async load(hashes: readonly string[], urgent = false): Promise<LoadedDocuments> {
    try {
      return await this.attempt(hashes, urgent);
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.reader.close();
      this.reader = new BlockReader(256);
      await this.packs.refresh();
      return this.attempt(hashes, urgent);
    }
  }

  private async attempt(hashes: readonly string[], urgent: boolean): Promise<LoadedDocuments> {
    let located = this.locate(hashes);
    if (!located) {
      await this.packs.refresh();
      located = this.locate(hashes, true)!;
    }
    const { packs, indexes, blocks } = located;
    const load = await this.reader.blocksInOrder({ packs, blocks }, urgent);
    return {
      ready: (end) => load.ready(end),
      config(position) {
        const pack = packs[position];
        if (!pack) return undefined;
        return parseDocument(pack, load.block(position)!, indexes[position]!);
      },
    };
  }

  /**
   * Where each hash lies (pack, position in it, block); `undefined` when one is in no pack known
   * yet, unless `partial`.
   */
  private locate(
    hashes: readonly string[],
    partial = false,
  ): { packs: (PackIndex | undefined)[]; indexes: Int32Array; blocks: Int32Array } | undefined {
    const packs: (PackIndex | undefined)[] = new Array(hashes.length);
    const indexes = new Int32Array(hashes.length);
    const blocks = new Int32Array(hashes.length);
    for (let position = 0; position < hashes.length; position++) {
      const document = this.packs.find(hashes[position]!);
      if (document < 0) {
        if (!partial) return undefined;
        indexes[position] = -1;
        continue;
      }
      const pack = this.packs.packOf(document);
      packs[position] = pack;
      indexes[position] = this.packs.indexOf(document);
      blocks[position] = pack.block[indexes[position]!]!;
    }
    return { packs, indexes, blocks };
  }

  /** Packs whose index is damaged: a document missing from the readable ones may be there. */
  get damagedPacks(): string[] {
    return [...this.packs.damaged.values()].map((error) => String(error.details?.file ?? error.message));
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** Documents whose blocks are read and being decompressed, for the hashes a load was given. */
export interface LoadedDocuments {
  /** Resolves once the documents at positions `0` to `end - 1` can be parsed. */
  ready(end: number): Promise<void>;
  /** Parses the document at `position`; only once {@link ready} covers it. */
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
