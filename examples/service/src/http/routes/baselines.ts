import { acceptBaseline, DriftError, type Store } from "@azure-drift/core";
import type { FastifyInstance } from "fastify";
import { STORED_ID, SUBSCRIPTION_ID, TENANT_ID } from "./params.js";

interface AcceptBody {
  /** The snapshot to approve. */
  snapshotId?: string;
  /** Or: the newest snapshot of this subscription. */
  subscription?: string;
  note?: string;
}

/**
 * `POST /tenants/:tenantId/baselines/:name`: accept drift by pointing a baseline at a snapshot.
 * The snapshot is named, or is the newest of a named subscription: in a service that checks each
 * subscription on its own, "the tenant's latest snapshot" would be whichever check ran last.
 */
export function registerBaselineRoutes(app: FastifyInstance, store: Store): void {
  app.post<{ Params: { tenantId: string; name: string }; Body: AcceptBody | undefined }>(
    "/tenants/:tenantId/baselines/:name",
    {
      config: { access: "baseline", audit: { action: "baseline.accept", mutation: true } },
      schema: {
        params: {
          type: "object",
          required: ["tenantId", "name"],
          properties: { tenantId: TENANT_ID, name: STORED_ID },
        },
        body: {
          type: "object",
          properties: {
            snapshotId: STORED_ID,
            subscription: SUBSCRIPTION_ID,
            note: { type: "string", maxLength: 1000 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { tenantId, name } = request.params;
      const body = request.body ?? {};
      let snapshotId = body.snapshotId;
      if (snapshotId && body.subscription) {
        throw new DriftError("E_INPUT", "Name either snapshotId or subscription, not both.");
      }
      if (!snapshotId) {
        if (!body.subscription) {
          throw new DriftError(
            "E_INPUT",
            'Name the snapshot to approve: {"snapshotId": "…"}, or {"subscription": "<id>"} for its newest snapshot.',
          );
        }
        const subscription = body.subscription.toLowerCase();
        const newest = await store.latestSnapshot(tenantId, { scope: subscription });
        if (!newest) {
          throw new DriftError(
            "E_NOT_FOUND",
            `Tenant ${tenantId} has no snapshot of subscription ${subscription} yet: check it first.`,
          );
        }
        snapshotId = newest.id;
      }
      request.auditTarget = { snapshotId, ...(body.subscription ? { subscription: body.subscription } : {}) };
      const baseline = await acceptBaseline(store, tenantId, name, {
        snapshotId,
        ...(body.note !== undefined ? { note: body.note } : {}),
      });
      return reply.code(201).send(baseline);
    },
  );
}
