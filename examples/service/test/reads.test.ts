import type { CheckResult, DriftReport, TargetedCheckResult } from "@azure-drift/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { estate, nsgId, OTHER_TENANT, SUB_A, SUB_B, TENANT } from "./estate.js";
import { dropTestDatabases, type Harness, ROLES, startHarness } from "./harness.js";

afterAll(dropTestDatabases);

let harness: Harness;
let reader: string;
const checks: Record<string, CheckResult[]> = { [SUB_A]: [], [SUB_B]: [] };
let targeted: TargetedCheckResult;

// Stored by the real check pipeline into the MongoDB store the API reads: A, B, A (SSH opened), B,
// then a targeted check of A (RDP opened).
beforeAll(async () => {
  harness = await startHarness();
  reader = `Bearer ${await harness.issuer.token({ roles: [ROLES.read] })}`;
  const tenant = estate(harness.store);
  checks[SUB_A]!.push(await tenant.check(SUB_A));
  checks[SUB_B]!.push(await tenant.check(SUB_B));
  tenant.openSsh(SUB_A);
  checks[SUB_A]!.push(await tenant.check(SUB_A));
  checks[SUB_B]!.push(await tenant.check(SUB_B));
  // Then Event Grid's kind: RDP opened on A, read by a targeted check (a report, no snapshot).
  tenant.openRdp(SUB_A);
  targeted = await tenant.checkNsg(SUB_A);
});
afterAll(async () => harness?.close());

const get = (url: string) => harness.app.inject({ url, headers: { authorization: reader } });
/** A report as it travels: JSON (dates and undefined fields as JSON has them). */
const asJson = (report: DriftReport) => JSON.parse(JSON.stringify(report));

describe("reports from the MongoDB store", () => {
  test("the latest report of a subscription is its newest check's, not the tenant's newest", async () => {
    // Ids in any case: ARM and portals spell them in both.
    const response = await get(
      `/tenants/${TENANT.toUpperCase()}/reports/latest?subscription=${SUB_A.toUpperCase()}`,
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    const report = checks[SUB_A]![1]!.report;
    expect(response.json()).toEqual(asJson(report));
    expect(report.summary.modified).toBe(1);
    expect(report.resources[0]!.id).toBe(nsgId(SUB_A, "web"));
    expect(report.resources[0]!.changes.map((change) => [change.path, change.kind])).toEqual([
      ["properties.securityRules[name=AllowSsh]", "added"],
    ]);
    expect(report.resources[0]!.severity).toBe("critical");
  });

  test("without a subscription: the tenant's newest full check's report", async () => {
    const response = await get(`/tenants/${TENANT}/reports/latest`);
    expect(response.json()).toEqual(asJson(checks[SUB_B]![1]!.report));
  });

  test("kind=targeted (or any): the newest targeted check's report, of the subscription or the tenant", async () => {
    const report = targeted.report;
    expect(report.scope).toEqual({
      kind: "resources",
      subscriptionId: SUB_A,
      resourceIds: [nsgId(SUB_A, "web")],
    });
    expect(report.resources[0]!.changes.map((change) => [change.path, change.kind])).toEqual([
      ["properties.securityRules[name=AllowRdp]", "added"],
    ]);
    for (const query of [
      `subscription=${SUB_A}&kind=targeted`,
      `subscription=${SUB_A}&kind=any`,
      "kind=any",
    ]) {
      expect((await get(`/tenants/${TENANT}/reports/latest?${query}`)).json()).toEqual(asJson(report));
    }
    const none = await get(`/tenants/${TENANT}/reports/latest?subscription=${SUB_B}&kind=targeted`);
    expect(none.statusCode).toBe(404);
    expect(none.json().error.message).toBe(
      `Tenant ${TENANT} has no targeted check's report for subscription ${SUB_B} yet: every check writes one.`,
    );
  });

  test("a report by id; an unknown id or tenant is 404 with what to do", async () => {
    const report = checks[SUB_A]![0]!.report;
    expect((await get(`/tenants/${TENANT}/reports/${report.id}`)).json()).toEqual(asJson(report));
    const missing = await get(`/tenants/${TENANT}/reports/20990101t000000000z-ffffffff`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: { code: "E_NOT_FOUND", message: `Tenant ${TENANT} has no report 20990101t000000000z-ffffffff.` },
    });
    const otherTenant = await get(`/tenants/${OTHER_TENANT}/reports/${report.id}`);
    expect(otherTenant.statusCode).toBe(404);
    const noneYet = await get(`/tenants/${OTHER_TENANT}/reports/latest?subscription=${SUB_A}`);
    expect(noneYet.statusCode).toBe(404);
  });

  test("the report listing, newest first", async () => {
    const response = await get(`/tenants/${TENANT}/reports?limit=3`);
    expect(response.json().reports.map((entry: { id: string }) => entry.id)).toEqual([
      targeted.report.id,
      checks[SUB_B]![1]!.report.id,
      checks[SUB_A]![1]!.report.id,
    ]);
  });

  test("bad parameters are 400 before the store is asked", async () => {
    for (const url of [
      `/tenants/${TENANT}/reports/latest?subscription=not-a-guid`,
      `/tenants/${TENANT}/reports?limit=0`,
      `/tenants/bad%20tenant/snapshots`,
      `/tenants/${TENANT}/snapshots?since=yesterday`,
      `/tenants/${TENANT}/resources/history?id=web`,
      `/tenants/${TENANT}/resources/history`,
    ]) {
      const response = await get(url);
      expect({ url, status: response.statusCode, code: response.json().error.code }).toEqual({
        url,
        status: 400,
        code: "E_INPUT",
      });
    }
  });
});

describe("snapshots and a resource's history", () => {
  test("snapshots of one subscription, newest first", async () => {
    const response = await get(`/tenants/${TENANT}/snapshots?subscription=${SUB_A}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().snapshots).toEqual(
      [checks[SUB_A]![1]!.snapshot, checks[SUB_A]![0]!.snapshot].map((meta) =>
        JSON.parse(JSON.stringify(meta)),
      ),
    );
  });

  test("the NSG's history: the rule added, newest first", async () => {
    const id = nsgId(SUB_A, "web");
    const response = await get(`/tenants/${TENANT}/resources/history?id=${encodeURIComponent(id)}`);
    expect(response.statusCode).toBe(200);
    const [newer, older] = checks[SUB_A]!.map((check) => check.snapshot).reverse();
    expect(response.json()).toEqual({
      tenantId: TENANT,
      resourceId: id,
      snapshots: 2,
      firstSeen: { snapshotId: older!.id, takenAt: older!.finishedAt },
      entries: [
        {
          snapshotId: newer!.id,
          takenAt: newer!.finishedAt,
          baseSnapshotId: older!.id,
          baseTakenAt: older!.finishedAt,
          status: "modified",
          severity: checks[SUB_A]![1]!.report.resources[0]!.severity,
          changes: JSON.parse(JSON.stringify(checks[SUB_A]![1]!.report.resources[0]!.changes)),
          // The estate's detector reads no Activity Log: its stored report has no caller to give.
          attribution: {
            status: "unknown",
            operations: [],
            reason: "the check that compared these snapshots ran without attribution",
          },
        },
      ],
    });
  });
});
