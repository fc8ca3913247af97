import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { access, mkdir, rename, rm, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  assertStorableRecord,
  DriftError,
  isDriftError,
  type Logger,
  type OperationOptions,
  type ResourceRecord,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotCompletion,
  type SnapshotInit,
  type SnapshotMeta,
  type SnapshotWriter,
  throwIfAborted,
} from "@azure-drift/core";
import { type Compression, compress, compressStream } from "./codec.js";
import { errnoOf, fsyncDirectory, isMissing, storeIoError, writeDurable } from "./io.js";
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  recordsFile,
  STORE_FORMAT_VERSION,
  type TenantLayout,
} from "./layout.js";
import { createLimit } from "./limit.js";
import { type LockSettings, withTenantLock } from "./lock.js";
import type { ManifestFile } from "./manifest.js";
import { encodeName, newSnapshotId } from "./names.js";
import { ownedName, releaseName } from "./owner.js";

/** What a writer needs from its store. */
export interface WriterContext {
  layout: TenantLayout;
  compression: Compression;
  lock: LockSettings;
  /** A writer folder not refreshed for this long (seen from another host) is abandoned. */
  writerStaleMs: number;
  logger: Logger;
  /** Throws `E_STORE_CLOSED` once the store is closed. */
  assertOpen(): void;
  /** Called once the writer has committed or been cleaned up. */
  settled(writer: FileSnapshotWriter): void;
  /**
   * Hashes whose documents are known to be on disk (those of the tenant's latest snapshot), read
   * after the writer registered, so a prune cannot sweep them before the commit. Saves one `access`
   * per unchanged resource: the common case of a snapshot with 1 % churn.
   */
  knownHashes(scopes: readonly string[]): Promise<Set<string>>;
}

// Enough parallel document writes to keep the thread pool busy without piling up configs in memory.
const DOC_CONCURRENCY = 16;

type State = "open" | "committing" | "committed" | "aborted" | "failed";

/**
 * Writes one snapshot into a private folder under the tenant's `tmp/`: documents go straight to
 * their content-addressed place (idempotent: same hash, same bytes), the record index is streamed
 * through the compressor to disk, and `commit` makes the snapshot visible with one rename of its
 * folder. Nothing is visible before that rename, and a crash at any point leaves only a temporary
 * folder that the next open removes.
 */
export class FileSnapshotWriter implements SnapshotWriter {
  readonly snapshotId: string;
  private state: State = "open";
  private failure: unknown;
  private count = 0;
  private docCounter = 0;
  private readonly hashesWritten = new Set<string>();
  private known = new Set<string>();
  private readonly shards = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly limit = createLimit(DOC_CONCURRENCY);
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stopListening: () => void;
  private cleanedUp?: Promise<void>;
  private committing?: Promise<SnapshotMeta>;

  /** The wait for the index stream to drain, shared by every write that found it full. */
  private drained: Promise<void> | undefined;

  private constructor(
    private readonly context: WriterContext,
    private readonly init: SnapshotInit,
    snapshotId: string,
    private readonly folderName: string,
    private readonly compressor: NodeJS.ReadWriteStream & { destroy(error?: Error): void },
    private readonly out: WriteStream,
    private readonly flowing: Promise<void>,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.snapshotId = snapshotId;
    // Tells other hosts sharing the folder that this writer is alive (same-host peers check the pid).
    this.heartbeat = setInterval(
      () => {
        const now = new Date();
        utimes(this.folder, now, now).catch(() => {});
      },
      Math.max(1000, context.writerStaleMs / 4),
    );
    this.heartbeat.unref();
    const onAbort = () => {
      if (this.state === "open") {
        this.state = "aborted";
        void this.cleanup();
      }
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    this.stopListening = () => signal?.removeEventListener("abort", onAbort);
  }

  private get folder() {
    return join(this.context.layout.tmp, this.folderName);
  }
  private get snapFolder() {
    return join(this.folder, "snap");
  }

  /** Registers a writer under the tenant lock, so a concurrent prune sees it and spares its documents. */
  static async open(
    context: WriterContext,
    init: SnapshotInit,
    options: OperationOptions | undefined,
  ): Promise<FileSnapshotWriter> {
    checkInit(init);
    const snapshotId = init.id ?? newSnapshotId(init.startedAt);
    const target = context.layout.snapshot(snapshotId);
    const folderName = ownedName("w");
    const folder = join(context.layout.tmp, folderName);
    try {
      await withTenantLock(
        context.layout.lockTarget,
        context.lock,
        async () => {
          if (await exists(target)) {
            throw new DriftError(
              "E_INPUT",
              `A snapshot with id ${JSON.stringify(snapshotId)} already exists for this tenant; omit \`id\` to get a fresh one.`,
            );
          }
          await mkdir(join(folder, "snap"), { recursive: true });
        },
        options?.signal,
      );
    } catch (error) {
      releaseName(folderName);
      await rm(folder, { recursive: true, force: true }).catch(() => {});
      throw isDriftError(error) ? error : storeIoError(error, folder, "create the writer folder");
    }
    const file = join(folder, "snap", recordsFile(context.compression));
    let known = new Set<string>();
    try {
      known = await context.knownHashes(init.scopes);
    } catch (error) {
      // Only an optimisation: without it every document is checked on disk.
      context.logger.debug("could not read the latest snapshot's hashes", { error: String(error) });
    }
    const compressor = compressStream(context.compression);
    // flush: the file is fsynced before it is closed, so `flowing` resolving means durable.
    const out = createWriteStream(file, { flags: "wx", flush: true });
    const flowing = pipeline(compressor, out);
    flowing.catch(() => {});
    const writer = new FileSnapshotWriter(
      context,
      init,
      snapshotId,
      folderName,
      compressor,
      out,
      flowing,
      options?.signal,
    );
    writer.known = known;
    return writer;
  }

  write(records: ResourceRecord | readonly ResourceRecord[]): Promise<void> {
    const list: readonly ResourceRecord[] = Array.isArray(records)
      ? (records as readonly ResourceRecord[])
      : [records as ResourceRecord];
    let text = "";
    const docs: Promise<void>[] = [];
    try {
      this.enter();
      for (const record of list) assertStorableRecord(record);
      // Lines are queued synchronously, so records keep the order of the write calls.
      for (const record of list) {
        const { config, ...indexed } = record;
        text += `${JSON.stringify(indexed)}\n`;
        this.count++;
        if (this.hashesWritten.has(record.hash)) continue;
        this.hashesWritten.add(record.hash);
        docs.push(this.track(this.limit(() => this.ensureDoc(record.hash, config))));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const flushed = this.compressor.write(text) ? undefined : this.waitForDrain();
    return Promise.all([...docs, flushed]).then(
      () => {
        throwIfAborted(this.signal);
      },
      (error: unknown) => {
        throw this.asStoreError(error, this.folder, "write");
      },
    );
  }

  /** Concurrent writes share one wait: a listener pair per waiting write would pile up on the stream. */
  private waitForDrain(): Promise<void> {
    if (!this.drained) {
      this.drained = drainedOrClosed(this.compressor).finally(() => {
        this.drained = undefined;
      });
    }
    return this.drained;
  }

  commit(completion: SnapshotCompletion): Promise<SnapshotMeta> {
    try {
      this.enter();
    } catch (error) {
      return Promise.reject(error);
    }
    this.state = "committing";
    this.committing = this.runCommit(completion);
    return this.committing;
  }

  private async runCommit(completion: SnapshotCompletion): Promise<SnapshotMeta> {
    try {
      checkCompletion(completion);
      await this.settleDocuments();
      this.compressor.end();
      await this.flowing;
      const bytes = this.out.bytesWritten;
      const meta: SnapshotMeta = {
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        id: this.snapshotId,
        tenantId: this.init.tenantId,
        scopes: [...this.init.scopes],
        startedAt: this.init.startedAt,
        finishedAt: completion.finishedAt,
        collectors: completion.collectors,
        coverage: completion.coverage,
        resourceCount: this.count,
        ...(this.init.source === undefined ? {} : { source: this.init.source }),
      };
      const manifest: ManifestFile = {
        format: MANIFEST_FORMAT,
        storeFormatVersion: STORE_FORMAT_VERSION,
        meta,
        records: {
          file: recordsFile(this.context.compression),
          compression: this.context.compression,
          count: this.count,
          bytes,
        },
        docCompression: this.context.compression,
      };
      await writeDurable(join(this.snapFolder, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await fsyncDirectory(this.snapFolder);
      // Documents must be durable before the manifest that references them becomes visible.
      await Promise.all([...this.shards].map((shard) => fsyncDirectory(shard)));
      if (this.shards.size > 0) await fsyncDirectory(this.context.layout.docs);
      throwIfAborted(this.signal);
      const target = this.context.layout.snapshot(this.snapshotId);
      await mkdir(this.context.layout.snapshots, { recursive: true });
      try {
        // The commit point: one rename of the folder. It cannot replace an existing (non-empty) snapshot.
        await rename(this.snapFolder, target);
      } catch (error) {
        const code = errnoOf(error);
        if (code === "ENOTEMPTY" || code === "EEXIST") {
          throw new DriftError(
            "E_INPUT",
            `A snapshot with id ${JSON.stringify(this.snapshotId)} was committed by another writer first; omit \`id\` to get a fresh one.`,
          );
        }
        throw error;
      }
      await fsyncDirectory(this.context.layout.snapshots);
      this.state = "committed";
      this.context.logger.debug("snapshot committed", {
        tenantId: this.init.tenantId,
        snapshotId: this.snapshotId,
        records: this.count,
      });
      return meta;
    } catch (error) {
      this.state = "failed";
      throw this.asStoreError(error, this.folder, "commit the snapshot in");
    } finally {
      await this.cleanup();
    }
  }

  async abort(): Promise<void> {
    if (this.state === "committed") return;
    if (this.state === "open" || this.state === "failed") this.state = "aborted";
    await this.cleanup();
  }

  /** Aborts when the store is closed under a writer; a commit already under way is let finish. */
  async closeWithStore(): Promise<void> {
    if (this.state === "committing") {
      await this.committing?.catch(() => {});
      return;
    }
    if (this.state === "open") this.state = "aborted";
    await this.cleanup();
  }

  private enter(): void {
    this.context.assertOpen();
    throwIfAborted(this.signal);
    if (this.state === "aborted") {
      throw new DriftError("E_ABORTED", "This snapshot write was aborted; begin a new snapshot.");
    }
    if (this.state !== "open") {
      throw new DriftError(
        "E_INPUT",
        `This snapshot writer is ${this.state}; begin a new snapshot to write again.`,
        this.failure === undefined ? undefined : { cause: this.failure },
      );
    }
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.then(
      () => {
        this.inflight.delete(tracked);
      },
      (error: unknown) => {
        this.inflight.delete(tracked);
        this.failure ??= error;
        if (this.state === "open") this.state = "failed";
        throw error;
      },
    );
    tracked.catch(() => {});
    this.inflight.add(tracked);
    return tracked;
  }

  private async settleDocuments(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Puts the document for `hash` in place unless it is already there (same hash, same content). */
  private async ensureDoc(hash: string, config: ResourceRecord["config"]): Promise<void> {
    if (this.state !== "open" && this.state !== "committing") return;
    const final = this.context.layout.doc(hash, this.context.compression);
    if (this.known.has(hash) || (await exists(final))) return;
    const body = await compress(JSON.stringify(config), this.context.compression);
    const temporary = join(this.folder, `d${this.docCounter++}`);
    await writeDurable(temporary, body);
    const shard = dirname(final);
    if (!this.shards.has(shard)) {
      await mkdir(shard, { recursive: true });
      this.shards.add(shard);
    }
    await rename(temporary, final);
  }

  private asStoreError(error: unknown, file: string, doing: string): DriftError {
    if (isDriftError(error)) return error;
    return storeIoError(error, file, doing);
  }

  private cleanup(): Promise<void> {
    this.cleanedUp ??= (async () => {
      clearInterval(this.heartbeat);
      this.stopListening();
      if (this.state !== "committed") this.compressor.destroy();
      await Promise.allSettled([...this.inflight]);
      await this.flowing.catch(() => {});
      await rm(this.folder, { recursive: true, force: true }).catch((error: unknown) => {
        this.context.logger.warn("could not remove a writer's temporary folder; the next open removes it", {
          folder: this.folder,
          error: String(error),
        });
      });
      releaseName(this.folderName);
      this.context.settled(this);
    })();
    return this.cleanedUp;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

function checkInit(init: SnapshotInit): void {
  if (typeof init !== "object" || init === null)
    throw new DriftError("E_INPUT", "beginSnapshot needs an init object.");
  encodeName(init.tenantId, "tenant id");
  if (init.id !== undefined) encodeName(init.id, "snapshot id");
  if (!Array.isArray(init.scopes) || init.scopes.some((scope) => typeof scope !== "string")) {
    throw new DriftError("E_INPUT", "SnapshotInit.scopes must be an array of subscription ids.");
  }
  if (typeof init.startedAt !== "string" || Number.isNaN(Date.parse(init.startedAt))) {
    throw new DriftError(
      "E_INPUT",
      `SnapshotInit.startedAt must be an ISO time; got ${JSON.stringify(init.startedAt)}.`,
    );
  }
}

function checkCompletion(completion: SnapshotCompletion): void {
  if (
    typeof completion !== "object" ||
    completion === null ||
    typeof completion.finishedAt !== "string" ||
    !Array.isArray(completion.collectors) ||
    !Array.isArray(completion.coverage)
  ) {
    throw new DriftError("E_INPUT", "commit needs { finishedAt, collectors, coverage }.");
  }
}

/**
 * Waits until `stream` accepts more, or is gone: an abort destroys the stream, which emits no
 * "drain", and a write waiting only for it would never settle.
 */
async function drainedOrClosed(stream: NodeJS.EventEmitter): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([
      once(stream, "drain", { signal: stop.signal }),
      once(stream, "close", { signal: stop.signal }),
    ]);
  } finally {
    stop.abort();
  }
}
