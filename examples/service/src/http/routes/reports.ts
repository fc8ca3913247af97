import { DriftError, type DriftReport, type Store } from "@azure-drift/core";
import type { FastifyInstance } from "fastify";
import { STORED_ID, SUBSCRIPTION_ID, TENANT_ID, TIME, tenantParams } from "./params.js";

/** How many of a subscription's newest snapshots are searched for the latest report. */
const SNAPSHOTS_SEARCHED = 10;

/** The report routes: the latest per tenant (and subscription), one by id, and the listing. */
export function registerReportRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Params: { tenantId: string }; Querystring: { subscription?: string } }>(
    "/tenants/:tenantId/reports/latest",
    {
      config: { access: "read", audit: { action: "report.latest", query: ["subscription"] } },
      schema: {
        params: tenantParams,
        querystring: {
          type: "object",
          properties: { subscription: SUBSCRIPTION_ID },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { tenantId } = request.params;
      const subscription = request.query.subscription?.toLowerCase();
      const report = await latestReport(store, tenantId, subscription);
      if (!report) {
        throw new DriftError(
          "E_NOT_FOUND",
          `Tenant ${tenantId} has no report${subscription ? ` for subscription ${subscription}` : ""} yet: a report is written by the second check of a subscription.`,
        );
      }
      request.auditTarget = { reportId: report.id };
      return report;
    },
  );

  app.get<{ Params: { tenantId: string; reportId: string } }>(
    "/tenants/:tenantId/reports/:reportId",
    {
      config: { access: "read", audit: { action: "report.read" } },
      schema: {
        params: {
          type: "object",
          required: ["tenantId", "reportId"],
          properties: { tenantId: TENANT_ID, reportId: STORED_ID },
        },
      },
    },
    async (request) => {
      const { tenantId, reportId } = request.params;
      const report = await store.getReport(tenantId, reportId);
      if (!report) {
        throw new DriftError("E_NOT_FOUND", `Tenant ${tenantId} has no report ${reportId}.`);
      }
      return report;
    },
  );

  app.get<{ Params: { tenantId: string }; Querystring: { since?: string; until?: string; limit?: number } }>(
    "/tenants/:tenantId/reports",
    {
      config: { access: "read", audit: { action: "report.list", query: ["since", "until", "limit"] } },
      schema: {
        params: tenantParams,
        querystring: {
          type: "object",
          properties: {
            since: TIME,
            until: TIME,
            limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ reports: await store.listReports(request.params.tenantId, request.query) }),
  );
}

/**
 * The newest report whose current snapshot is one of the subscription's newest snapshots (reports
 * are listed by time, not by scope: the store's report listing has no scope filter).
 */
async function latestReport(
  store: Store,
  tenantId: string,
  subscription: string | undefined,
): Promise<DriftReport | undefined> {
  if (!subscription) {
    const [newest] = await store.listReports(tenantId, { limit: 1 });
    return newest ? store.getReport(tenantId, newest.id) : undefined;
  }
  const snapshots = await store.listSnapshots(tenantId, { scope: subscription, limit: SNAPSHOTS_SEARCHED });
  const oldest = snapshots.at(-1);
  if (!oldest) return undefined;
  // A snapshot's report is written after the snapshot began, so nothing older needs listing.
  const reports = await store.listReports(tenantId, { since: oldest.startedAt });
  for (const snapshot of snapshots) {
    const entry = reports.find((report) => report.currentSnapshotId === snapshot.id);
    if (entry) return store.getReport(tenantId, entry.id);
  }
  return undefined;
}
