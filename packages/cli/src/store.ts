import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { DriftError, type Logger, type Store } from "@azure-drift/core";

/** The default `--store`: a directory in the working directory. */
export const DEFAULT_STORE_DIR = ".azure-drift";

/** Whether `--store` names a MongoDB (`mongodb://…` or `mongodb+srv://…`) rather than a directory. */
export function isMongoLocation(location: string | undefined): boolean {
  return location !== undefined && /^mongodb(\+srv)?:\/\//i.test(location);
}

/** The store location for messages: a MongoDB URI without its credentials. */
export function describeStoreLocation(location: string | undefined, cwd: string): string {
  if (location === undefined || !isMongoLocation(location))
    return resolve(cwd, location ?? DEFAULT_STORE_DIR);
  return location.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/i, "$1***@");
}

/**
 * Opens the store named by `--store`: a MongoDB URI for `@azure-drift/store-mongo` (loaded only
 * then), else a directory for the file store.
 */
export async function openStore(location: string | undefined, cwd: string, logger?: Logger): Promise<Store> {
  checkStoreLocation(location);
  if (location !== undefined && isMongoLocation(location)) {
    const { createMongoStore } = await import("@azure-drift/store-mongo");
    return createMongoStore({ uri: location });
  }
  const { createFileStore } = await import("@azure-drift/store-file");
  // The logger gets the store's warnings (a damaged snapshot skipped), so none passes in silence.
  return createFileStore({
    directory: resolve(cwd, location ?? DEFAULT_STORE_DIR),
    ...(logger ? { logger } : {}),
  });
}

/**
 * Whether the store exists already, without creating it: a directory; a MongoDB database always
 * counts (an empty one simply holds no snapshot yet).
 */
export async function storeExists(location: string | undefined, cwd: string): Promise<boolean> {
  checkStoreLocation(location);
  if (isMongoLocation(location)) return true;
  try {
    return (await stat(resolve(cwd, location ?? DEFAULT_STORE_DIR))).isDirectory();
  } catch {
    return false;
  }
}

/** Opens an existing store for reading commands; never creates a directory. */
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
  if (isMongoLocation(value)) return;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new DriftError(
      "E_INPUT",
      `Unsupported store "${value.split("://")[0]}://": use --store DIR (a directory) or --store mongodb://HOST/DATABASE.`,
    );
  }
}
