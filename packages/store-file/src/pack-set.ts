import { join } from "node:path";
import { type DriftError, isDriftError } from "@azure-drift/core";
import { DocumentTable } from "./document-table.js";
import { isMissing, listNames } from "./io.js";
import { createLimit } from "./limit.js";
import { type PackIndex, readPackIndex } from "./pack.js";

export const PACK_EXTENSION = ".pack";
/** Pack indexes read at once when a tenant's packs are listed. */
const PARALLEL_READS = 16;

/**
 * The pack files of one tenant and which document each holds. Packs never change once in place, so
 * their indexes are read once and kept; {@link refresh} only lists the folder to see packs that
 * appeared (a commit) or went (a compaction).
 */
export class PackSet {
  private readonly indexes = new Map<string, PackIndex>();
  private readonly failures = new Map<string, DriftError>();
  private ordered: PackIndex[] = [];
  private table = new DocumentTable([]);
  private signature: string | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(readonly folder: string) {}

  /** Re-reads the folder listing; reads the index of each new pack. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const names = (await listNames(this.folder)).filter((name) => name.endsWith(PACK_EXTENSION)).sort();
    const signature = names.join("/");
    if (signature === this.signature) return;
    const present = new Set(names);
    for (const name of [...this.indexes.keys()]) if (!present.has(name)) this.indexes.delete(name);
    for (const name of [...this.failures.keys()]) if (!present.has(name)) this.failures.delete(name);
    // A tenant with a long history has a pack per snapshot: their indexes are read several at a
    // time, since one after another the open, read and close round trips add up to most of the
    // time a snapshot read takes to its first record.
    const limit = createLimit(PARALLEL_READS);
    const fresh = names.filter((name) => !this.indexes.has(name) && !this.failures.has(name));
    await Promise.all(
      fresh.map((name) =>
        limit(async () => {
          try {
            this.indexes.set(name, await readPackIndex(join(this.folder, name), name));
          } catch (error) {
            if (isMissing(error)) return;
            if (!isDriftError(error)) throw error;
            this.failures.set(name, error);
          }
        }),
      ),
    );
    this.ordered = names.map((name) => this.indexes.get(name)).filter((pack) => pack !== undefined);
    this.table = new DocumentTable(this.ordered);
    this.signature = signature;
  }

  has(hash: string): boolean {
    return this.table.find(hash) >= 0;
  }

  /** The document with hash `hash`, as a number for {@link packOf} and {@link indexOf}; -1 when no pack holds it. */
  find(hash: string): number {
    return this.table.find(hash);
  }

  packOf(document: number): PackIndex {
    return this.table.packOf(document);
  }

  indexOf(document: number): number {
    return this.table.indexOf(document);
  }

  /** Readable packs, oldest name first. */
  get packs(): readonly PackIndex[] {
    return this.ordered;
  }

  /** Packs whose index could not be read, with why. */
  get damaged(): ReadonlyMap<string, DriftError> {
    return this.failures;
  }

  /** How many distinct documents the readable packs hold. */
  get size(): number {
    return this.table.size;
  }
}
