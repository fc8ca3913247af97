import { isDriftError } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../src/config.js";

const MINIMAL = {
  MONGODB_URI: "mongodb://user:hunter2@db.internal:27017/azure_drift",
  OIDC_ISSUER: "https://login.microsoftonline.com/99999999-9999-9999-9999-999999999999/v2.0",
  OIDC_AUDIENCE: "api://azure-drift, 0b5c1f0e-0000-4000-8000-000000000001",
};

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (isDriftError(error, "E_INPUT")) return error.message;
    throw error;
  }
  throw new Error("loadConfig accepted it");
}

describe("the service's configuration from the environment", () => {
  test("the minimum, with every default", () => {
    expect(loadConfig(MINIMAL)).toEqual({
      host: "0.0.0.0",
      port: 8080,
      logLevel: "info",
      mongodbUri: MINIMAL.MONGODB_URI,
      redisUrl: "redis://127.0.0.1:6379",
      queuePrefix: "azure-drift",
      schedule: [],
      scheduleEveryMs: 10_800_000,
      oidc: {
        issuer: MINIMAL.OIDC_ISSUER,
        audiences: ["api://azure-drift", "0b5c1f0e-0000-4000-8000-000000000001"],
        algorithms: ["RS256"],
        rolesClaim: "roles",
        clockToleranceSec: 30,
      },
      roles: {
        read: "Drift.Read",
        baseline: "Drift.Baseline",
        check: "Drift.Check",
        events: "AzureEventGridSecureWebhookSubscriber",
      },
      eventGrid: { audiences: ["api://azure-drift", "0b5c1f0e-0000-4000-8000-000000000001"], appIds: [] },
      trustedProxies: [],
      shutdownTimeoutMs: 30_000,
      auditCollection: "audit",
    });
  });

  test("a schedule of subscriptions, Event Grid's own audience and app, a scrape token, proxies", () => {
    const config = loadConfig({
      ...MINIMAL,
      SCHEDULE: "t1/AAAAAAAA-0000-4000-8000-000000000001, t1/bbbbbbbb-0000-4000-8000-000000000002",
      SCHEDULE_EVERY_MINUTES: "60",
      EVENTGRID_AUDIENCE: "api://azure-drift-events",
      EVENTGRID_APP_IDS: "4962773b-9cdb-44cf-a8bf-237846a00ab7",
      METRICS_TOKEN: "x".repeat(40),
      TRUSTED_PROXIES: "10.0.0.0/8,127.0.0.1",
    });
    expect(config.schedule).toEqual([
      { tenantId: "t1", subscriptionId: "aaaaaaaa-0000-4000-8000-000000000001" },
      { tenantId: "t1", subscriptionId: "bbbbbbbb-0000-4000-8000-000000000002" },
    ]);
    expect(config.scheduleEveryMs).toBe(3_600_000);
    expect(config.eventGrid).toEqual({
      audiences: ["api://azure-drift-events"],
      appIds: ["4962773b-9cdb-44cf-a8bf-237846a00ab7"],
    });
    expect(config.metricsToken).toBe("x".repeat(40));
    expect(config.trustedProxies).toEqual(["10.0.0.0/8", "127.0.0.1"]);
  });

  test("what is missing or unsafe is named, and no value is echoed", () => {
    const message = failure({
      MONGODB_URI: "postgres://user:hunter2@db/x",
      OIDC_ISSUER: "http://login.example.com/tenant",
      OIDC_ALGORITHMS: "RS256,HS256",
      METRICS_TOKEN: "short-s3cret",
    });
    expect(message).toMatch(/^The service's environment is incomplete or wrong/);
    for (const name of [
      "MONGODB_URI",
      "OIDC_ISSUER",
      "OIDC_AUDIENCE",
      "OIDC_ALGORITHMS.1",
      "METRICS_TOKEN",
    ]) {
      expect(message).toContain(`${name}:`);
    }
    expect(message).toContain("must be https://");
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("short-s3cret");
  });

  test("plain http only for a local test issuer", () => {
    expect(loadConfig({ ...MINIMAL, OIDC_ISSUER: "http://127.0.0.1:8443/issuer" }).oidc.issuer).toBe(
      "http://127.0.0.1:8443/issuer",
    );
  });
});
