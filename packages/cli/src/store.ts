import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { DriftError, type Logger, type Store } from "@azure-drift/core";

/** The default `--store`: a directory in the working directory. */
export const DEFAULT_STORE_DIR = ".azure-drift";

/**
 * Opens the store named by `--store`: a directory for the file store. MongoDB URLs are refused
 * with a clear error until `@azure-drift/store-mongo` exists.
 */
export async function openStore(location: string | undefined, cwd: string, logger?: Logger): Promise<Store> {
  checkStoreLocation(location);
  const { createFileStore } = await import("@azure-drift/store-file");
  // The logger gets the store's warnings (a damaged snapshot skipped), so none passes in silence.
  return createFileStore({
    directory: resolve(cwd, location ?? DEFAULT_STORE_DIR),
    ...(logger ? { logger } : {}),
  });
}

/** Whether the store exists already (a directory), without creating it. */
export async function storeExists(location: string | undefined, cwd: string): Promise<boolean> {
  checkStoreLocation(location);
  try {
    return (await stat(resolve(cwd, location ?? DEFAULT_STORE_DIR))).isDirectory();
  } catch {
    return false;
  }
}

/** Opens an existing store for reading commands; never creates one. */
export async function openExistingStore(
  location: string | undefined,
  cwd: string,
  logger?: Logger,
): Promise<Store> {
  if (!(await storeExists(location, cwd))) {
    throw new DriftError(
      "E_NOT_FOUND",
      `No azure-drift store at ${resolve(cwd, location ?? DEFAULT_STORE_DIR)}: run \`azure-drift check\` first, or pass --store DIR.`,
    );
  }
  return openStore(location, cwd, logger);
}

/** Checks a store location without opening it, so bad input fails before any Azure call. */
export function checkStoreLocation(location: string | undefined): void {
  const value = location ?? DEFAULT_STORE_DIR;
  if (/^mongodb(\+srv)?:\/\//i.test(value)) {
    throw new DriftError(
      "E_INPUT",
      "MongoDB stores are not yet supported by this release: use --store DIR (a directory for the file store).",
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new DriftError(
      "E_INPUT",
      `Unsupported store "${value.split("://")[0]}://": use --store DIR (a directory).`,
    );
  }
}
