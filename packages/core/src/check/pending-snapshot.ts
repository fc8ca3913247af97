import type { DiffSource } from "../diff/engine.js";
import type { JsonObject, ResourceRecord, SnapshotMeta } from "../model.js";
import type { OperationOptions } from "../operation.js";
import type { RecordIndexEntry, Store, StoredConfig } from "../store.js";

/**
 * What a check keeps of the snapshot it is writing, so the diff runs **before** the commit: the
 * record index, and the configs of the records whose hash differs from the base's (the only ones a
 * diff reads). A check whose diff cannot be made (a damaged base) then aborts the write, and the
 * next check still compares with that base instead of with a snapshot nobody was told about.
 * Memory: one index entry per record, as the diff's own index, plus the changed configs.
 */
export class PendingSnapshot {
  private readonly index = new Map<string, RecordIndexEntry>();
  private readonly changedConfigs = new Map<string, JsonObject>();

  /** @param baseIndex the base snapshot's index, read before collecting (also proves it readable). */
  constructor(private readonly baseIndex: ReadonlyMap<string, RecordIndexEntry> | undefined) {}

  /** Takes note of records as they are written to the store. */
  add(records: readonly ResourceRecord[]): void {
    for (const record of records) {
      const { config, ...entry } = record;
      this.index.set(entry.key, entry);
      if (this.baseIndex?.get(entry.key)?.hash !== entry.hash) this.changedConfigs.set(entry.hash, config);
    }
  }

  /**
   * The store as a diff sees it with this snapshot in it, under `meta.id`: the pending snapshot
   * from memory, the base's index from memory, everything else (the base's documents) from `store`.
   */
  diffSource(store: Store, meta: SnapshotMeta, baseId: string | undefined): DiffSource {
    const { index, changedConfigs, baseIndex } = this;
    const source: DiffSource = {
      getSnapshot: (tenantId, snapshotId) =>
        snapshotId === meta.id ? Promise.resolve(meta) : store.getSnapshot(tenantId, snapshotId),
      readIndex(tenantId, snapshotId, options) {
        if (snapshotId === meta.id) return fromValues(index.values());
        if (snapshotId === baseId && baseIndex) return fromValues(baseIndex.values());
        return store.readIndex(tenantId, snapshotId, options);
      },
      readRecords(tenantId, snapshotId, options = {}) {
        if (snapshotId !== meta.id) return store.readRecords(tenantId, snapshotId, options);
        return pendingRecords(index, changedConfigs, options);
      },
    };
    if (store.readIndexBatches) {
      const readIndexBatches = store.readIndexBatches.bind(store);
      source.readIndexBatches = async function* (tenantId, snapshotId, options) {
        const inMemory = snapshotId === meta.id ? index : snapshotId === baseId ? baseIndex : undefined;
        if (!inMemory) {
          yield* readIndexBatches(tenantId, snapshotId, options);
          return;
        }
        if (inMemory.size > 0) yield [...inMemory.values()];
      };
    }
    if (store.readConfigs) {
      const readConfigs = store.readConfigs.bind(store);
      source.readConfigs = async function* (tenantId, hashes, options) {
        const elsewhere: string[] = [];
        for (const hash of hashes) {
          const config = changedConfigs.get(hash);
          if (config) yield { hash, config } satisfies StoredConfig;
          else elsewhere.push(hash);
        }
        if (elsewhere.length > 0) yield* readConfigs(tenantId, elsewhere, options);
      };
    }
    return source;
  }
}

async function* fromValues<T>(values: Iterable<T>): AsyncIterable<T> {
  yield* values;
}

/** Records of the pending snapshot by key: only changed ones have their config at hand, and only those are asked for. */
async function* pendingRecords(
  index: ReadonlyMap<string, RecordIndexEntry>,
  configs: ReadonlyMap<string, JsonObject>,
  options: OperationOptions & { keys?: Iterable<string> },
): AsyncIterable<ResourceRecord> {
  const keys = options.keys === undefined ? index.keys() : options.keys;
  for (const key of keys) {
    const entry = index.get(key);
    const config = entry && configs.get(entry.hash);
    if (entry && config) yield { ...entry, config };
  }
}
