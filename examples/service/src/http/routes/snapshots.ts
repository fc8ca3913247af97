import type { Store } from "@azure-drift/core";
import type { FastifyInstance } from "fastify";
import { LIST_LIMIT, SUBSCRIPTION_ID, TIME, tenantParams } from "./params.js";

/** `GET /tenants/:tenantId/snapshots`: the tenant's snapshots, newest first. */
export function registerSnapshotRoutes(app: FastifyInstance, store: Store): void {
  app.get<{
    Params: { tenantId: string };
    Querystring: { subscription?: string; since?: string; until?: string; limit?: number };
  }>(
    "/tenants/:tenantId/snapshots",
    {
      config: {
        access: "read",
        audit: { action: "snapshot.list", query: ["subscription", "since", "until", "limit"] },
      },
      schema: {
        params: tenantParams,
        querystring: {
          type: "object",
          properties: {
            subscription: SUBSCRIPTION_ID,
            since: TIME,
            until: TIME,
            limit: LIST_LIMIT,
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { subscription, ...range } = request.query;
      const snapshots = await store.listSnapshots(request.params.tenantId, {
        ...range,
        ...(subscription ? { scope: subscription.toLowerCase() } : {}),
      });
      return { snapshots };
    },
  );
}
