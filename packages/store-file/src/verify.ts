import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  DriftError,
  type DriftErrorCode,
  isDriftError,
  type OperationOptions,
  throwIfAborted,
} from "@azure-drift/core";
import { decompress } from "./codec.js";
import { readDocument } from "./documents.js";
import { listNames } from "./io.js";
import {
  BASELINE_FORMAT,
  MANIFEST_FILE,
  MARKER_FILE,
  READABLE_FORMAT_VERSIONS,
  REPORT_FORMAT,
  STORE_FORMAT,
  TenantLayout,
} from "./layout.js";
import { createLimit } from "./limit.js";
import {
  type ManifestV2,
  readIndexBatches,
  readManifest,
  readRecordLines,
  recordIndexFile,
} from "./manifest.js";
import { decodeName } from "./names.js";
import { checkPacks, type PackCheck } from "./verify-packs.js";

/** One piece of damage found by `verify()`. */
export interface VerifyProblem {
  /** `E_STORE_CORRUPT` (damaged or missing file), `E_SNAPSHOT_VERSION` (written by a newer release) or `E_STORE` (unreadable). */
  code: DriftErrorCode;
  /** The damaged (or missing) file. */
  file: string;
  /** What is wrong and what to do. */
  message: string;
  tenantId?: string;
  snapshotId?: string;
}

/** What `verify()` checked and found. */
export interface VerifyReport {
  /** True when no problem was found. */
  ok: boolean;
  problems: VerifyProblem[];
  checked: {
    tenants: number;
    snapshots: number;
    records: number;
    documents: number;
    reports: number;
    baselines: number;
  };
  /** Documents no snapshot references (not damage: the next prune removes them). */
  unreferencedDocuments: number;
  /** Temporaries of writes in progress or interrupted (not damage: the next open removes abandoned ones). */
  leftovers: string[];
}

const VERIFY_CONCURRENCY = 16;

function problemOf(error: unknown, file: string): Omit<VerifyProblem, "tenantId" | "snapshotId"> {
  if (isDriftError(error)) {
    const named = typeof error.details?.file === "string" ? error.details.file : file;
    return { code: error.code, file: named, message: error.message };
  }
  return { code: "E_STORE", file, message: `${file} cannot be read: ${String(error)}` };
}

/**
 * Checks the file store at `directory` without opening it: unlike `createFileStore(...).verify()`,
 * it writes nothing at all (no probe file, no removal of crash leftovers), so it is safe on a
 * store that is damaged, read-only or in use. Same report as `FileStore.verify()`.
 *
 * @throws DriftError `E_NOT_FOUND` when `directory` is not a folder.
 */
export async function verifyFileStore(
  directory: string,
  options: OperationOptions = {},
): Promise<VerifyReport> {
  const root = resolve(directory);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new DriftError("E_NOT_FOUND", `No file store at ${root}: check the path (--store DIR).`, {
      details: { file: root },
    });
  }
  return verifyStore(root, options);
}

/** Checks the whole store at `directory`; see FileStore.verify. */
export async function verifyStore(directory: string, options: OperationOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const checked = { tenants: 0, snapshots: 0, records: 0, documents: 0, reports: 0, baselines: 0 };
  const leftovers: string[] = [];
  let unreferencedDocuments = 0;
  const markerFile = join(directory, MARKER_FILE);
  try {
    const marker = JSON.parse(await readFile(markerFile, "utf8"));
    if (marker.format !== STORE_FORMAT)
      throw new DriftError("E_STORE_CORRUPT", `${markerFile} is not a store marker.`);
    if (!READABLE_FORMAT_VERSIONS.includes(marker.formatVersion)) {
      throw new DriftError(
        "E_SNAPSHOT_VERSION",
        `${markerFile} has format version ${String(marker.formatVersion)}.`,
      );
    }
  } catch (error) {
    problems.push(
      isDriftError(error)
        ? problemOf(error, markerFile)
        : {
            code: "E_STORE_CORRUPT",
            file: markerFile,
            message: `${markerFile} is missing or damaged: ${String(error)}`,
          },
    );
  }
  const limit = createLimit(VERIFY_CONCURRENCY);
  const tenantsFolder = join(directory, "tenants");
  for (const encoded of await listNames(tenantsFolder)) {
    throwIfAborted(options.signal);
    const tenantId = decodeName(encoded);
    const layout = new TenantLayout(directory, tenantId);
    checked.tenants++;
    const documents = new Map<string, Promise<boolean>>();
    const snapshotIds = new Set<string>();
    const packs = await checkPacks(layout, options.signal);
    for (const { file, error } of packs.damage) problems.push({ ...problemOf(error, file), tenantId });
    const referencedHashes = new Set<string>();
    for (const name of await listNames(layout.snapshots)) {
      const folder = join(layout.snapshots, name);
      const manifestFile = join(folder, MANIFEST_FILE);
      checked.snapshots++;
      // Named by its folder until the manifest says otherwise, so a damaged one can be set aside by id.
      let snapshotId: string | undefined = decodeName(name);
      try {
        const manifest = await readManifest(folder);
        if (!manifest)
          throw new DriftError(
            "E_STORE_CORRUPT",
            `${manifestFile} is missing: the snapshot folder is incomplete. Delete ${folder}.`,
            { details: { file: manifestFile } },
          );
        snapshotId = manifest.meta.id;
        if (manifest.meta.tenantId !== tenantId) {
          throw new DriftError(
            "E_STORE_CORRUPT",
            `${manifestFile} belongs to tenant ${manifest.meta.tenantId}, not ${tenantId}; it was copied here. Remove ${folder}.`,
            { details: { file: manifestFile } },
          );
        }
        if (manifest.storeFormatVersion !== 1) {
          const damage = await checkPackedSnapshot(folder, manifest, packs, referencedHashes, options.signal);
          checked.records += manifest.records.count;
          for (const problem of damage) problems.push({ ...problem, tenantId, snapshotId });
          if (damage.length === 0) snapshotIds.add(manifest.meta.id);
          continue;
        }
        const pending: Promise<void>[] = [];
        let snapshotDamaged = false;
        for await (const line of readRecordLines(folder, manifest, options.signal)) {
          checked.records++;
          const file = layout.doc(line.hash, manifest.docCompression);
          if (documents.has(file)) continue;
          const check = limit(async () => {
            try {
              await readDocument(layout, line.hash, manifest.docCompression, manifestFile);
              return true;
            } catch (error) {
              problems.push({ ...problemOf(error, file), tenantId, snapshotId });
              snapshotDamaged = true;
              return false;
            }
          });
          documents.set(file, check);
          pending.push(check.then(() => {}));
          if (pending.length >= 1024) await Promise.all(pending.splice(0));
        }
        await Promise.all(pending);
        if (!snapshotDamaged) snapshotIds.add(manifest.meta.id);
      } catch (error) {
        if (isDriftError(error, "E_ABORTED")) throw error;
        problems.push({ ...problemOf(error, manifestFile), tenantId, ...(snapshotId ? { snapshotId } : {}) });
      }
    }
    checked.documents += documents.size + referencedHashes.size;
    for (const hash of packs.entries) if (!referencedHashes.has(hash)) unreferencedDocuments++;
    for (const shard of await listNames(layout.docs)) {
      for (const name of await listNames(join(layout.docs, shard))) {
        if (!documents.has(join(layout.docs, shard, name))) unreferencedDocuments++;
      }
    }
    for (const name of await listNames(layout.reports)) {
      const file = join(layout.reports, name);
      checked.reports++;
      try {
        const text = (await decompress(await readFile(file), "gzip")).toString("utf8");
        const newline = text.indexOf("\n");
        const header = JSON.parse(text.slice(0, newline));
        if (header.format !== REPORT_FORMAT) throw new Error("not a stored report");
        if (!READABLE_FORMAT_VERSIONS.includes(header.storeFormatVersion as number)) {
          throw new DriftError(
            "E_SNAPSHOT_VERSION",
            `${file} has store format version ${String(header.storeFormatVersion)}; upgrade @azure-drift/store-file.`,
            { details: { file } },
          );
        }
        JSON.parse(text.slice(newline + 1));
      } catch (error) {
        problems.push(
          isDriftError(error)
            ? { ...problemOf(error, file), tenantId }
            : {
                code: "E_STORE_CORRUPT",
                file,
                tenantId,
                message: `${file} is damaged (${String(error)}). Restore it from a backup or delete it.`,
              },
        );
      }
    }
    for (const name of await listNames(layout.baselines)) {
      const file = join(layout.baselines, name);
      checked.baselines++;
      try {
        const content = JSON.parse(await readFile(file, "utf8"));
        if (content.format !== BASELINE_FORMAT) throw new Error("not a stored baseline");
        const snapshotId = content.baseline?.snapshotId;
        if (!snapshotIds.has(snapshotId)) {
          problems.push({
            code: "E_STORE_CORRUPT",
            file,
            tenantId,
            message: `${file} points to snapshot ${JSON.stringify(snapshotId)}, which is missing or damaged. Accept a new baseline or restore the snapshot.`,
          });
        }
      } catch (error) {
        problems.push({
          code: "E_STORE_CORRUPT",
          file,
          tenantId,
          message: `${file} is damaged (${String(error)}). Restore it from a backup or delete it.`,
        });
      }
    }
    for (const name of await listNames(layout.tmp)) leftovers.push(join(layout.tmp, name));
  }
  return { ok: problems.length === 0, problems, checked, unreferencedDocuments, leftovers };
}

/** Checks that every document a format-2 snapshot references is in a pack that reads back. */
async function checkPackedSnapshot(
  folder: string,
  manifest: ManifestV2,
  packs: PackCheck,
  referenced: Set<string>,
  signal: AbortSignal | undefined,
): Promise<Omit<VerifyProblem, "tenantId" | "snapshotId">[]> {
  const indexFile = recordIndexFile(folder, manifest);
  let missing = 0;
  let firstMissing = "";
  const inDamagedPacks = new Map<string, number>();
  for await (const batch of readIndexBatches(folder, manifest, signal)) {
    for (const { hash } of batch) {
      referenced.add(hash);
      const state = packs.documents.get(hash);
      if (state === undefined) {
        if (missing++ === 0) firstMissing = hash;
      } else if (state !== true) {
        inDamagedPacks.set(state, (inDamagedPacks.get(state) ?? 0) + 1);
      }
    }
  }
  const problems: Omit<VerifyProblem, "tenantId" | "snapshotId">[] = [];
  if (missing > 0) {
    const unreadable =
      packs.unreadable.length > 0
        ? ` (the unreadable pack ${packs.unreadable.join(", ")} may hold them)`
        : "";
    problems.push({
      code: "E_STORE_CORRUPT",
      file: packs.unreadable[0] ?? indexFile,
      message: `${indexFile} of snapshot ${manifest.meta.id} references ${missing} resource document${missing === 1 ? "" : "s"} that no pack file holds, the first ${firstMissing}${unreadable}. Restore the tenant's packs folder from a backup or delete that snapshot's folder.`,
    });
  }
  for (const [file, count] of inDamagedPacks) {
    problems.push({
      code: "E_STORE_CORRUPT",
      file,
      message: `Snapshot ${manifest.meta.id} references ${count} resource document${count === 1 ? "" : "s"} in damaged parts of the pack file ${file}. Restore the pack from a backup or delete that snapshot's folder.`,
    });
  }
  return problems;
}
