import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "@azure-drift/cli";
import type { DriftReport } from "@azure-drift/core";
import type { TruthChange } from "@azure-drift/testing";
import { type ArmReplayServer, startArmReplayServer, type Tenant } from "@azure-drift/testing";
import { afterEach, beforeEach } from "vitest";

/** What one in-process CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A buffer that looks like a stream to the CLI. */
function capture(tty: boolean) {
  const chunks: string[] = [];
  return {
    stream: { write: (chunk: string) => chunks.push(chunk), isTTY: tty, columns: 120 },
    text: () => chunks.join(""),
  };
}

/** Runs the CLI in-process with captured output, a clean environment and no terminal. */
export async function runCli(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string; tty?: boolean; signal?: AbortSignal } = {},
): Promise<CliResult> {
  const stdout = capture(options.tty ?? false);
  const stderr = capture(options.tty ?? false);
  const code = await run(argv, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd ?? process.cwd(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Parses JSON log lines from stderr. */
export function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The arguments of a `check` of one subscription against a replay server whose CA is in
 * `dir/ca.pem`, into `store`, printing JSON.
 */
export function replayCheckArgs(
  serverUrl: string,
  dir: string,
  store: string,
  subscription: string,
): string[] {
  return [
    "check",
    ...["--arm-endpoint", serverUrl, "--ca-cert", `${dir}/ca.pem`, "--store", store],
    ...["--subscription", subscription, "--format", "json"],
  ];
}

/** A replay server and a fresh working directory holding its CA, for each test of a `describe`. */
export interface ReplayWorkspace {
  readonly server: ArmReplayServer;
  readonly dir: string;
  /** Writes `azure-drift.config.json`: the server, its CA, `./store`, JSON output, the defaults, then `value`. */
  config(value: Record<string, unknown>): Promise<void>;
  /** Runs the CLI in the directory with the server's token. */
  run(...argv: string[]): Promise<CliResult>;
}

/**
 * Starts a replay server of `tenant()` and a temporary directory before each test of the calling
 * `describe`, and removes both after it.
 */
export function replayWorkspace(options: {
  tenant: () => Tenant;
  token: string;
  pageSize: number;
  /** Configuration keys every test's file starts from. */
  defaults?: Record<string, unknown>;
}): ReplayWorkspace {
  let server: ArmReplayServer | undefined;
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "azd-replay-"));
    server = await startArmReplayServer({
      tenant: options.tenant(),
      token: options.token,
      pageSize: options.pageSize,
    });
    await writeFile(join(dir, "ca.pem"), server.ca);
  });
  afterEach(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const started = () => {
    if (!server) throw new Error("replayWorkspace: used outside a test");
    return server;
  };
  return {
    get server() {
      return started();
    },
    get dir() {
      return dir;
    },
    config: (value) =>
      writeFile(
        join(dir, "azure-drift.config.json"),
        JSON.stringify({
          armEndpoint: started().url,
          caCert: "ca.pem",
          store: "store",
          format: "json",
          ...options.defaults,
          ...value,
        }),
      ),
    run: (...argv) => runCli(argv, { env: { AZURE_DRIFT_ACCESS_TOKEN: options.token }, cwd: dir }),
  };
}

/** One resource's drift in the ground truth's terms: its key, status and changed paths (sorted). */
export interface Finding {
  key: string;
  status: string;
  paths: string[];
}

const byKey = (a: Finding, b: Finding) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** What a report says, in the ground truth's terms: one entry per resource, sorted by key. */
export function reportFindings(report: DriftReport): Finding[] {
  return report.resources
    .map((resource) => ({
      key: resource.key,
      status: resource.status,
      // An added or removed resource carries its rule's finding at path "": not a field change.
      paths: [...new Set(resource.changes.map((change) => change.path).filter((path) => path !== ""))].sort(),
    }))
    .sort(byKey);
}

/** The mutator's ground truth (plus any other expected findings) in the same terms, sorted by key. */
export function truthFindings(truth: readonly TruthChange[], extra: readonly Finding[] = []): Finding[] {
  return [
    ...truth.map(({ key, status, paths }) => ({ key, status, paths: [...paths].sort() })),
    ...extra,
  ].sort(byKey);
}
