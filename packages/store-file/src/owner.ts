import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * Who owns a temporary file or folder. Temporaries are named `<prefix>-<host>-<pid>-<random>` so the
 * next open can tell an abandoned one (its process is gone) from one a live writer is still using.
 */
const HOST = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

/** Temporaries the current process is using (writers, atomic writes). */
const activeInProcess = new Set<string>();

/** A fresh owned name, registered as in use by this process until {@link releaseName}. */
export function ownedName(prefix: string): string {
  const name = `${prefix}-${HOST}-${process.pid}-${randomBytes(6).toString("hex")}`;
  activeInProcess.add(name);
  return name;
}

export function releaseName(name: string): void {
  activeInProcess.delete(name);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Whether the owner of a temporary named by {@link ownedName} is gone. On this host the process id
 * answers at once; for another host (a shared network folder) only age can tell: older than
 * `staleMs` (writers refresh their heartbeat well within it) means abandoned.
 */
export function isAbandoned(name: string, ageMs: number, staleMs: number): boolean {
  const match = /^[a-z]+-([0-9a-f]{8})-(\d+)-[0-9a-f]+/.exec(name);
  if (!match) return ageMs > staleMs;
  const [, host, pidText] = match;
  const pid = Number(pidText);
  if (host !== HOST) return ageMs > staleMs;
  if (pid === process.pid) return !activeInProcess.has(name);
  return !processAlive(pid);
}
