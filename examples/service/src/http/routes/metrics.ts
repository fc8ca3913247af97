import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

/** `/metrics` in Prometheus' text format, for the scrape token only (see the access hook). */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get("/metrics", { config: { access: "metrics" } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
