import { mkdir, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DriftError } from "@azure-drift/core";
import { isAbandoned, ownedName, releaseName } from "./owner.js";

/** The Node error code of an I/O error, if any. */
export function errnoOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

export const isMissing = (error: unknown) => errnoOf(error) === "ENOENT";

/** Wraps an I/O failure in an `E_STORE` DriftError that names the file and says what to do. */
export function storeIoError(error: unknown, file: string, doing: string): DriftError {
  const code = errnoOf(error);
  const hint =
    code === "EACCES" || code === "EPERM" || code === "EROFS"
      ? "Make the directory writable by this user, or choose another one with the `directory` option."
      : code === "ENOTDIR"
        ? "A part of the path is a file, not a folder; choose another `directory`."
        : code === "ENOSPC" || code === "EDQUOT"
          ? "The disk is full; free space or prune old snapshots."
          : "Check the path and the disk, then retry.";
  return new DriftError("E_STORE", `Could not ${doing} ${file} (${code ?? String(error)}). ${hint}`, {
    cause: error,
    details: { file, errno: code },
  });
}

/** The `E_STORE_CORRUPT` error for a damaged file of a snapshot: names it, says what is wrong and what to do. */
export function corruptSnapshotFile(file: string, what: string, cause?: unknown): DriftError {
  return new DriftError(
    "E_STORE_CORRUPT",
    `${file} is damaged (${what}). Run azure-drift store verify (FileStore.verify()) to see all damage; restore the file from a backup, or set the snapshot aside with azure-drift store quarantine SNAPSHOT_ID.`,
    { cause, details: { file } },
  );
}

/** fsyncs a directory so a rename or create inside it survives a power cut (a no-op where unsupported). */
export async function fsyncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(directory, "r");
    await handle.sync();
  } catch (error) {
    // Windows cannot open directories, and some file systems refuse fsync on them: nothing to do there.
    const code = errnoOf(error);
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `file` durably: a new file, fsynced, closed. Fails if `file` exists. */
export async function writeDurable(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `file` atomically: a temporary in `temporaryDirectory` (same file system), fsync, rename,
 * fsync of the target folder. Readers see the old file or the new one, never a mix.
 */
export async function writeAtomic(
  file: string,
  data: Uint8Array | string,
  temporaryDirectory: string,
): Promise<void> {
  const directory = dirname(file);
  const name = ownedName("t");
  const temporary = join(temporaryDirectory, name);
  await mkdir(temporaryDirectory, { recursive: true });
  await mkdir(directory, { recursive: true });
  try {
    await writeDurable(temporary, data);
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  } finally {
    releaseName(name);
  }
  await fsyncDirectory(directory);
}

/** Entries of a folder, or none when it does not exist. */
export async function listNames(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if (isMissing(error) || errnoOf(error) === "ENOTDIR") return [];
    throw error;
  }
}

/** How {@link ownedName} names temporaries: `<prefix>-<host>-<pid>-<random>`. */
const OWNED_NAME = /^[a-z]+-[0-9a-f]{8}-\d+-[0-9a-f]+/;

/**
 * Removes what crashed writers left in a temporary folder: entries whose owner process is gone
 * (see {@link isAbandoned}). Live writers' entries are left alone. Returns the names removed.
 */
export async function removeAbandoned(directory: string, staleMs: number): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listNames(directory)) {
    // Only temporaries are candidates: the store root also holds the marker file and `tenants/`.
    if (!OWNED_NAME.test(name)) continue;
    let ageMs: number;
    try {
      ageMs = Date.now() - (await stat(join(directory, name))).mtimeMs;
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    if (!isAbandoned(name, ageMs, staleMs)) continue;
    await rm(join(directory, name), { force: true, recursive: true });
    removed.push(name);
  }
  return removed;
}
