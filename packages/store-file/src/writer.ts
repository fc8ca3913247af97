import { randomBytes } from "node:crypto";
import { access, mkdir, rename, rm, utimes } from "node:fs/promises";
import { join } from "node:path";
import {
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
  storableBatch,
  throwIfAborted,
} from "@azure-drift/core";
import type { Compression } from "./codec.js";
import { errnoOf, fsyncDirectory, isMissing, storeIoError, writeDurable } from "./io.js";
import { MANIFEST_FILE, MANIFEST_FORMAT, STORE_FORMAT_VERSION, type TenantLayout } from "./layout.js";
import { type LockSettings, withTenantLock } from "./lock.js";
import type { ManifestV2 } from "./manifest.js";
import { encodeName, newSnapshotId } from "./names.js";
import { ownedName, releaseName } from "./owner.js";
import { PackWriter } from "./pack.js";
import { PACK_EXTENSION } from "./pack-set.js";
import { RecordIndexWriter } from "./record-index.js";

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
   * The documents the tenant's packs already hold, read after the writer registered, so a prune
   * cannot compact them away before the commit: those are not written again.
   */
  storedDocuments(): Promise<{ has(hash: string): boolean }>;
}

type State = "open" | "committing" | "committed" | "aborted" | "failed";

/**
 * Writes one snapshot into a private folder under the tenant's `tmp/`: new documents go into one
 * pack file and the record index into `snap/records.idx`, both compressed in zlib's thread pool
 * while records arrive and fsynced once. `commit` moves the pack into `packs/`, writes the manifest
 * and makes the snapshot visible with one rename of its folder. Nothing is visible before that
 * rename; a crash at any point leaves a temporary folder that the next open removes, or a pack no
 * snapshot references, which the next prune removes.
 */
export class FileSnapshotWriter implements SnapshotWriter {
  readonly snapshotId: string;
  private state: State = "open";
  private failure: unknown;
  private readonly written = new Set<string>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stopListening: () => void;
  private cleanedUp?: Promise<void>;
  private committing?: Promise<SnapshotMeta>;

  private constructor(
    private readonly context: WriterContext,
    private readonly init: SnapshotInit,
    snapshotId: string,
    private readonly folderName: string,
    private readonly stored: { has(hash: string): boolean },
    private readonly pack: PackWriter,
    private readonly index: RecordIndexWriter,
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
    let pack: PackWriter | undefined;
    let index: RecordIndexWriter | undefined;
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
      const stored = await context.storedDocuments();
      pack = await PackWriter.create(join(folder, `new${PACK_EXTENSION}`), context.compression);
      index = await RecordIndexWriter.create(join(folder, "snap"), context.compression);
      return new FileSnapshotWriter(
        context,
        init,
        snapshotId,
        folderName,
        stored,
        pack,
        index,
        options?.signal,
      );
    } catch (error) {
      await pack?.abort().catch(() => {});
      await index?.abort().catch(() => {});
      releaseName(folderName);
      await rm(folder, { recursive: true, force: true }).catch(() => {});
      throw isDriftError(error) ? error : storeIoError(error, folder, "create the writer folder");
    }
  }

  write(records: ResourceRecord | readonly ResourceRecord[]): Promise<void> {
    try {
      this.enter();
      const list = storableBatch(records);
      // Encoded synchronously, so records keep the order of the write calls.
      for (const record of list) {
        this.index.add(record);
        const { hash } = record;
        if (this.written.has(hash) || this.stored.has(hash)) continue;
        this.written.add(hash);
        this.pack.add(hash, JSON.stringify(record.config));
      }
    } catch (error) {
      if (!isDriftError(error, "E_INPUT")) this.fail(error);
      return Promise.reject(this.asStoreError(error, this.folder, "write"));
    }
    return Promise.all([this.pack.waitForRoom(), this.index.waitForRoom()]).then(
      () => {
        throwIfAborted(this.signal);
      },
      (error: unknown) => {
        this.fail(error);
        throw this.asStoreError(error, this.folder, "write");
      },
    );
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    if (this.state === "open") this.state = "failed";
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
      const { layout } = this.context;
      const [packBytes, records] = await Promise.all([
        this.pack.documents > 0 ? this.pack.finish() : this.pack.abort().then(() => 0),
        this.index.finish(),
      ]);
      const meta: SnapshotMeta = {
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        id: this.snapshotId,
        tenantId: this.init.tenantId,
        scopes: [...this.init.scopes],
        startedAt: this.init.startedAt,
        finishedAt: completion.finishedAt,
        collectors: completion.collectors,
        coverage: completion.coverage,
        resourceCount: records.count,
        ...(this.init.source === undefined ? {} : { source: this.init.source }),
      };
      const manifest: ManifestV2 = {
        format: MANIFEST_FORMAT,
        storeFormatVersion: STORE_FORMAT_VERSION,
        meta,
        records: { file: "records.idx", compression: this.context.compression, ...records },
      };
      await writeDurable(join(this.snapFolder, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await fsyncDirectory(this.snapFolder);
      throwIfAborted(this.signal);
      if (packBytes > 0) {
        // Documents must be in place and durable before the manifest that references them is visible.
        const created = await mkdir(layout.packs, { recursive: true });
        if (created !== undefined) await fsyncDirectory(layout.root);
        await rename(join(this.folder, `new${PACK_EXTENSION}`), join(layout.packs, packName()));
        await fsyncDirectory(layout.packs);
      }
      const target = layout.snapshot(this.snapshotId);
      await mkdir(layout.snapshots, { recursive: true });
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
      await fsyncDirectory(layout.snapshots);
      this.state = "committed";
      this.context.logger.debug("snapshot committed", {
        tenantId: this.init.tenantId,
        snapshotId: this.snapshotId,
        records: records.count,
        newDocuments: this.written.size,
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

  private asStoreError(error: unknown, file: string, doing: string): DriftError {
    if (isDriftError(error)) return error;
    return storeIoError(error, file, doing);
  }

  private cleanup(): Promise<void> {
    this.cleanedUp ??= (async () => {
      clearInterval(this.heartbeat);
      this.stopListening();
      if (this.state !== "committed") {
        await Promise.all([this.pack.abort().catch(() => {}), this.index.abort().catch(() => {})]);
      }
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

/** A new pack's name: sortable by time, unique by chance. */
function packName(): string {
  return `${Date.now().toString(36).padStart(9, "0")}-${randomBytes(6).toString("hex")}${PACK_EXTENSION}`;
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
