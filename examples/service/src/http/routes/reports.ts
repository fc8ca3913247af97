import { DriftError, type DriftReport, type ReportSummaryEntry, type Store } from "@azure-drift/core";
import type { FastifyInstance } from "fastify";
import { LIST_LIMIT, STORED_ID, SUBSCRIPTION_ID, TENANT_ID, TIME, tenantParams } from "./params.js";

/** How many of a subscription's newest snapshots are searched for the latest report. */
const SNAPSHOTS_SEARCHED = 10;
/** How many of a tenant's newest reports are searched for the latest of a kind. */
const REPORTS_SEARCHED = 200;

/** The report routes: the latest per tenant (and subscription), one by id, and the listing. */
export function registerReportRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Params: { tenantId: string }; Querystring: { subscription?: string; kind: ReportKind } }>(
    "/tenants/:tenantId/reports/latest",
    {
      config: { access: "read", audit: { action: "report.latest", query: ["subscription", "kind"] } },
      schema: {
        params: tenantParams,
        querystring: {
          type: "object",
          properties: {
            subscription: SUBSCRIPTION_ID,
            kind: { type: "string", enum: ["full", "targeted", "any"], default: "full" },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { tenantId } = request.params;
      const { kind } = request.query;
      const subscription = request.query.subscription?.toLowerCase();
      const report = await latestReport(store, tenantId, subscription, kind);
      if (!report) {
        throw new DriftError(
          "E_NOT_FOUND",
          `Tenant ${tenantId} has no ${kind === "any" ? "" : `${kind} check's `}report${subscription ? ` for subscription ${subscription}` : ""} yet: every check writes one.`,
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
            limit: LIST_LIMIT,
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ reports: await store.listReports(request.params.tenantId, request.query) }),
  );
}

/** Which checks' reports `latest` looks at: whole snapshots (default), Event Grid's targeted reads, or both. */
type ReportKind = "full" | "targeted" | "any";

/**
 * The newest report of the subscription's newest snapshots (the store's report listing has no
 * scope filter): a full check's report has the snapshot as its current side; a targeted check's
 * stores no snapshot and has the subscription's latest snapshot as its base.
 */
async function latestReport(
  store: Store,
  tenantId: string,
  subscription: string | undefined,
  kind: ReportKind,
): Promise<DriftReport | undefined> {
  const wanted = (report: ReportSummaryEntry, snapshots?: Set<string>) => {
    const full = report.currentSnapshotId !== undefined;
    if (kind === "full" ? !full : kind === "targeted" ? full : false) return false;
    if (!snapshots) return true;
    return snapshots.has((full ? report.currentSnapshotId : report.baseSnapshotId) ?? "");
  };
  if (!subscription) {
    const newest = (await store.listReports(tenantId, { limit: REPORTS_SEARCHED })).find((report) =>
      wanted(report),
    );
    return newest ? store.getReport(tenantId, newest.id) : undefined;
  }
  const snapshots = await store.listSnapshots(tenantId, { scope: subscription, limit: SNAPSHOTS_SEARCHED });
  const oldest = snapshots.at(-1);
  if (!oldest) return undefined;
  // A snapshot's reports are written after the snapshot began, so nothing older needs listing.
  const reports = await store.listReports(tenantId, { since: oldest.startedAt });
  const ids = new Set(snapshots.map((snapshot) => snapshot.id));
  const newest = reports.find((report) => wanted(report, ids));
  return newest ? store.getReport(tenantId, newest.id) : undefined;
}
