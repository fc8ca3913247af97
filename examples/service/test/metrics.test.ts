import { describe, expect, test } from "vitest";
import { createServiceMetrics } from "../src/metrics.js";
import { startMetricsServer } from "../src/metrics-server.js";

const TARGET = {
  tenantId: "11111111-1111-4111-8111-111111111111",
  subscriptionId: "aaaaaaaa-0000-4000-8000-000000000001",
};

/** The sample lines of one metric, without its HELP/TYPE lines. */
async function samples(metrics: ReturnType<typeof createServiceMetrics>, name: string): Promise<string[]> {
  const text = await metrics.registry.getSingleMetricAsString(name);
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

describe("the check observer's metrics", () => {
  test("checks run and failed, drift by severity, durations, ARM statuses and 429s", async () => {
    const metrics = createServiceMetrics({ processMetrics: false, defaultLabels: { process: "worker" } });
    const { observer } = metrics;
    observer.checkStarted(TARGET, "full");
    observer.checkFinished(TARGET, {
      kind: "full",
      ok: true,
      durationMs: 42_000,
      driftBySeverity: { critical: 1, high: 2, low: 0 },
    });
    observer.checkStarted(TARGET, "targeted");
    observer.checkFinished(TARGET, { kind: "targeted", ok: false, durationMs: 700, driftBySeverity: {} });
    observer.checkStarted(TARGET, "full");
    for (const status of [200, 200, 429, 429, 500]) observer.armResponse(status);

    expect(await samples(metrics, "azure_drift_checks_started_total")).toEqual([
      'azure_drift_checks_started_total{kind="full",process="worker"} 2',
      'azure_drift_checks_started_total{kind="targeted",process="worker"} 1',
    ]);
    expect(await samples(metrics, "azure_drift_checks_total")).toEqual([
      'azure_drift_checks_total{kind="full",outcome="ok",process="worker"} 1',
      'azure_drift_checks_total{kind="targeted",outcome="failed",process="worker"} 1',
    ]);
    expect(await samples(metrics, "azure_drift_checks_failed_total")).toEqual([
      'azure_drift_checks_failed_total{kind="targeted",process="worker"} 1',
    ]);
    expect(await samples(metrics, "azure_drift_checks_in_progress")).toEqual([
      'azure_drift_checks_in_progress{kind="full",process="worker"} 1',
      'azure_drift_checks_in_progress{kind="targeted",process="worker"} 0',
    ]);
    expect(await samples(metrics, "azure_drift_drift_found_total")).toEqual([
      'azure_drift_drift_found_total{severity="critical",kind="full",process="worker"} 1',
      'azure_drift_drift_found_total{severity="high",kind="full",process="worker"} 2',
    ]);
    const durations = await samples(metrics, "azure_drift_check_duration_seconds");
    expect(durations).toContain(
      'azure_drift_check_duration_seconds_bucket{le="30",process="worker",kind="full",outcome="ok"} 0',
    );
    expect(durations).toContain(
      'azure_drift_check_duration_seconds_bucket{le="60",process="worker",kind="full",outcome="ok"} 1',
    );
    expect(durations).toContain(
      'azure_drift_check_duration_seconds_sum{process="worker",kind="full",outcome="ok"} 42',
    );
    expect(durations).toContain(
      'azure_drift_check_duration_seconds_sum{process="worker",kind="targeted",outcome="failed"} 0.7',
    );
    expect(await samples(metrics, "azure_drift_arm_responses_total")).toEqual([
      'azure_drift_arm_responses_total{status="200",process="worker"} 2',
      'azure_drift_arm_responses_total{status="429",process="worker"} 2',
      'azure_drift_arm_responses_total{status="500",process="worker"} 1',
    ]);
    expect(await samples(metrics, "azure_drift_arm_throttled_total")).toEqual([
      'azure_drift_arm_throttled_total{process="worker"} 2',
    ]);
    const [lastSuccess] = await samples(metrics, "azure_drift_check_last_success_timestamp_seconds");
    expect(lastSuccess).toMatch(
      new RegExp(
        `^azure_drift_check_last_success_timestamp_seconds\\{tenant_id="${TARGET.tenantId}",subscription_id="${TARGET.subscriptionId}",process="worker"\\} \\d+(\\.\\d+)?$`,
      ),
    );
  });

  test("two instances in one process do not collide (each its own registry)", async () => {
    const api = createServiceMetrics({ processMetrics: true });
    const worker = createServiceMetrics({ processMetrics: true });
    api.observer.armResponse(429);
    expect(await samples(api, "azure_drift_arm_throttled_total")).toEqual([
      "azure_drift_arm_throttled_total 1",
    ]);
    expect(await samples(worker, "azure_drift_arm_throttled_total")).toEqual([
      "azure_drift_arm_throttled_total 0",
    ]);
    expect(await worker.registry.metrics()).toContain("process_cpu_user_seconds_total");
  });
});

describe("a worker's metrics server", () => {
  test("serves the registry to the scrape token only", async () => {
    const metrics = createServiceMetrics({ processMetrics: false, defaultLabels: { process: "worker" } });
    metrics.observer.armResponse(429);
    const token = "t".repeat(40);
    const server = await startMetricsServer({ metrics, token, host: "127.0.0.1", port: 0 });
    try {
      const scraped = await fetch(server.url, { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(await scraped.text()).toContain('azure_drift_arm_throttled_total{process="worker"} 1');
      expect((await fetch(server.url)).status).toBe(401);
      expect((await fetch(server.url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect((await fetch(server.url.replace("/metrics", "/"))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
