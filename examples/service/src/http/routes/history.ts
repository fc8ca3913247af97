import { type Collector, createTypeRegistry, resourceHistory, type Store } from "@azure-drift/core";
import type { FastifyInstance } from "fastify";
import { tenantParams } from "./params.js";

/**
 * `GET /tenants/:tenantId/resources/history?id=<ARM id>`: one resource's changes across the
 * stored snapshots, newest first, rated with the collectors' rules as a check rates them.
 */
export function registerHistoryRoute(
  app: FastifyInstance,
  store: Store,
  collectors: readonly Collector[],
): void {
  const registry = createTypeRegistry(collectors.flatMap((collector) => collector.types));
  const collectorRules = collectors.flatMap((collector) => collector.rules ?? []);
  app.get<{ Params: { tenantId: string }; Querystring: { id: string; limit?: number } }>(
    "/tenants/:tenantId/resources/history",
    {
      config: { access: "read", audit: { action: "history.read", query: ["id"] } },
      schema: {
        params: tenantParams,
        querystring: {
          type: "object",
          required: ["id"],
          properties: {
            id: { type: "string", pattern: "^/subscriptions/", maxLength: 2048 },
            limit: { type: "integer", minimum: 2, maximum: 500, default: 50 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const abort = new AbortController();
      // A client that gives up stops the walk through the snapshots.
      reply.raw.on("close", () => abort.abort());
      return resourceHistory(store, request.params.tenantId, request.query.id, {
        registry,
        collectorRules,
        limit: request.query.limit ?? 50,
        signal: abort.signal,
      });
    },
  );
}
