import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CheckObserver, CheckTarget } from "./contracts.js";

/** Options of {@link createServiceMetrics}. */
export interface ServiceMetricsOptions {
  /** Labels on every series, e.g. `{ process: "worker" }` to tell the API from the workers. */
  defaultLabels?: Record<string, string>;
  /** Node.js process metrics (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

/** The service's metrics: the registry to expose, the check observer, and the HTTP API's own. */
export interface ServiceMetrics {
  /** Serve `registry.metrics()` with `registry.contentType`. */
  registry: Registry;
  /** What checks report; the job workers call it. */
  observer: CheckObserver;
  /** One answered HTTP request: its route pattern (never the raw URL), status and duration. */
  httpRequest(method: string, route: string, status: number, durationSeconds: number): void;
}

/**
 * The service's Prometheus metrics on a registry of their own (never prom-client's global one, so
 * two in one process do not collide). The HTTP process and every worker process each create one
 * and expose it; Prometheus sums over them. Names and labels are listed in the README.
 *
 * Series are labelled by check kind, outcome, severity and ARM status, not by subscription, except
 * the last-success time, one series per subscription (what an alert "no successful check in 6 h"
 * needs).
 */
export function createServiceMetrics(options: ServiceMetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const started = new Counter({
    name: "azure_drift_checks_started_total",
    help: "Checks started, by kind (full or targeted).",
    labelNames: ["kind"],
    registers,
  });
  const finished = new Counter({
    name: "azure_drift_checks_total",
    help: "Checks finished, by kind and outcome (ok or failed).",
    labelNames: ["kind", "outcome"],
    registers,
  });
  const failed = new Counter({
    name: "azure_drift_checks_failed_total",
    help: "Checks that failed, by kind.",
    labelNames: ["kind"],
    registers,
  });
  const inProgress = new Gauge({
    name: "azure_drift_checks_in_progress",
    help: "Checks running now in this process, by kind.",
    labelNames: ["kind"],
    registers,
  });
  const drift = new Counter({
    name: "azure_drift_drift_found_total",
    help: "Drifted resources found by checks, by severity and check kind.",
    labelNames: ["severity", "kind"],
    registers,
  });
  const duration = new Histogram({
    name: "azure_drift_check_duration_seconds",
    help: "How long checks took, by kind and outcome.",
    labelNames: ["kind", "outcome"],
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers,
  });
  const lastSuccess = new Gauge({
    name: "azure_drift_check_last_success_timestamp_seconds",
    help: "When a full check of a subscription last succeeded (Unix time).",
    labelNames: ["tenant_id", "subscription_id"],
    registers,
  });
  const armResponses = new Counter({
    name: "azure_drift_arm_responses_total",
    help: "ARM responses by HTTP status (every attempt, retries included).",
    labelNames: ["status"],
    registers,
  });
  const armThrottled = new Counter({
    name: "azure_drift_arm_throttled_total",
    help: "ARM responses with status 429 (throttled).",
    registers,
  });
  const httpRequests = new Counter({
    name: "azure_drift_http_requests_total",
    help: "HTTP API requests answered, by method, route pattern and status.",
    labelNames: ["method", "route", "status"],
    registers,
  });
  const httpDuration = new Histogram({
    name: "azure_drift_http_request_duration_seconds",
    help: "HTTP API request durations, by method and route pattern.",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const observer: CheckObserver = {
    checkStarted(_target: CheckTarget, kind) {
      started.inc({ kind });
      inProgress.inc({ kind });
    },
    checkFinished(target, outcome) {
      const { kind } = outcome;
      const result = outcome.ok ? "ok" : "failed";
      inProgress.dec({ kind });
      finished.inc({ kind, outcome: result });
      if (!outcome.ok) failed.inc({ kind });
      duration.observe({ kind, outcome: result }, outcome.durationMs / 1000);
      for (const [severity, count] of Object.entries(outcome.driftBySeverity)) {
        if (count > 0) drift.inc({ severity, kind }, count);
      }
      if (outcome.ok && kind === "full") {
        lastSuccess.set(
          { tenant_id: target.tenantId, subscription_id: target.subscriptionId },
          Date.now() / 1000,
        );
      }
    },
    armResponse(status) {
      armResponses.inc({ status: String(status) });
      if (status === 429) armThrottled.inc();
    },
  };

  return {
    registry,
    observer,
    httpRequest(method, route, status, durationSeconds) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, durationSeconds);
    },
  };
}
