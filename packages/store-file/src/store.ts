import { link, mkdir, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  type Baseline,
  checkListQuery,
  DriftError,
  type DriftReport,
  type IndexComparer,
  type IndexComparison,
  isDriftError,
  isInTimeRange,
  type JsonObject,
  type ListQuery,
  type Logger,
  noopLogger,
  type OperationOptions,
  type PruneOptions,
  type PruneResult,
  type RecordIndexEntry,
  type ReportSummaryEntry,
  type ResourceRecord,
  type SnapshotInit,
  type SnapshotMeta,
  type SnapshotWriter,
  type Store,
  type StoredConfig,
  selectForPrune,
  selectSnapshots,
  throwIfAborted,
  type UnreadableSnapshot,
} from "@azure-drift/core";
import { COMPRESSIONS, type Compression, compress, decompress } from "./codec.js";
import { compactPacks } from "./compact.js";
import { readDocument } from "./documents.js";
import { compareRowIndexes } from "./index-compare.js";
import {
  errnoOf,
  fsyncDirectory,
  isMissing,
  listNames,
  removeAbandoned,
  storeIoError,
  writeAtomic,
  writeDurable,
} from "./io.js";
import {
  BASELINE_FORMAT,
  formatChangesSince,
  MANIFEST_FILE,
  MARKER_FILE,
  READABLE_FORMAT_VERSIONS,
  REPORT_FORMAT,
  STORE_FORMAT,
  STORE_FORMAT_VERSION,
  TenantLayout,
} from "./layout.js";
import { type LockSettings, withTenantLock } from "./lock.js";
import {
  corruptError,
  type ManifestFile,
  type ManifestV1,
  type ManifestV2,
  readIndexBatches,
  readManifest,
  recordIndexFile,
} from "./manifest.js";
import { decodeName } from "./names.js";
import { ownedName, releaseName } from "./owner.js";
import { PackSet } from "./pack-set.js";
import { type LoadedDocuments, missingDocument, PackDocuments } from "./read-documents.js";
import { type FrameView, readRecordFrames, readRowIndex } from "./record-index.js";
import { type VerifyReport, verifyStore } from "./verify.js";
import { FileSnapshotWriter } from "./writer.js";

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** The store's folder; created when missing. Default `./.azure-drift`. */
  directory?: string;
  /** How long to wait for another process's tenant lock before `E_STORE_LOCKED`. Default 30 s. */
  lockTimeoutMs?: number;
  /** A tenant lock not refreshed for this long is left by a crashed process and taken over. Default 10 s (min 2 s). */
  staleLockMs?: number;
  /**
   * How new pack blocks (resource documents) and record indexes are compressed. Default `gzip`
   * (DEFLATE level 1 per block; see docs/store-file.md). Existing files keep the codec they were
   * written with.
   */
  compression?: Compression;
  logger?: Logger;
}

/** The file store: a {@link Store} plus a whole-store integrity check. */
export interface FileStore extends Store, IndexComparer {
  /** The absolute path of the store's folder. */
  readonly directory: string;
  /**
   * Checks every tenant, snapshot, record index, resource document, report and baseline, and
   * reports damage. Changes nothing. Run it when no prune is running (a concurrent prune may
   * remove documents mid-check).
   */
  verify(options?: OperationOptions): Promise<VerifyReport>;
  /**
   * Sets a snapshot aside: moves its folder out of `snapshots/` into the tenant's `quarantine/`
   * folder (kept for inspection or a later restore, never read, pruned or swept). Listings and
   * checks then continue from the newest snapshot that is left. Works on a snapshot whose
   * manifest cannot be read, which is the point. Takes the tenant lock.
   *
   * @throws DriftError `E_NOT_FOUND` when the tenant has no snapshot folder with that id.
   */
  quarantineSnapshot(
    tenantId: string,
    snapshotId: string,
    options?: OperationOptions,
  ): Promise<QuarantineResult>;
}

/** What {@link FileStore.quarantineSnapshot} did. */
export interface QuarantineResult {
  snapshotId: string;
  /** Where the snapshot's folder is now. */
  movedTo: string;
  /** Baselines that named the snapshot: they now point to nothing; accept them again. */
  baselines: string[];
}

/** How many format-1 document files a reader keeps in flight ahead of the consumer. */
const READ_AHEAD = 32;
/**
 * A snapshot read builds and hands on records in batches of this many (and lets the event loop run
 * between batches while the next frame loads).
 */
const HAND_OUT_BATCH = 128;

/** The positions in `frame` of the records whose key is in `keys`. */
function wantedPositions(frame: FrameView, keys: ReadonlySet<string>): number[] {
  const positions: number[] = [];
  for (let index = 0; index < frame.count; index++)
    if (keys.has(frame.entry(index).key)) positions.push(index);
  return positions;
}

/** How many documents `readConfigs` fetches from packs at once. */
const READ_BATCH = 256;
/** A writer folder (seen from another host) not refreshed for this long is abandoned. */
const WRITER_STALE_MS = 60_000;

interface CachedManifest {
  ino: number;
  mtimeMs: number;
  manifest: ManifestFile;
}

/**
 * Opens (creating when needed) a file store. Refuses a folder that holds anything else
 * (`E_STORE`), a store written by a newer release (`E_SNAPSHOT_VERSION`) and a folder it cannot
 * write (`E_STORE`). Removes what writers that crashed left behind.
 */
export async function createFileStore(options: FileStoreOptions = {}): Promise<FileStore> {
  const compression = options.compression ?? "gzip";
  if (!COMPRESSIONS.includes(compression)) {
    throw new DriftError(
      "E_INPUT",
      `compression must be one of ${COMPRESSIONS.join(", ")}; got ${String(compression)}.`,
    );
  }
  const directory = resolve(options.directory ?? "./.azure-drift");
  const logger = options.logger ?? noopLogger;
  await openRoot(directory, logger);
  const store = new FileStoreImpl(directory, compression, {
    timeoutMs: options.lockTimeoutMs ?? 30_000,
    staleMs: Math.max(2000, options.staleLockMs ?? 10_000),
    logger,
  });
  await store.removeLeftovers();
  return store;
}

const isOwnedTemporary = (name: string) => /^t-[0-9a-f]{8}-\d+-[0-9a-f]{12}$/.test(name);

async function openRoot(directory: string, logger: Logger): Promise<void> {
  let names: string[];
  try {
    const info = await stat(directory);
    if (!info.isDirectory()) {
      throw new DriftError(
        "E_STORE",
        `${directory} is a file, not a folder; point the store's \`directory\` to a folder.`,
        { details: { file: directory } },
      );
    }
    names = await readdir(directory);
  } catch (error) {
    if (isDriftError(error)) throw error;
    if (!isMissing(error)) throw storeIoError(error, directory, "open the store folder");
    await createStoreFolder(directory);
    names = [];
  }
  const markerFile = join(directory, MARKER_FILE);
  if (names.includes(MARKER_FILE)) {
    const version = await checkMarker(markerFile);
    if (version !== STORE_FORMAT_VERSION) {
      // Snapshots already written keep their layout and stay readable; new ones use packs. The marker
      // says so, and keeps a release that only knows the old layout from misreading the new one.
      await writeAtomic(markerFile, markerText(), directory).catch((error: unknown) => {
        throw storeIoError(error, markerFile, "upgrade the store marker");
      });
      logger.info(
        `upgraded the file store at ${directory} from format ${version} to ${STORE_FORMAT_VERSION}: existing snapshots are read as they are, new ones are written in format ${STORE_FORMAT_VERSION} (${formatChangesSince(version)}); releases of @azure-drift/store-file that read only format ${version} can no longer open this folder`,
        { directory, from: version, to: STORE_FORMAT_VERSION },
      );
    }
  } else {
    const foreign = names.filter((name) => name !== "tenants" && !isOwnedTemporary(name));
    if (foreign.length > 0) {
      throw new DriftError(
        "E_STORE",
        `${directory} is not an azure-drift store (it has no ${MARKER_FILE} and holds ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", …" : ""}). Point \`directory\` to an empty or new folder.`,
        { details: { file: directory } },
      );
    }
    await writeMarker(directory, markerFile);
  }
  // Proves the folder is writable now rather than at the end of a long collection.
  const probeName = ownedName("t");
  const probe = join(directory, probeName);
  try {
    await writeDurable(probe, "");
    await unlink(probe);
  } catch (error) {
    throw storeIoError(error, directory, "write in the store folder");
  } finally {
    releaseName(probeName);
  }
}

function markerText(): string {
  const marker = {
    format: STORE_FORMAT,
    formatVersion: STORE_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
  };
  return `${JSON.stringify(marker, null, 2)}\n`;
}

/**
 * Creates the store folder and its missing parents one level at a time, after finding the nearest
 * existing parent. Not `mkdir({ recursive: true })`: on Node 20 that never returns where a level
 * cannot be created although its parent exists (under `/proc`, say).
 */
async function createStoreFolder(directory: string): Promise<void> {
  const missing: string[] = [];
  let current = directory;
  for (;;) {
    const info = await stat(current).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw storeIoError(error, current, "look at");
    });
    if (info) {
      if (!info.isDirectory()) {
        throw new DriftError(
          "E_STORE",
          `Cannot create the store folder ${directory}: ${current} is a file, not a folder. Choose another directory (--store DIR).`,
          { details: { file: current } },
        );
      }
      break;
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder);
    } catch (error) {
      if (errnoOf(error) === "EEXIST") continue;
      if (isMissing(error)) {
        throw new DriftError(
          "E_STORE",
          `Cannot create the store folder ${directory}: ${dirname(folder)} does not accept new folders (ENOENT; a virtual file system such as /proc or /sys?). Choose another directory (--store DIR).`,
          { cause: error, details: { file: folder, errno: "ENOENT" } },
        );
      }
      throw storeIoError(error, folder, "create the store folder");
    }
  }
}

async function writeMarker(directory: string, markerFile: string): Promise<void> {
  const name = ownedName("t");
  const temporary = join(directory, name);
  try {
    await writeDurable(temporary, markerText());
    // link, not rename: when two processes create the store at once, the first marker wins intact.
    await link(temporary, markerFile).catch((error: unknown) => {
      if (errnoOf(error) !== "EEXIST") throw error;
    });
    await unlink(temporary);
    await fsyncDirectory(directory);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw storeIoError(error, directory, "create the store in");
  } finally {
    releaseName(name);
  }
}

/** Checks the store marker; returns its format version (one this release reads). */
async function checkMarker(markerFile: string): Promise<number> {
  let marker: { format?: unknown; formatVersion?: unknown };
  try {
    marker = JSON.parse(await readFile(markerFile, "utf8"));
  } catch (error) {
    if (isDriftError(error)) throw error;
    if (error instanceof SyntaxError) {
      throw new DriftError(
        "E_STORE_CORRUPT",
        `${markerFile} is damaged (not valid JSON). Restore it from a backup, or rewrite it as {"format":"${STORE_FORMAT}","formatVersion":${STORE_FORMAT_VERSION}}.`,
        { cause: error, details: { file: markerFile } },
      );
    }
    throw storeIoError(error, markerFile, "read");
  }
  if (marker?.format !== STORE_FORMAT) {
    throw new DriftError(
      "E_STORE",
      `${markerFile} does not describe an azure-drift file store; point \`directory\` to an empty or new folder.`,
      { details: { file: markerFile } },
    );
  }
  if (!READABLE_FORMAT_VERSIONS.includes(marker.formatVersion as number)) {
    throw new DriftError(
      "E_SNAPSHOT_VERSION",
      `${markerFile} says store format version ${String(marker.formatVersion)}; this release reads versions ${READABLE_FORMAT_VERSIONS.join(", ")}. Upgrade @azure-drift/store-file (or the CLI).`,
      { details: { file: markerFile, version: marker.formatVersion } },
    );
  }
  return marker.formatVersion as number;
}

class FileStoreImpl implements FileStore {
  private closed = false;
  private readonly writers = new Set<FileSnapshotWriter>();
  private readonly manifests = new Map<string, CachedManifest>();
  private readonly packSets = new Map<string, PackSet>();
  private readonly reportEntries = new Map<
    string,
    { ino: number; mtimeMs: number; entry: ReportSummaryEntry }
  >();

  constructor(
    readonly directory: string,
    private readonly compression: Compression,
    private readonly lockSettings: LockSettings,
  ) {}

  private get logger() {
    return this.lockSettings.logger;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new DriftError(
        "E_STORE_CLOSED",
        `The file store at ${this.directory} is closed; open a new one with createFileStore().`,
      );
    }
  }

  private layout(tenantId: string): TenantLayout {
    return new TenantLayout(this.directory, tenantId);
  }

  /** The tenant's packs, refreshed (their indexes are kept between calls: packs never change). */
  private async packSet(layout: TenantLayout): Promise<PackSet> {
    let packs = this.packSets.get(layout.root);
    if (!packs) {
      packs = new PackSet(layout.packs);
      this.packSets.set(layout.root, packs);
    }
    await packs.refresh();
    return packs;
  }

  /** Tenants present in the store, with their folders. */
  async tenantLayouts(): Promise<{ folder: string; tenantId: string }[]> {
    const tenants = join(this.directory, "tenants");
    return (await listNames(tenants)).map((name) => ({
      folder: join(tenants, name),
      tenantId: decodeName(name),
    }));
  }

  /** Removes temporaries of crashed writers and half-pruned snapshots, in every tenant. */
  async removeLeftovers(): Promise<void> {
    const removed = await removeAbandoned(this.directory, WRITER_STALE_MS).catch(() => [] as string[]);
    for (const { folder } of await this.tenantLayouts()) {
      removed.push(...(await removeAbandoned(join(folder, "tmp"), WRITER_STALE_MS)));
    }
    if (removed.length > 0) {
      this.logger.info("removed leftovers of interrupted writes", {
        directory: this.directory,
        count: removed.length,
      });
    }
  }

  // ---- snapshots -------------------------------------------------------------------------------

  async beginSnapshot(init: SnapshotInit, options?: OperationOptions): Promise<SnapshotWriter> {
    this.assertOpen();
    throwIfAborted(options?.signal);
    const writer = await FileSnapshotWriter.open(
      {
        layout: this.layout(init?.tenantId),
        compression: this.compression,
        lock: this.lockSettings,
        writerStaleMs: WRITER_STALE_MS,
        logger: options?.logger ?? this.logger,
        assertOpen: () => this.assertOpen(),
        settled: (done) => this.writers.delete(done),
        storedDocuments: () => this.packSet(this.layout(init.tenantId)),
      },
      init,
      options,
    );
    this.writers.add(writer);
    return writer;
  }

  /** The checked manifest of a snapshot folder, cached while the file is unchanged. */
  async manifestAt(folder: string): Promise<ManifestFile | undefined> {
    const file = join(folder, MANIFEST_FILE);
    let info: { ino: number; mtimeMs: number };
    try {
      info = await stat(file);
    } catch (error) {
      if (isMissing(error) || errnoOf(error) === "ENOTDIR") return undefined;
      throw storeIoError(error, file, "read");
    }
    const cached = this.manifests.get(folder);
    if (cached && cached.ino === info.ino && cached.mtimeMs === info.mtimeMs) return cached.manifest;
    const manifest = await readManifest(folder);
    if (manifest) this.manifests.set(folder, { ino: info.ino, mtimeMs: info.mtimeMs, manifest });
    return manifest;
  }

  private async findSnapshot(
    tenantId: string,
    snapshotId: string,
  ): Promise<{ layout: TenantLayout; folder: string; manifest: ManifestFile } | undefined> {
    const layout = this.layout(tenantId);
    if (typeof snapshotId !== "string" || snapshotId.length === 0) return undefined;
    const folder = layout.snapshot(snapshotId);
    const manifest = await this.manifestAt(folder);
    if (!manifest) return undefined;
    if (manifest.meta.tenantId !== tenantId || manifest.meta.id !== snapshotId) {
      throw corruptError(
        join(folder, MANIFEST_FILE),
        "it belongs to another tenant or snapshot id; was it copied here?",
      );
    }
    return { layout, folder, manifest };
  }

  private async requireSnapshot(tenantId: string, snapshotId: string) {
    const found = await this.findSnapshot(tenantId, snapshotId);
    if (!found) {
      throw new DriftError(
        "E_NOT_FOUND",
        `Tenant ${tenantId} has no snapshot ${JSON.stringify(snapshotId)}; list snapshots to see which exist.`,
        { details: { tenantId, snapshotId } },
      );
    }
    return found;
  }

  async getSnapshot(tenantId: string, snapshotId: string): Promise<SnapshotMeta | undefined> {
    this.assertOpen();
    return (await this.findSnapshot(tenantId, snapshotId))?.manifest.meta;
  }

  /** Every readable snapshot of a tenant; damaged ones are logged and skipped so the rest stays usable. */
  async allSnapshots(layout: TenantLayout): Promise<{ folder: string; manifest: ManifestFile }[]> {
    const found: { folder: string; manifest: ManifestFile }[] = [];
    for (const name of await listNames(layout.snapshots)) {
      const folder = join(layout.snapshots, name);
      try {
        const manifest = await this.manifestAt(folder);
        if (manifest && manifest.meta.tenantId === layout.tenantId) found.push({ folder, manifest });
      } catch (error) {
        this.logger.warn("skipping a damaged snapshot; run `azure-drift store verify`", {
          folder,
          error: String(error),
        });
      }
    }
    return found;
  }

  async listUnreadableSnapshots(tenantId: string): Promise<UnreadableSnapshot[]> {
    this.assertOpen();
    const layout = this.layout(tenantId);
    const found: UnreadableSnapshot[] = [];
    for (const name of await listNames(layout.snapshots)) {
      const folder = join(layout.snapshots, name);
      let reason: string | undefined;
      try {
        // A committed snapshot folder always has its manifest: one missing is damage too.
        if (!(await this.manifestAt(folder))) reason = `${join(folder, MANIFEST_FILE)} is missing`;
      } catch (error) {
        reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ");
      }
      if (reason === undefined) continue;
      // The folder's time is its commit's (a manifest damaged later does not change it).
      const modifiedAt = await stat(folder).then(
        (info) => info.mtime.toISOString(),
        () => undefined,
      );
      found.push({ snapshotId: decodeName(name), ...(modifiedAt ? { modifiedAt } : {}), reason });
    }
    return found;
  }

  async quarantineSnapshot(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions = {},
  ): Promise<QuarantineResult> {
    this.assertOpen();
    throwIfAborted(options.signal);
    if (typeof snapshotId !== "string" || snapshotId.length === 0) {
      throw new DriftError("E_INPUT", "quarantineSnapshot needs a snapshot id.");
    }
    const layout = this.layout(tenantId);
    const folder = layout.snapshot(snapshotId);
    return withTenantLock(
      layout.lockTarget,
      this.lockSettings,
      async () => {
        const stamp = new Date().toISOString().replace(/[-:.]/g, "").toLowerCase();
        const movedTo = join(layout.quarantine, `${basename(folder)}--${stamp}`);
        await mkdir(layout.quarantine, { recursive: true });
        try {
          await rename(folder, movedTo);
        } catch (error) {
          if (isMissing(error)) {
            throw new DriftError(
              "E_NOT_FOUND",
              `Tenant ${tenantId} has no snapshot ${JSON.stringify(snapshotId)} to set aside; run azure-drift store verify to see the damaged ones.`,
              { details: { tenantId, snapshotId } },
            );
          }
          throw storeIoError(error, folder, "move aside");
        }
        this.manifests.delete(folder);
        await fsyncDirectory(layout.snapshots);
        const baselines: string[] = [];
        for (const name of await listNames(layout.baselines)) {
          if (!name.endsWith(".json")) continue;
          const baseline = await this.readBaselineFile(join(layout.baselines, name), tenantId).catch(
            () => undefined,
          );
          if (baseline?.snapshotId === snapshotId) baselines.push(baseline.name);
        }
        (options.logger ?? this.logger).warn("snapshot set aside", { tenantId, snapshotId, movedTo });
        return { snapshotId, movedTo, baselines };
      },
      options.signal,
    );
  }

  async listSnapshots(tenantId: string, query: ListQuery = {}): Promise<SnapshotMeta[]> {
    this.assertOpen();
    checkListQuery(query);
    const layout = this.layout(tenantId);
    return selectSnapshots(
      (await this.allSnapshots(layout)).map(({ manifest }) => manifest.meta),
      query,
    );
  }

  async latestSnapshot(
    tenantId: string,
    query: Omit<ListQuery, "limit"> = {},
  ): Promise<SnapshotMeta | undefined> {
    return (await this.listSnapshots(tenantId, { ...query, limit: 1 }))[0];
  }

  async *readRecords(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions & { keys?: Iterable<string> } = {},
  ): AsyncIterable<ResourceRecord> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const { layout, folder, manifest } = await this.requireSnapshot(tenantId, snapshotId);
    const keys = options.keys === undefined ? undefined : new Set(options.keys);
    // A prune may remove this snapshot (and its documents) while it is being read: that is not
    // damage, the snapshot is simply gone.
    const prunedMeanwhile = async (error: unknown): Promise<unknown> => {
      if (isDriftError(error, "E_STORE_CORRUPT") && !(await this.manifestAt(folder).catch(() => undefined))) {
        return new DriftError(
          "E_NOT_FOUND",
          `Snapshot ${JSON.stringify(snapshotId)} of tenant ${tenantId} was pruned while it was being read.`,
          { cause: error, details: { tenantId, snapshotId } },
        );
      }
      return error;
    };
    const records =
      manifest.storeFormatVersion !== 1
        ? this.readPackedRecords(layout, folder, manifest, keys, options.signal)
        : this.readLooseRecords(layout, folder, manifest, keys, options.signal);
    try {
      // Batches from the readers below: one async step per record here rather than one per layer.
      for await (const batch of records) {
        for (const record of batch) {
          this.assertOpen();
          throwIfAborted(options.signal);
          yield record;
        }
      }
    } catch (error) {
      throw await prunedMeanwhile(error);
    }
  }

  /** Records of a format-2 snapshot: index chunks, then their documents out of the packs a batch at a time. */
  private async *readPackedRecords(
    layout: TenantLayout,
    folder: string,
    manifest: ManifestV2,
    keys: Set<string> | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ResourceRecord[]> {
    // The tenant's pack indexes load while the record index is read and its first frame parsed.
    const packs = this.packSet(layout);
    packs.catch(() => {});
    let documents: PackDocuments | undefined;
    const indexFile = recordIndexFile(folder, manifest);
    const frames = readRecordFrames(folder, manifest.records, signal);
    interface FrameLoad {
      frame: FrameView;
      positions: number[] | undefined;
      loaded: Promise<LoadedDocuments>;
      /** Resolves once all of the frame's documents are decompressed. */
      complete: Promise<unknown>;
    }
    // A frame of the index at a time (up to 4096 records): the documents one frame needs lie in
    // long runs of blocks of each pack, which decompress together, in the order the records need
    // them. The next frame's blocks are read and decompressed while this one's records are built,
    // parsed and handed out.
    // The first load is urgent (nothing is handed out until it is in); later ones are made ahead.
    let urgent = true;
    const loadNext = async (): Promise<FrameLoad | undefined> => {
      for (;;) {
        const { value: frame, done } = await frames.next();
        if (done) return undefined;
        documents ??= new PackDocuments(await packs);
        const positions = keys ? wantedPositions(frame, keys) : undefined;
        if (positions?.length === 0) continue;
        const hashes = positions
          ? positions.map((index) => frame.hash(index))
          : Array.from({ length: frame.count }, (_, index) => frame.hash(index));
        const loaded = documents.load(hashes, urgent);
        urgent = false;
        const complete = loaded.then((documents) => documents.ready(hashes.length));
        complete.catch(() => {});
        return { frame, positions, loaded, complete };
      }
    };
    let next: Promise<FrameLoad | undefined> | undefined;
    try {
      let current = await loadNext();
      while (current) {
        next = undefined;
        // The next frame's load starts once this frame's first records are out: setting it up
        // takes the main thread a few milliseconds, which the first records should not wait for.
        const startNext = () => {
          next ??= loadNext();
          next.catch(() => {});
          return next;
        };
        yield* handOut(current, await current.loaded, startNext);
        current = await startNext();
      }
    } finally {
      await next?.catch(() => {});
      await frames.return(undefined);
      await documents?.close();
    }

    async function* handOut(
      { frame, positions }: FrameLoad,
      loaded: LoadedDocuments,
      startNext: () => Promise<FrameLoad | undefined>,
    ): AsyncGenerator<ResourceRecord[]> {
      let loading = false;
      const count = positions ? positions.length : frame.count;
      for (let start = 0; start < count; start += HAND_OUT_BATCH) {
        const end = Math.min(count, start + HAND_OUT_BATCH);
        await loaded.ready(end);
        // Records handed out from memory never leave the microtask queue, so the next frame's reads
        // would not complete (nor its decompression go on) until this frame is done: while it
        // loads, the event loop gets a turn between batches.
        if (loading) await new Promise((resolve) => setImmediate(resolve));
        const batch: ResourceRecord[] = [];
        for (let at = start; at < end; at++) {
          const entry = frame.entry(positions ? positions[at]! : at);
          const config = loaded.config(at);
          if (!config)
            throw missingDocument(indexFile, manifest.meta.id, entry.hash, documents!.damagedPacks);
          entry.config = config;
          batch.push(entry as unknown as ResourceRecord);
        }
        yield batch;
        if (start === 0) {
          loading = true;
          const settled = () => {
            loading = false;
          };
          startNext().then((upcoming) => upcoming?.complete.then(settled, settled) ?? settled(), settled);
        }
      }
    }
  }

  /** Records of a format-1 snapshot: one document file per record, read ahead in parallel. */
  private async *readLooseRecords(
    layout: TenantLayout,
    folder: string,
    manifest: ManifestV1,
    keys: Set<string> | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ResourceRecord[]> {
    const manifestFile = join(folder, MANIFEST_FILE);
    const ahead: { line: Record<string, unknown>; config: Promise<ResourceRecord["config"]> }[] = [];
    const next = async (): Promise<ResourceRecord> => {
      const item = ahead.shift()!;
      return { ...item.line, config: await item.config } as unknown as ResourceRecord;
    };
    try {
      for await (const batch of readIndexBatches(folder, manifest, signal)) {
        for (const line of batch) {
          if (keys && !keys.has(line.key)) continue;
          const config = readDocument(layout, line.hash, manifest.docCompression, manifestFile);
          config.catch(() => {});
          ahead.push({ line, config });
          if (ahead.length >= READ_AHEAD) yield [await next()];
        }
      }
      while (ahead.length > 0) yield [await next()];
    } finally {
      ahead.length = 0;
    }
  }

  async *readIndex(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions = {},
  ): AsyncIterable<RecordIndexEntry> {
    for await (const batch of this.readIndexBatches(tenantId, snapshotId, options)) yield* batch;
  }

  async *readIndexBatches(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions = {},
  ): AsyncIterable<RecordIndexEntry[]> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const { folder, manifest } = await this.requireSnapshot(tenantId, snapshotId);
    for await (const batch of readIndexBatches(folder, manifest, options.signal)) {
      this.assertOpen();
      // An entry is the record without its config, exactly as the writer was given it.
      yield batch as unknown as RecordIndexEntry[];
    }
  }

  /**
   * What differs between two snapshots' indexes (see core's `IndexComparer`), found by comparing
   * their slots as bytes; `undefined` for snapshots of format 1 or 2 (or with a key written twice),
   * which a diff then reads whole.
   */
  async compareIndexes(
    tenantId: string,
    baseSnapshotId: string,
    currentSnapshotId: string,
    options: OperationOptions = {},
  ): Promise<IndexComparison | undefined> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const [base, current] = await Promise.all(
      [baseSnapshotId, currentSnapshotId].map(async (snapshotId) => {
        const { folder, manifest } = await this.requireSnapshot(tenantId, snapshotId);
        return manifest.storeFormatVersion === 1 ? undefined : readRowIndex(folder, manifest.records);
      }),
    );
    throwIfAborted(options.signal);
    return base && current ? compareRowIndexes(base, current) : undefined;
  }

  async *readConfigs(
    tenantId: string,
    hashes: Iterable<string>,
    options: OperationOptions = {},
  ): AsyncIterable<StoredConfig> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const layout = this.layout(tenantId);
    const unique = [...new Set(hashes)];
    const documents = new PackDocuments(await this.packSet(layout));
    // Documents of format-1 snapshots are files of their own; look for them only if the tenant has any.
    const looseDocuments = (await listNames(layout.docs)).length > 0;
    try {
      for (let start = 0; start < unique.length; start += READ_BATCH) {
        const batch = unique.slice(start, start + READ_BATCH);
        const configs = await documents.configs(batch);
        for (const [index, hash] of batch.entries()) {
          configs[index] ??= looseDocuments ? await this.findDocument(layout, hash) : undefined;
        }
        this.assertOpen();
        throwIfAborted(options.signal);
        for (const [index, config] of configs.entries()) {
          if (config) yield { hash: batch[index]!, config };
        }
      }
    } finally {
      await documents.close();
    }
  }

  /** A document in whichever codec it was written with (snapshots of different codecs share a tenant). */
  private async findDocument(layout: TenantLayout, hash: string): Promise<JsonObject | undefined> {
    for (const compression of new Set<Compression>([this.compression, ...COMPRESSIONS])) {
      const file = layout.doc(hash, compression);
      try {
        return await readDocument(layout, hash, compression, file);
      } catch (error) {
        if (!isDriftError(error, "E_STORE_CORRUPT") || !isMissing(error.cause)) throw error;
      }
    }
    return undefined;
  }

  // ---- reports ---------------------------------------------------------------------------------

  async putReport(report: DriftReport, options?: OperationOptions): Promise<void> {
    this.assertOpen();
    throwIfAborted(options?.signal);
    if (typeof report !== "object" || report === null || typeof report.createdAt !== "string") {
      throw new DriftError("E_INPUT", "putReport needs a DriftReport with tenantId, id and createdAt.");
    }
    const layout = this.layout(report.tenantId);
    const file = layout.report(report.id);
    const entry: ReportSummaryEntry = {
      id: report.id,
      createdAt: report.createdAt,
      ...(report.base?.snapshotId === undefined ? {} : { baseSnapshotId: report.base.snapshotId }),
      ...(report.current?.snapshotId === undefined ? {} : { currentSnapshotId: report.current.snapshotId }),
      summary: report.summary,
    };
    // Line 1 is the listing entry, so listing never parses whole reports.
    const header = {
      format: REPORT_FORMAT,
      storeFormatVersion: STORE_FORMAT_VERSION,
      tenantId: report.tenantId,
      entry,
    };
    const body = await compress(`${JSON.stringify(header)}\n${JSON.stringify(report)}\n`, "gzip");
    throwIfAborted(options?.signal);
    try {
      await writeAtomic(file, body, layout.tmp);
    } catch (error) {
      throw storeIoError(error, file, "write");
    }
  }

  private async readReportFile(
    file: string,
    tenantId: string,
  ): Promise<{ entry: ReportSummaryEntry; report: () => DriftReport } | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeIoError(error, file, "read");
    }
    let text: string;
    let header: {
      format?: unknown;
      storeFormatVersion?: unknown;
      tenantId?: unknown;
      entry?: ReportSummaryEntry;
    };
    try {
      text = (await decompress(bytes, "gzip")).toString("utf8");
      header = JSON.parse(text.slice(0, text.indexOf("\n")));
    } catch (error) {
      throw corruptError(file, "cannot be decompressed or parsed; truncated?", error);
    }
    if (header.format !== REPORT_FORMAT || header.entry === undefined)
      throw corruptError(file, "not a stored report");
    if (!READABLE_FORMAT_VERSIONS.includes(header.storeFormatVersion as number)) {
      throw new DriftError(
        "E_SNAPSHOT_VERSION",
        `${file} has store format version ${String(header.storeFormatVersion)}; this release reads versions ${READABLE_FORMAT_VERSIONS.join(", ")}. Upgrade @azure-drift/store-file.`,
        { details: { file } },
      );
    }
    if (header.tenantId !== tenantId)
      throw corruptError(file, "it belongs to another tenant; was it copied here?");
    const entry = header.entry;
    return {
      entry,
      report: () => {
        try {
          return JSON.parse(text.slice(text.indexOf("\n") + 1)) as DriftReport;
        } catch (error) {
          throw corruptError(file, "the report body is not valid JSON", error);
        }
      },
    };
  }

  async getReport(tenantId: string, reportId: string): Promise<DriftReport | undefined> {
    this.assertOpen();
    if (typeof reportId !== "string" || reportId.length === 0) return undefined;
    const found = await this.readReportFile(this.layout(tenantId).report(reportId), tenantId);
    return found?.report();
  }

  async listReports(tenantId: string, query: Omit<ListQuery, "scope"> = {}): Promise<ReportSummaryEntry[]> {
    this.assertOpen();
    const range = checkListQuery(query);
    const layout = this.layout(tenantId);
    const entries: ReportSummaryEntry[] = [];
    for (const name of await listNames(layout.reports)) {
      if (!name.endsWith(".ndjson.gz")) continue;
      const file = join(layout.reports, name);
      try {
        const info = await stat(file);
        const cached = this.reportEntries.get(file);
        if (cached && cached.ino === info.ino && cached.mtimeMs === info.mtimeMs) {
          entries.push(cached.entry);
          continue;
        }
        const found = await this.readReportFile(file, tenantId);
        if (!found) continue;
        this.reportEntries.set(file, { ino: info.ino, mtimeMs: info.mtimeMs, entry: found.entry });
        entries.push(found.entry);
      } catch (error) {
        if (isMissing(error)) continue;
        this.logger.warn("skipping a damaged report; run `azure-drift store verify`", {
          file,
          error: String(error),
        });
      }
    }
    const sorted = entries
      .filter((entry) => isInTimeRange(entry.createdAt, range))
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1));
    return query.limit === undefined ? sorted : sorted.slice(0, query.limit);
  }

  // ---- baselines -------------------------------------------------------------------------------

  async putBaseline(baseline: Baseline, options?: OperationOptions): Promise<void> {
    this.assertOpen();
    throwIfAborted(options?.signal);
    if (typeof baseline !== "object" || baseline === null || typeof baseline.snapshotId !== "string") {
      throw new DriftError("E_INPUT", "putBaseline needs { tenantId, name, snapshotId, createdAt }.");
    }
    const layout = this.layout(baseline.tenantId);
    const file = layout.baseline(baseline.name);
    // Under the lock, so a concurrent prune cannot remove the snapshot this baseline is about to pin.
    await withTenantLock(
      layout.lockTarget,
      this.lockSettings,
      async () => {
        await this.requireSnapshot(baseline.tenantId, baseline.snapshotId);
        const content = { format: BASELINE_FORMAT, storeFormatVersion: STORE_FORMAT_VERSION, baseline };
        try {
          await writeAtomic(file, `${JSON.stringify(content, null, 2)}\n`, layout.tmp);
        } catch (error) {
          throw storeIoError(error, file, "write");
        }
      },
      options?.signal,
    );
  }

  private async readBaselineFile(file: string, tenantId: string): Promise<Baseline | undefined> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeIoError(error, file, "read");
    }
    let content: { format?: unknown; storeFormatVersion?: unknown; baseline?: Baseline };
    try {
      content = JSON.parse(text);
    } catch (error) {
      throw corruptError(file, "not valid JSON; truncated?", error);
    }
    if (content.format !== BASELINE_FORMAT || typeof content.baseline?.snapshotId !== "string") {
      throw corruptError(file, "not a stored baseline");
    }
    if (!READABLE_FORMAT_VERSIONS.includes(content.storeFormatVersion as number)) {
      throw new DriftError(
        "E_SNAPSHOT_VERSION",
        `${file} has store format version ${String(content.storeFormatVersion)}; this release reads versions ${READABLE_FORMAT_VERSIONS.join(", ")}. Upgrade @azure-drift/store-file.`,
        { details: { file } },
      );
    }
    if (content.baseline.tenantId !== tenantId) throw corruptError(file, "it belongs to another tenant");
    return content.baseline;
  }

  async getBaseline(tenantId: string, name: string): Promise<Baseline | undefined> {
    this.assertOpen();
    if (typeof name !== "string" || name.length === 0) return undefined;
    return this.readBaselineFile(this.layout(tenantId).baseline(name), tenantId);
  }

  async listTenants(): Promise<string[]> {
    this.assertOpen();
    return (await this.tenantLayouts()).map((tenant) => tenant.tenantId).sort();
  }

  async listBaselines(tenantId: string): Promise<Baseline[]> {
    this.assertOpen();
    return this.baselinesOf(this.layout(tenantId));
  }

  private async baselinesOf(layout: TenantLayout, strict = false): Promise<Baseline[]> {
    const baselines: Baseline[] = [];
    for (const name of await listNames(layout.baselines)) {
      if (!name.endsWith(".json")) continue;
      const file = join(layout.baselines, name);
      try {
        const baseline = await this.readBaselineFile(file, layout.tenantId);
        if (baseline) baselines.push(baseline);
      } catch (error) {
        if (strict) throw error;
        this.logger.warn("skipping a damaged baseline; run `azure-drift store verify`", {
          file,
          error: String(error),
        });
      }
    }
    return baselines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async deleteBaseline(tenantId: string, name: string): Promise<boolean> {
    this.assertOpen();
    const layout = this.layout(tenantId);
    const file = layout.baseline(name);
    return withTenantLock(layout.lockTarget, this.lockSettings, async () => {
      try {
        await unlink(file);
      } catch (error) {
        if (isMissing(error)) return false;
        throw storeIoError(error, file, "delete");
      }
      await fsyncDirectory(layout.baselines);
      return true;
    });
  }

  // ---- retention -------------------------------------------------------------------------------

  async prune(tenantId: string, options: PruneOptions): Promise<PruneResult> {
    this.assertOpen();
    throwIfAborted(options?.signal);
    // Checked before the lock is taken: bad options fail at once (the selection itself runs under it).
    selectForPrune([], options, new Set());
    const layout = this.layout(tenantId);
    const logger = options.logger ?? this.logger;
    return withTenantLock(
      layout.lockTarget,
      this.lockSettings,
      async () => {
        const pinned = new Set((await this.baselinesOf(layout, true)).map((baseline) => baseline.snapshotId));
        const snapshots = await this.allSnapshots(layout);
        const chosen = new Set(
          selectForPrune(
            snapshots.map(({ manifest }) => manifest.meta),
            options,
            pinned,
          ),
        );
        const doomed = snapshots.filter(({ manifest }) => chosen.has(manifest.meta));
        const snapshotsRemoved: string[] = [];
        await mkdir(layout.tmp, { recursive: true });
        for (const { folder, manifest } of doomed) {
          throwIfAborted(options.signal);
          // Renaming out first makes the removal atomic for readers; the rest is cleanup.
          const trashName = ownedName("x");
          const trash = join(layout.tmp, trashName);
          await rename(folder, trash);
          this.manifests.delete(folder);
          snapshotsRemoved.push(manifest.meta.id);
          await rm(trash, { recursive: true, force: true });
          releaseName(trashName);
        }
        if (snapshotsRemoved.length > 0) await fsyncDirectory(layout.snapshots);
        const documentsRemoved = await this.sweepDocuments(layout, logger, options.signal);
        logger.info("pruned", { tenantId, snapshotsRemoved: snapshotsRemoved.length, documentsRemoved });
        return { snapshotsRemoved, documentsRemoved };
      },
      options.signal,
    );
  }

  /**
   * Removes resource documents no snapshot references. Runs under the tenant lock and only when no
   * writer of the tenant is in progress: a writer registers under the same lock before it looks at
   * any document, so a document it found present cannot disappear before its commit. With a writer
   * in progress, the sweep waits for the next prune.
   */
  private async sweepDocuments(layout: TenantLayout, logger: Logger, signal?: AbortSignal): Promise<number> {
    await removeAbandoned(layout.tmp, WRITER_STALE_MS);
    const writersInProgress = (await listNames(layout.tmp)).filter((name) => name.startsWith("w-"));
    if (writersInProgress.length > 0) {
      logger.info("a snapshot write is in progress; unreferenced documents are left for the next prune", {
        tenantId: layout.tenantId,
      });
      return 0;
    }
    // Format-1 snapshots reference document files; format-2 snapshots reference hashes in packs.
    const referencedFiles = new Set<string>();
    const referencedHashes = new Set<string>();
    for (const name of await listNames(layout.snapshots)) {
      const folder = join(layout.snapshots, name);
      try {
        const manifest = await this.manifestAt(folder);
        if (!manifest) continue;
        for await (const batch of readIndexBatches(folder, manifest, signal)) {
          if (manifest.storeFormatVersion === 1) {
            for (const line of batch) referencedFiles.add(layout.doc(line.hash, manifest.docCompression));
          } else {
            for (const line of batch) referencedHashes.add(line.hash);
          }
        }
      } catch (error) {
        if (isDriftError(error, "E_ABORTED")) throw error;
        // What a damaged snapshot references is unknown, so nothing can be proven unreferenced.
        logger.warn(
          "a snapshot cannot be read; documents are not swept until `azure-drift store verify` is clean",
          {
            folder,
            error: String(error),
          },
        );
        return 0;
      }
    }
    let removed = await compactPacks(layout, await this.packSet(layout), referencedHashes, logger, signal);
    for (const shard of await listNames(layout.docs)) {
      const shardFolder = join(layout.docs, shard);
      for (const name of await listNames(shardFolder)) {
        const file = join(shardFolder, name);
        if (referencedFiles.has(file)) continue;
        await unlink(file).catch((error: unknown) => {
          if (!isMissing(error)) throw error;
        });
        removed++;
      }
    }
    return removed;
  }

  // ---- integrity and lifecycle -----------------------------------------------------------------

  async verify(options: OperationOptions = {}): Promise<VerifyReport> {
    this.assertOpen();
    return verifyStore(this.directory, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.writers].map((writer) => writer.closeWithStore()));
  }
}
