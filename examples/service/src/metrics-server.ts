import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { sameSecret } from "./http/access.js";
import type { ServiceMetrics } from "./metrics.js";

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  metrics: ServiceMetrics;
  /** The scrape token (`METRICS_TOKEN`): scrapes without it get a 401. */
  token: string;
  /** Default `0.0.0.0`. */
  host?: string;
  /** Default 9464 (Prometheus' registry of exporter ports); 0 picks a free one. */
  port?: number;
}

/** A listening metrics server. */
export interface MetricsServer {
  /** `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` for a process without an HTTP API of its own (a worker), with the same
 * scrape-token rule as the API's `/metrics`. Anything else is a 404.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry } = options.metrics;
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    const header = request.headers.authorization ?? "";
    const token = /^Bearer +(\S+) *$/i.exec(header)?.[1] ?? "";
    if (!sameSecret(token, options.token)) {
      response.writeHead(401, { "www-authenticate": 'Bearer realm="azure-drift"' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        response
          .writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" })
          .end(text);
      },
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 9464, options.host ?? "0.0.0.0", resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
