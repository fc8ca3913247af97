// Collection benchmark (issue #4): the network and identity collectors against the ARM replay
// server with 50 ms latency per request, compared with the ideal (pages × latency ÷ concurrency)
// and with a naive sequential per-resource-group enumeration, with and without 10 % 429s.
// Each scenario runs in its own process so peak RSS is its own. `--quick` for a smaller tenant.
import { Agent, request } from "node:https";
import { fileURLToPath } from "node:url";
import { measureInChild } from "./lib/child.js";
import { formatMb, formatMs, markdownTable, ratio } from "./lib/table.js";

const LATENCY_MS = 50;
const CONCURRENCY = 16;
const PAGE_SIZE = 100;
/** The naive baseline is timed over this many requests and extrapolated to the whole enumeration. */
const NAIVE_SAMPLE = 120;

interface ScenarioArgs {
  resources: number;
  throttleRate: number;
}

interface CollectResult {
  /** Wall time of the collection alone (imports, tenant generation and server start excluded). */
  collectMs: number;
  records: number;
  requests: number;
  pages: number;
  throttled: number;
  resources: number;
  outcomes: string[];
}

async function setup(args: ScenarioArgs) {
  const { generateTenant, startArmReplayServer, NETWORK_TYPES, IDENTITY_TYPES } = await import(
    "../packages/testing/src/index.js"
  );
  const tenant = generateTenant({
    seed: 2024,
    resources: args.resources,
    subscriptions: 2,
    mix: {
      networkSecurityGroup: 16,
      virtualNetwork: 8,
      routeTable: 6,
      publicIpAddress: 8,
      firewallPolicy: 1,
      azureFirewall: 1,
      applicationGateway: 2,
      privateEndpoint: 6,
      userAssignedIdentity: 6,
      federatedIdentityCredential: 5,
      roleDefinition: 2,
      roleAssignment: 20,
      denyAssignment: 1,
    },
  });
  const server = await startArmReplayServer({
    tenant,
    pageSize: PAGE_SIZE,
    latencyMs: LATENCY_MS,
    faults: args.throttleRate
      ? { throttleRate: args.throttleRate, retryAfter: 1, retryAfterMs: LATENCY_MS, seed: 1 }
      : {},
  });
  const types = [...NETWORK_TYPES, ...IDENTITY_TYPES].map((type: string) => type.toLowerCase());
  const resources = [...tenant.resources.keys()].filter(
    (key) =>
      key.startsWith("/subscriptions/") &&
      types.includes(String(tenant.resources.get(key)?.type).toLowerCase()),
  ).length;
  return { tenant, server, resources };
}

/** Our collectors through core's runCollector, all subscriptions under one shared limiter. */
export async function collectWithCollectors(args: ScenarioArgs): Promise<CollectResult> {
  const { runCollector, staticTokenCredential } = await import("../packages/core/src/index.js");
  const { networkCollector } = await import("../packages/collector-network/src/index.js");
  const { identityCollector } = await import("../packages/collector-identity/src/index.js");
  const pLimit = (await import("p-limit")).default;
  const { tenant, server, resources } = await setup(args);
  const limit = pLimit(CONCURRENCY);
  let records = 0;
  const started = performance.now();
  try {
    const runs = tenant.subscriptions.flatMap((subscription: { subscriptionId: string }) =>
      [networkCollector(), identityCollector()].map((collector) =>
        runCollector(collector, {
          tenantId: tenant.tenantId,
          subscriptionId: subscription.subscriptionId,
          credential: staticTokenCredential("bench"),
          arm: server.connection(),
          limit: <T>(fn: () => Promise<T>) => limit(fn),
          // Records stream on: counted, not kept (a store would write them).
          onRecords: async (batch) => {
            records += batch.length;
          },
        }),
      ),
    );
    const outcomes = await Promise.all(runs);
    return {
      collectMs: performance.now() - started,
      records,
      requests: server.stats.requests,
      pages: server.stats.pages,
      throttled: server.stats.throttled,
      resources,
      outcomes: outcomes.map((outcome) => outcome.run.outcome),
    };
  } finally {
    await server.close();
  }
}

/**
 * What a user would write first: list the resource groups, then for each group and each type one
 * list call, one after the other. Timed over a sample of requests and extrapolated.
 */
export async function collectNaively(
  args: ScenarioArgs,
): Promise<CollectResult & { sampledMs: number; sampled: number; total: number }> {
  const { tenant, server, resources } = await setup(args);
  const agent = new Agent({ keepAlive: true, ca: server.ca });
  const get = (url: string) =>
    new Promise<{ status: number; body: { value?: unknown[]; nextLink?: string } }>((resolve, reject) => {
      const req = request(url, { agent, headers: { authorization: "Bearer bench" } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  const rgTypes: [string, string][] = [
    ["Microsoft.Network", "networkSecurityGroups"],
    ["Microsoft.Network", "virtualNetworks"],
    ["Microsoft.Network", "routeTables"],
    ["Microsoft.Network", "publicIPAddresses"],
    ["Microsoft.Network", "firewallPolicies"],
    ["Microsoft.Network", "azureFirewalls"],
    ["Microsoft.Network", "applicationGateways"],
    ["Microsoft.Network", "privateEndpoints"],
    ["Microsoft.ManagedIdentity", "userAssignedIdentities"],
    ["Microsoft.Authorization", "roleAssignments"],
    ["Microsoft.Authorization", "denyAssignments"],
  ];
  const versions: Record<string, string> = {
    "Microsoft.Network": "2025-05-01",
    "Microsoft.ManagedIdentity": "2024-11-30",
    "Microsoft.Authorization": "2022-04-01",
  };
  try {
    const urls: string[] = [];
    for (const subscription of tenant.subscriptions as { subscriptionId: string }[]) {
      const groups = await get(
        `${server.url}/subscriptions/${subscription.subscriptionId}/resourcegroups?api-version=2021-04-01&$top=1000`,
      );
      for (const group of (groups.body.value ?? []) as { name: string }[]) {
        for (const [namespace, type] of rgTypes) {
          urls.push(
            `${server.url}/subscriptions/${subscription.subscriptionId}/resourceGroups/${group.name}/providers/${namespace}/${type}?api-version=${versions[namespace]}`,
          );
        }
      }
    }
    // Each group's listing is at least one request; the identities' credentials add one per identity.
    const identities = [...tenant.resources.values()].filter(
      (resource) =>
        String(resource.type).toLowerCase() === "microsoft.managedidentity/userassignedidentities",
    ).length;
    const total = urls.length + identities + tenant.subscriptions.length;
    const started = performance.now();
    let sampled = 0;
    for (const url of urls.slice(0, NAIVE_SAMPLE)) {
      let next: string | undefined = url;
      while (next) {
        const page = await get(next);
        sampled++;
        if (page.status === 429) continue;
        next = page.body.nextLink;
      }
    }
    const sampledMs = performance.now() - started;
    return {
      collectMs: 0,
      records: 0,
      requests: total,
      pages: 0,
      throttled: server.stats.throttled,
      resources,
      outcomes: [],
      sampledMs,
      sampled,
      total,
    };
  } finally {
    agent.destroy();
    await server.close();
  }
}

async function main() {
  const quick = process.argv.includes("--quick");
  const resources = quick ? 1000 : 10_000;
  const self = fileURLToPath(import.meta.url);
  const rows: (string | number)[][] = [];
  for (const throttleRate of [0, 0.1]) {
    const args: ScenarioArgs = { resources, throttleRate };
    const ours = await measureInChild<CollectResult>(self, "collectWithCollectors", args);
    const okPages = ours.result.requests - ours.result.throttled;
    const ideal = (okPages * LATENCY_MS) / CONCURRENCY;
    const naive = await measureInChild<CollectResult & { sampledMs: number; sampled: number; total: number }>(
      self,
      "collectNaively",
      args,
    );
    const naiveMs = (naive.result.sampledMs / naive.result.sampled) * naive.result.total * (1 + throttleRate);
    const label = throttleRate ? `${throttleRate * 100} % 429s` : "no faults";
    rows.push([
      `ours (${label})`,
      ours.result.resources,
      ours.result.records,
      ours.result.requests,
      ours.result.throttled,
      (ours.result.requests / ours.result.resources).toFixed(3),
      formatMs(ours.result.collectMs),
      formatMs(ideal),
      ratio(ours.result.collectMs, ideal),
      formatMb(ours.peakRssBytes),
      [...new Set(ours.result.outcomes)].join(","),
    ]);
    rows.push([
      `naive sequential per RG (${label}, extrapolated from ${naive.result.sampled} requests)`,
      naive.result.resources,
      "-",
      naive.result.total,
      "-",
      (naive.result.total / naive.result.resources).toFixed(3),
      formatMs(naiveMs),
      formatMs(ideal),
      ratio(naiveMs, ideal),
      formatMb(naive.peakRssBytes),
      "-",
    ]);
  }
  console.log(
    `Collection of a ${resources}-resource replay tenant (network + identity types, 2 subscriptions), ${LATENCY_MS} ms per request, ${PAGE_SIZE} items per page, concurrency ${CONCURRENCY}; ideal = successful requests × latency ÷ concurrency.\n`,
  );
  console.log(
    markdownTable(
      [
        "run",
        "resources",
        "records",
        "requests",
        "429s",
        "requests/resource",
        "wall",
        "ideal",
        "vs ideal",
        "peak RSS",
        "outcomes",
      ],
      rows,
    ),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
