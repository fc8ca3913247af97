// Runs the ARM replay server in its own process for the collection benchmark. ARM is remote: its
// CPU (TLS, JSON serialization of pages, routing) must not share the collector's event loop, or the
// benchmark charges the server's work to the client. Its tenant stays out of the client's RSS too.
//
// Child side (this file run as a script): generates the tenant, starts the server, prints one JSON
// line `{ ready }`, then answers `stats` / `reset` lines on stdin with one JSON line each; exits on
// `close` or when stdin ends.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DEFAULT_MIX, IDENTITY_TYPES, NETWORK_TYPES, RESOURCE_TYPES } from "@azure-drift/testing";

/** What the benchmark's tenant and server look like. */
export interface ReplayProcessArgs {
  resources: number;
  subscriptions: number;
  pageSize: number;
  latencyMs: number;
  throttleRate: number;
  seed: number;
  /**
   * The tenant's mix: `bench` (network and identity types, the default) or `all` (every type the
   * generator knows: what all the built-in collectors collect).
   */
  mix?: "bench" | "all";
}

/** What the server process reports once it listens. */
export interface ReplayReady {
  url: string;
  ca: string;
  tenantId: string;
  subscriptions: string[];
  /** Resources of the types the collectors declare, in subscriptions. */
  resources: number;
  /** Resource groups as `{ subscriptionId, name }`, for the naive enumeration. */
  groups: { subscriptionId: string; name: string }[];
  /** ARM ids of the user-assigned identities (the naive enumeration lists their credentials one by one). */
  identities: string[];
  /**
   * The longest chain of requests that must follow one another, whatever the concurrency: a
   * listing's pages (each `nextLink` comes with the page before), then what depends on it (an
   * identity's credentials after the identities, the referenced role definitions after the role
   * assignments, a policy's rule collection groups after the policies).
   */
  criticalPathRequests: number;
}

/** The server's counters (a subset of `ArmReplayStats`). */
export interface ReplayStats {
  requests: number;
  pages: number;
  throttled: number;
  maxInFlight: number;
  byRoute: Record<string, number>;
  /** How late the server sent responses after their due time, ms (its own busy time). */
  lateMs: { total: number; max: number };
}

/** The benchmark tenant's mix: the generator's default weights of the network and identity types. */
export const BENCH_MIX: Partial<typeof DEFAULT_MIX> = Object.fromEntries(
  Object.entries(DEFAULT_MIX).filter(([kind]) => {
    const type = (RESOURCE_TYPES as Record<string, string>)[kind]?.toLowerCase();
    return [...NETWORK_TYPES, ...IDENTITY_TYPES].some((each) => each.toLowerCase() === type);
  }),
);

/** A replay server running in a child process. */
export interface ReplayProcess extends ReplayReady {
  stats(): Promise<ReplayStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

const self = fileURLToPath(import.meta.url);

/** Starts the replay server in a child process and waits until it listens. */
export async function startReplayProcess(args: ReplayProcessArgs): Promise<ReplayProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", self, JSON.stringify(args)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code) => reject(new Error(`replay server process exited with ${code}`)));
  });
  exited.catch(() => undefined);
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () => Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), exited]);
  const ask = async (command: string) => {
    const answer = next();
    child.stdin!.write(`${command}\n`);
    return JSON.parse(await answer);
  };
  const ready = JSON.parse(await next()) as ReplayReady;
  return {
    ...ready,
    stats: () => ask("stats") as Promise<ReplayStats>,
    resetStats: async () => {
      await ask("reset");
    },
    close: async () => {
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.stdin!.end("close\n");
      await gone;
    },
  };
}

async function serve(args: ReplayProcessArgs): Promise<void> {
  const { generateTenant, startArmReplayServer, NETWORK_TYPES, IDENTITY_TYPES, RESOURCE_TYPES } =
    await import("../../packages/testing/src/index.js");
  const all = args.mix === "all";
  const tenant = generateTenant({
    seed: 2024,
    resources: args.resources,
    subscriptions: args.subscriptions,
    mix: all ? DEFAULT_MIX : BENCH_MIX,
  });
  const server = await startArmReplayServer({
    tenant,
    pageSize: args.pageSize,
    latencyMs: args.latencyMs,
    faults: args.throttleRate
      ? { throttleRate: args.throttleRate, retryAfter: 1, retryAfterMs: args.latencyMs, seed: args.seed }
      : {},
  });
  const types = new Set(
    (all ? Object.values(RESOURCE_TYPES) : [...NETWORK_TYPES, ...IDENTITY_TYPES]).map((type: string) =>
      type.toLowerCase(),
    ),
  );
  const groups = new Map<string, { subscriptionId: string; name: string }>();
  let resources = 0;
  const identities: string[] = [];
  for (const [key, resource] of tenant.resources) {
    if (!key.startsWith("/subscriptions/")) continue;
    const type = String(resource.type).toLowerCase();
    if (types.has(type)) resources++;
    if (type === "microsoft.managedidentity/userassignedidentities") identities.push(String(resource.id));
    const [, , subscriptionId = "", , name] = String(resource.id).split("/");
    if (name) groups.set(`${subscriptionId}/${name}`.toLowerCase(), { subscriptionId, name });
  }
  const ready: ReplayReady = {
    criticalPathRequests: criticalPath(tenant, args.pageSize),
    url: server.url,
    ca: server.ca,
    tenantId: tenant.tenantId,
    subscriptions: tenant.subscriptions.map((subscription) => subscription.subscriptionId),
    resources,
    groups: [...groups.values()],
    identities,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const commands = createInterface({ input: process.stdin });
  for await (const command of commands) {
    if (command === "stats") {
      const { requests, pages, throttled, maxInFlight, byRoute, lateMs } = server.stats;
      process.stdout.write(
        `${JSON.stringify({ requests, pages, throttled, maxInFlight, byRoute, lateMs })}\n`,
      );
    } else if (command === "reset") {
      server.resetStats();
      process.stdout.write("{}\n");
    } else if (command === "close") break;
  }
  await server.close();
}

/** See {@link ReplayReady.criticalPathRequests}. */
function criticalPath(
  tenant: { subscriptions: { subscriptionId: string }[]; resources: Map<string, { type?: unknown }> },
  pageSize: number,
): number {
  const pages = (items: number) => Math.max(1, Math.ceil(items / pageSize));
  let longest = 0;
  for (const { subscriptionId } of tenant.subscriptions) {
    const count = new Map<string, number>();
    // Children per parent: credentials per identity, rule collection groups per policy.
    const children = new Map<string, number>();
    for (const [key, resource] of tenant.resources) {
      if (!key.startsWith(`/subscriptions/${subscriptionId}/`)) continue;
      const type = String(resource.type).toLowerCase();
      count.set(type, (count.get(type) ?? 0) + 1);
      if (type.split("/").length > 2) {
        const parent = key.split("/").slice(0, -2).join("/");
        children.set(parent, (children.get(parent) ?? 0) + 1);
      }
    }
    const of = (type: string) => count.get(type) ?? 0;
    const maxChildPages = Math.max(1, ...[...children.values()].map(pages));
    const chains = [...count.keys()]
      .filter((type) => type.split("/").length === 2)
      .map((type) => pages(of(type)));
    chains.push(pages(of("microsoft.managedidentity/userassignedidentities")) + maxChildPages);
    chains.push(pages(of("microsoft.network/firewallpolicies")) + maxChildPages);
    chains.push(
      Math.max(
        pages(of("microsoft.authorization/roleassignments")),
        pages(of("microsoft.authorization/roledefinitions")),
      ) + 1,
    );
    longest = Math.max(longest, ...chains);
  }
  return longest;
}

if (process.argv[1] === self) await serve(JSON.parse(process.argv[2] ?? "{}") as ReplayProcessArgs);
