import {
  type AttributionSource,
  attributeReport,
  DriftError,
  type DriftReport,
  staticTokenCredential,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { sampleReport } from "./render-fixture.js";

// A source double (our own interface) to test the step that attaches attribution to a report.
function source(behaviour: AttributionSource["attribute"]): AttributionSource {
  return { name: "Activity Log", retentionDays: 90, attribute: behaviour };
}

const base = {
  tenantId: "t1",
  credential: staticTokenCredential("token"),
  arm: {
    endpoint: "https://management.azure.com",
    credentialScopes: ["https://management.azure.com/.default"],
  },
  limit: <T>(fn: () => Promise<T>) => fn(),
  now: new Date("2026-03-02T12:00:00.000Z"),
};

function report(): DriftReport {
  const value = sampleReport();
  // The lock is tenant-wide in this fixture's terms: no subscription.
  const lock = value.resources[2];
  if (lock) delete lock.subscriptionId;
  return value;
}

describe("attributeReport", () => {
  test("one call per subscription with its drifted resources; found operations attached, the rest unknown", async () => {
    const calls: unknown[] = [];
    const value = report();
    await attributeReport(value, {
      ...base,
      from: "2026-03-01T10:00:00.000Z",
      to: "2026-03-02T10:00:00.000Z",
      source: source(async (context, request) => {
        calls.push({ subscription: context.subscriptionId, ...request });
        return new Map([
          [
            request.resourceKeys[0] ?? "",
            [
              {
                caller: "alice@contoso.com",
                operationName: "x/write",
                status: "Succeeded",
                timestamp: "2026-03-01T11:00:00Z",
              },
            ],
          ],
        ]);
      }),
    });
    expect(calls).toEqual([
      {
        subscription: "aaaaaaaa-0000-0000-0000-000000000001",
        subscriptionId: "aaaaaaaa-0000-0000-0000-000000000001",
        from: "2026-03-01T10:00:00.000Z",
        to: "2026-03-02T10:00:00.000Z",
        resourceKeys: [value.resources[0]?.key, value.resources[1]?.key],
      },
    ]);
    expect(value.resources.map((resource) => resource.attribution?.status)).toEqual([
      "found",
      "unknown",
      "unknown",
    ]);
    expect(value.resources[1]?.attribution?.reason).toBe(
      "the Activity Log has no write or delete on it between 2026-03-01T10:00:00.000Z and 2026-03-02T10:00:00.000Z",
    );
    expect(value.resources[2]?.attribution?.reason).toBe(
      "a tenant-level resource: no subscription's log records it",
    );
  });

  test("a base older than the log's retention: the window is clamped and the report says so", async () => {
    const value = report();
    let asked = "";
    await attributeReport(value, {
      ...base,
      from: "2025-10-01T00:00:00.000Z",
      to: "2026-03-02T10:00:00.000Z",
      source: source(async (_context, request) => {
        asked = request.from;
        return new Map();
      }),
    });
    expect(asked).toBe("2025-12-02T12:00:00.000Z");
    expect(value.notices).toContain(
      "Attribution: the base snapshot (2025-10-01T00:00:00.000Z) is older than the 90 days Activity Log keeps; changes made before 2025-12-02T12:00:00.000Z show no caller.",
    );
  });

  test("a log that cannot be read never fails the check: unknown with the reason, and a notice; an abort still aborts", async () => {
    const value = report();
    await attributeReport(value, {
      ...base,
      from: "2026-03-01T10:00:00.000Z",
      to: "2026-03-02T10:00:00.000Z",
      source: source(async (context) => {
        context.coverage.incomplete(
          "Microsoft.Insights/eventtypes/management/values",
          "403 AuthorizationFailed",
        );
        return new Map();
      }),
    });
    expect(value.resources[0]?.attribution).toEqual({
      status: "unknown",
      operations: [],
      reason: "the Activity Log could not be read: 403 AuthorizationFailed",
    });
    expect(value.notices.at(-1)).toMatch(/could not be read completely \(403 AuthorizationFailed\)/);

    const thrown = report();
    await attributeReport(thrown, {
      ...base,
      from: "2026-03-01T10:00:00.000Z",
      to: "2026-03-02T10:00:00.000Z",
      source: source(async () => {
        throw new Error("socket hang up");
      }),
    });
    expect(thrown.resources[0]?.attribution?.reason).toBe(
      "the Activity Log could not be read: socket hang up",
    );

    await expect(
      attributeReport(report(), {
        ...base,
        from: "2026-03-01T10:00:00.000Z",
        to: "2026-03-02T10:00:00.000Z",
        source: source(async () => {
          throw new DriftError("E_ABORTED", "The operation was cancelled.");
        }),
      }),
    ).rejects.toThrow(/cancelled/);
  });
});
