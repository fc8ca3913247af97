// Targeted checks (issue #16, event-driven checks): what a targeted check of a few resources costs
// next to the full check of the same subscription, over the ARM replay server with a latency per
// request, in one process. The full check is the baseline of the same run; rows are medians.

import { sizesOr } from "./lib/select.js";
import { formatMs, markdownTable, median, ratio } from "./lib/table.js";

const quick = process.argv.includes("--quick");
const sizes = sizesOr(quick ? [1_000] : [2_000, 10_000]);
const runs = 3;
const latencyMs = 20;

const core = await import("@azure-drift/core");
const testing = await import("@azure-drift/testing");
const { networkCollector } = await import("@azure-drift/collector-network");
const { identityCollector } = await import("@azure-drift/collector-identity");
const { securityCollector } = await import("@azure-drift/collector-security");
// The SDKs are imported on first use; load them here, outside the timed window.
for (const sdk of [
  "@azure/arm-network",
  "@azure/arm-authorization",
  "@azure/arm-msi",
  "@azure/arm-security",
  "@azure/arm-storage",
  "@azure/arm-sql",
])
  await import(sdk);

for (const resources of sizes) {
  const tenant = testing.generateTenant({ seed: "bench-targeted", resources, subscriptions: 1 });
  const subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  const server = await testing.startArmReplayServer({ tenant, latencyMs });
  try {
    const collectors = [networkCollector(), identityCollector(), securityCollector()];
    const declared = new Set(
      collectors.flatMap((collector) => collector.types.map(({ type }) => type.toLowerCase())),
    );
    const detector = core.createDriftDetector({
      collectors,
      store: core.createMemoryStore(),
      credential: core.staticTokenCredential("bench"),
      arm: server.connection(),
      concurrency: 16,
    });
    const request = { tenantId: tenant.tenantId, subscriptions: [subscriptionId] };
    await detector.check(request);
    const { changes } = testing.mutateTenant(tenant, { churn: 0.01, seed: 3 });
    // Changed resources the collectors read (a write Event Grid would report).
    const ids = changes
      .filter((change) => declared.has(change.type.toLowerCase()))
      .map((change) => change.id);
    const rows: { name: string; run: () => Promise<unknown> }[] = [
      { name: "full check (3 collectors)", run: () => detector.check(request) },
      ...[1, 10].map((count) => ({
        name: `targeted check of ${count} changed resource${count === 1 ? "" : "s"}`,
        run: () =>
          detector.checkResources({
            tenantId: tenant.tenantId,
            subscriptionId,
            resourceIds: ids.slice(0, count),
          }),
      })),
    ];
    const table: (string | number)[][] = [];
    let fullMs = 0;
    for (const row of rows) {
      const times: number[] = [];
      let requests = 0;
      for (let run = 0; run < runs; run++) {
        server.resetStats();
        const started = performance.now();
        await row.run();
        times.push(performance.now() - started);
        requests = server.stats.requests;
      }
      const ms = median(times);
      if (fullMs === 0) fullMs = ms;
      table.push([row.name, formatMs(ms), ratio(ms, fullMs), requests]);
    }
    console.log(
      `\nN = ${resources.toLocaleString("en")} resources in one subscription, ${latencyMs} ms per ARM request, concurrency 16; median of ${runs} runs\n`,
    );
    console.log(markdownTable(["row", "median", "× full check", "ARM requests"], table));
  } finally {
    await server.close();
  }
}
