import type { CheckResult } from "@azure-drift/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AuditEntry, AuditSink } from "../src/http/audit.js";
import { estate, SUB_A, TENANT } from "./estate.js";
import { dropTestDatabases, type Harness, NOW, ROLES, startHarness } from "./harness.js";
import { USER } from "./oidc-issuer.js";

afterAll(dropTestDatabases);

const ACTOR = {
  subject: USER.sub,
  objectId: USER.oid,
  name: USER.upn,
  appId: USER.azp,
  tenantId: USER.tid,
};

describe("the audit log in MongoDB: who, what, when, from where, how it ended", () => {
  let harness: Harness;
  let first: CheckResult;
  beforeAll(async () => {
    // Behind one trusted proxy: its X-Forwarded-For names the client.
    harness = await startHarness({ trustedProxies: ["127.0.0.1"] });
    first = await estate(harness.store).check(SUB_A);
  });
  afterAll(async () => harness?.close());

  test("a report read, a denied read, a baseline change and an unauthenticated call, exactly", async () => {
    const reader = await harness.issuer.token({ roles: [ROLES.read] });
    const approver = await harness.issuer.token({ roles: [ROLES.baseline] });
    const reportId = first.report.id;
    const read = await harness.app.inject({
      url: `/tenants/${TENANT}/reports/${reportId}`,
      headers: {
        authorization: `Bearer ${reader}`,
        "x-forwarded-for": "203.0.113.7",
        "user-agent": "curl/8.5",
      },
    });
    expect(read.statusCode).toBe(200);
    const denied = await harness.app.inject({
      method: "POST",
      url: `/tenants/${TENANT}/baselines/approved`,
      headers: { authorization: `Bearer ${reader}` },
      payload: { subscription: SUB_A },
    });
    expect(denied.statusCode).toBe(403);
    const accepted = await harness.app.inject({
      method: "POST",
      url: `/tenants/${TENANT}/baselines/approved`,
      headers: { authorization: `Bearer ${approver}`, "x-forwarded-for": "198.51.100.1, 203.0.113.9" },
      payload: { subscription: SUB_A },
    });
    expect(accepted.statusCode).toBe(201);
    const anonymous = await harness.app.inject({ url: `/tenants/${TENANT}/reports/${reportId}` });
    expect(anonymous.statusCode).toBe(401);

    const request = (
      id: number,
      route: string,
      method: string,
      ip: string,
      userAgent = "lightMyRequest",
    ) => ({
      ip,
      method,
      route,
      requestId: `req-${id}`,
      userAgent,
    });
    const reportRoute = "/tenants/:tenantId/reports/:reportId";
    const baselineRoute = "/tenants/:tenantId/baselines/:name";
    const ids = (await harness.auditEntries()).map((entry) => Number(entry.request.requestId.slice(4)));
    const base = Math.min(...ids);
    expect(await harness.auditEntries()).toEqual([
      {
        at: NOW,
        action: "report.read",
        outcome: "succeeded",
        status: 200,
        actor: { ...ACTOR, roles: [ROLES.read] },
        tenantId: TENANT,
        target: { reportId },
        request: request(base, reportRoute, "GET", "203.0.113.7", "curl/8.5"),
      },
      {
        at: NOW,
        action: "baseline.accept",
        outcome: "denied",
        status: 403,
        actor: { ...ACTOR, roles: [ROLES.read] },
        tenantId: TENANT,
        target: { name: "approved" },
        request: request(base + 1, baselineRoute, "POST", "127.0.0.1"),
      },
      {
        at: NOW,
        action: "baseline.accept",
        outcome: "attempted",
        actor: { ...ACTOR, roles: [ROLES.baseline] },
        tenantId: TENANT,
        target: { name: "approved" },
        request: request(base + 2, baselineRoute, "POST", "203.0.113.9"),
      },
      {
        at: NOW,
        action: "baseline.accept",
        outcome: "succeeded",
        status: 201,
        actor: { ...ACTOR, roles: [ROLES.baseline] },
        tenantId: TENANT,
        target: { name: "approved", snapshotId: first.snapshot.id, subscription: SUB_A },
        request: request(base + 2, baselineRoute, "POST", "203.0.113.9"),
      },
    ] satisfies AuditEntry[]);
  });
});

describe("without a trusted proxy, X-Forwarded-For is not believed", () => {
  test("the audit names the connecting address", async () => {
    const harness = await startHarness();
    try {
      const reader = await harness.issuer.token({ roles: [ROLES.read] });
      await harness.app.inject({
        url: `/tenants/${TENANT}/snapshots?subscription=${SUB_A}`,
        headers: { authorization: `Bearer ${reader}`, "x-forwarded-for": "203.0.113.7" },
      });
      const [entry] = await harness.auditEntries();
      expect(entry).toMatchObject({
        action: "snapshot.list",
        outcome: "succeeded",
        target: { subscription: SUB_A },
        request: { ip: "127.0.0.1" },
      });
    } finally {
      await harness.close();
    }
  });
});

describe("an audit log that cannot be written fails the call", () => {
  const down: AuditSink = {
    async write() {
      throw new Error("audit collection unreachable");
    },
  };

  test("a read answers 503 and none of the report", async () => {
    const harness = await startHarness({ audit: down });
    try {
      const { report } = await estate(harness.store).check(SUB_A);
      const reader = await harness.issuer.token({ roles: [ROLES.read] });
      const response = await harness.app.inject({
        url: `/tenants/${TENANT}/reports/${report.id}`,
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        error: {
          code: "E_STORE",
          message:
            "The audit log cannot be written, so nothing is answered; try again when the store is back.",
        },
      });
    } finally {
      await harness.close();
    }
  });

  test("a change is not attempted: no baseline, no check queued", async () => {
    const harness = await startHarness({ audit: down });
    try {
      await estate(harness.store).check(SUB_A);
      const token = await harness.issuer.token({ roles: [ROLES.baseline, ROLES.check] });
      const baseline = await harness.app.inject({
        method: "POST",
        url: `/tenants/${TENANT}/baselines/approved`,
        headers: { authorization: `Bearer ${token}` },
        payload: { subscription: SUB_A },
      });
      expect(baseline.statusCode).toBe(503);
      expect(await harness.store.getBaseline(TENANT, "approved")).toBeUndefined();
      const check = await harness.app.inject({
        method: "POST",
        url: `/tenants/${TENANT}/subscriptions/${SUB_A}/checks`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(check.statusCode).toBe(503);
      expect(harness.jobs.checkNowCalls).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});
