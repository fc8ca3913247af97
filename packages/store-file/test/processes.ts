import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const childFolder = fileURLToPath(new URL("./child/", import.meta.url));
const bundles = new Map<string, string>();

/**
 * Bundles the child scripts (packages resolved to source through child/tsconfig.json) into plain
 * .mjs files, so a child starts in about 100 ms instead of seconds of on-the-fly transpiling: the
 * crash test starts dozens of them. No build of the packages is needed.
 */
export async function bundleChildren(scripts: string[]): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), "azd-children-"));
  await build({
    entryPoints: scripts.map((script) => `${childFolder}${script}`),
    outdir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    tsconfig: `${childFolder}tsconfig.json`,
    logLevel: "error",
    // Bundled CommonJS dependencies (proper-lockfile) call require(); give them one.
    banner: {
      js: "import { createRequire as azdCreateRequire } from 'node:module'; const require = azdCreateRequire(import.meta.url);",
    },
  });
  for (const script of scripts) bundles.set(script, join(outdir, script.replace(/\.ts$/, ".mjs")));
}

/** A child process running one of ./child/*.ts with tsx (packages resolve to source: no build needed). */
export interface Child {
  process: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves when it printed a line starting with `prefix`. */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves with its exit code (or signal name) once it exits. */
  exited: Promise<number | string>;
}

export function startChild(script: string, args: string[]): Child {
  const bundle = bundles.get(script);
  // Without a bundle (bundleChildren not called), tsx transpiles on the fly: slower, same result.
  const entry = bundle ? [bundle] : ["--import", "tsx", `${childFolder}${script}`];
  const child = spawn(process.execPath, [...entry, ...args], {
    env: { ...process.env, TSX_TSCONFIG_PATH: `${childFolder}tsconfig.json` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (chunk) => {
    out += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.on("data", (chunk) => {
    err += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      for (const listener of listeners) listener();
      resolve(code ?? signal ?? "unknown");
    });
  });
  return {
    process: child,
    output: () => out,
    exited,
    waitFor(prefix, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`child ${script} did not print "${prefix}" in ${timeoutMs} ms; stderr: ${err}`));
        }, timeoutMs);
        const check = () => {
          const line = out.split("\n").find((item) => item.startsWith(prefix));
          if (line !== undefined) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(line);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(
              new Error(
                `child ${script} exited (${child.exitCode ?? child.signalCode}) before "${prefix}"; stderr: ${err}`,
              ),
            );
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}
