import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** What one measured run in a fresh process gives back. */
export interface ChildMeasurement<T> {
  wallMs: number;
  /** CPU time of the child around the call (user + system, all threads), ms. */
  cpuMs: number;
  /** Peak resident set size of the child, bytes (from the OS, not a sample). */
  peakRssBytes: number;
  result: T;
}

const runner = fileURLToPath(new URL("./child-runner.ts", import.meta.url));

/**
 * Runs `exportName` of `modulePath` with `args` in a fresh Node process, so peak RSS belongs to
 * that task alone. The function returns a JSON-serializable result; wall time is measured inside
 * the child around the call only (process start-up is excluded). `nodeArgs` go to the child's
 * `node` (e.g. a heap cap).
 */
export function measureInChild<T>(
  modulePath: string,
  exportName: string,
  args: unknown,
  nodeArgs: string[] = [],
): Promise<ChildMeasurement<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeArgs, "--import", "tsx", runner, modulePath, exportName, JSON.stringify(args)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${modulePath}#${exportName} exited with ${code}`));
      const last = out.trim().split("\n").pop() ?? "";
      resolve(JSON.parse(last) as ChildMeasurement<T>);
    });
  });
}
