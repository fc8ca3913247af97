import type { CheckResult } from "@azure-drift/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { estate, SUB_A, SUB_B, SUB_C, TENANT } from "./estate.js";
import { dropTestDatabases, type Harness, ROLES, startHarness } from "./harness.js";

afterAll(dropTestDatabases);

let harness: Harness;
let approver: string;
let checker: string;
const checked: CheckResult[] = [];

beforeAll(async () => {
  harness = await startHarness();
  approver = `Bearer ${await harness.issuer.token({ roles: [ROLES.baseline] })}`;
  checker = `Bearer ${await harness.issuer.token({ roles: [ROLES.check] })}`;
  const tenant = estate(harness.store);
  checked.push(await tenant.check(SUB_A), await tenant.check(SUB_B));
});
afterAll(async () => harness?.close());

const accept = (name: string, payload?: object) =>
  harness.app.inject({
    method: "POST",
    url: `/tenants/${TENANT}/baselines/${name}`,
    headers: { authorization: approver },
    ...(payload ? { payload } : {}),
  });

describe("accepting a baseline", () => {
  test("the newest snapshot of the named subscription (not the tenant's newest) becomes the baseline", async () => {
    const response = await accept("approved", { subscription: SUB_A.toUpperCase(), note: "CHG-1234" });
    expect(response.statusCode).toBe(201);
    const expected = {
      tenantId: TENANT,
      name: "approved",
      snapshotId: checked[0]!.snapshot.id,
      createdAt: response.json().createdAt,
      note: "CHG-1234",
    };
    expect(response.json()).toEqual(expected);
    expect(await harness.store.getBaseline(TENANT, "approved")).toEqual(expected);
  });

  test("a named snapshot", async () => {
    const response = await accept("release", { snapshotId: checked[1]!.snapshot.id });
    expect(response.statusCode).toBe(201);
    expect((await harness.store.getBaseline(TENANT, "release"))?.snapshotId).toBe(checked[1]!.snapshot.id);
  });

  test("nothing named, both named, or an unknown snapshot: refused, nothing written", async () => {
    expect((await accept("nobody")).statusCode).toBe(400);
    const none = await accept("nothing", {});
    expect(none.statusCode).toBe(400);
    expect(none.json().error.message).toMatch(/Name the snapshot to approve/);
    const both = await accept("both", { snapshotId: checked[1]!.snapshot.id, subscription: SUB_A });
    expect(both.statusCode).toBe(400);
    const unknown = await accept("unknown", { snapshotId: "20990101t000000000z-ffffffff" });
    expect(unknown.statusCode).toBe(404);
    const noSnapshot = await accept("nosnap", { subscription: SUB_C });
    expect(noSnapshot.statusCode).toBe(404);
    expect((await harness.store.listBaselines(TENANT)).map((baseline) => baseline.name).sort()).toEqual([
      "approved",
      "release",
    ]);
  });
});

describe("triggering a check", () => {
  test("queues a full check of the subscription (lower-cased) and answers its job id", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: `/tenants/${TENANT}/subscriptions/${SUB_B.toUpperCase()}/checks`,
      headers: { authorization: checker },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ jobId: `full:${TENANT}:${SUB_B}` });
    expect(harness.jobs.checkNowCalls).toEqual([{ tenantId: TENANT, subscriptionId: SUB_B }]);
  });

  test("a queue that does not take it is a 503 to retry", async () => {
    harness.jobs.failNext = new Error("connect ECONNREFUSED 127.0.0.1:6379");
    const response = await harness.app.inject({
      method: "POST",
      url: `/tenants/${TENANT}/subscriptions/${SUB_B}/checks`,
      headers: { authorization: checker },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe("E_NETWORK");
    expect(response.json().error.message).toMatch(/^A service this API depends on .* \(request req-\d+\)\.$/);
    expect(response.body).not.toContain("127.0.0.1:6379");
  });
});
