import { isDriftError } from "@azure-drift/core";
import Fastify from "fastify";
import type { Registry } from "prom-client";
import { bearerToken, sameSecret } from "../http/access.js";

/** A worker process's `/metrics`, for Prometheus holding the scrape token. */
export interface WorkerMetricsServer {
  /** `http://host:port` it listens on. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `registry` on `GET /metrics` to callers whose bearer token is `token` (the API's
 * `METRICS_TOKEN`: Prometheus scrapes the API and every worker with it); anything else is a 401.
 * A worker has no other route: it answers no request that could read a report.
 */
export async function serveWorkerMetrics(options: {
  registry: Registry;
  token: string;
  port: number;
  host?: string;
}): Promise<WorkerMetricsServer> {
  const app = Fastify({ logger: false });
  app.get("/metrics", async (request, reply) => {
    try {
      if (!sameSecret(bearerToken(request), options.token)) throw new Error("not the scrape token");
    } catch (error) {
      const reason = isDriftError(error)
        ? error.message
        : "The metrics scrape token is not the configured one.";
      return reply.code(401).header("www-authenticate", "Bearer").send({ error: reason });
    }
    reply.type(options.registry.contentType);
    return options.registry.metrics();
  });
  const url = await app.listen({ port: options.port, host: options.host ?? "0.0.0.0" });
  return { url, close: () => app.close() };
}
