import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DriftError, type Logger, throwIfAborted } from "@azure-drift/core";
import { lock } from "proper-lockfile";
import { errnoOf, storeIoError } from "./io.js";

/** How the tenant lock behaves. */
export interface LockSettings {
  /** How long to wait for the lock before failing with `E_STORE_LOCKED`. */
  timeoutMs: number;
  /** A lock not refreshed for this long belongs to a crashed process and is taken over. */
  staleMs: number;
  logger: Logger;
}

/**
 * Runs `work` holding the tenant's lock (proper-lockfile: an atomic `mkdir` of `<target>.lock`,
 * refreshed while held, taken over once stale after a crash). Only the few operations that must
 * not interleave take it: registering a writer, pruning, changing baselines.
 */
export async function withTenantLock<T>(
  target: string,
  settings: LockSettings,
  work: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const lockFile = `${target}.lock`;
  const deadline = Date.now() + settings.timeoutMs;
  let compromised: Error | undefined;
  let release: (() => Promise<void>) | undefined;
  let delay = 25;
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (error) {
    throw storeIoError(error, target, "create the folder of");
  }
  while (!release) {
    throwIfAborted(signal);
    try {
      release = await lock(target, {
        realpath: false,
        lockfilePath: lockFile,
        stale: settings.staleMs,
        retries: 0,
        onCompromised: (error) => {
          compromised = error;
          settings.logger.error("store lock compromised", { lockFile, error: String(error) });
        },
      });
    } catch (error) {
      if (errnoOf(error) !== "ELOCKED") throw storeIoError(error, lockFile, "take the lock");
      if (Date.now() >= deadline) {
        throw new DriftError(
          "E_STORE_LOCKED",
          `Another process holds the store lock ${lockFile} and did not release it within ${settings.timeoutMs} ms. Wait for the other run (a check or a prune) to finish, or raise lockTimeoutMs; a lock left by a crashed process is taken over after ${settings.staleMs} ms.`,
          { cause: error, details: { file: lockFile } },
        );
      }
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
      delay = Math.min(delay * 2, 500);
    }
  }
  try {
    const result = await work();
    if (compromised) throw compromised;
    return result;
  } catch (error) {
    if (compromised && error === compromised) {
      throw new DriftError(
        "E_STORE_LOCKED",
        `The store lock ${lockFile} was lost while held (${compromised.message}): another process may have taken it over. Retry the operation.`,
        { cause: compromised, details: { file: lockFile } },
      );
    }
    throw error;
  } finally {
    await release().catch(() => {});
  }
}
