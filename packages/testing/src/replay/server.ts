import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { type ArmConnection, armConnection, type JsonObject } from "@azure-drift/core";
import type { Tenant } from "../tenant/tenant.js";
import { DEFAULT_API_VERSIONS } from "./api-versions.js";
import { createServerCertificate } from "./certificate.js";
import { type FaultDecision, FaultPlan, type ReplayFaults } from "./faults.js";
import { type RouteResult, routeRequest } from "./router.js";
import { TenantIndex } from "./tenant-index.js";

/** Options of {@link startArmReplayServer}. */
export interface ArmReplayServerOptions {
  /** The tenant to serve. The server reads it live: change it between collections to create drift. */
  tenant: Tenant;
  /** Items per list page before a `nextLink` (default 100; ARM's own page sizes vary). */
  pageSize?: number;
  /**
   * Time from a request to its response, in milliseconds (default 0): the server prepares the answer
   * at once and sends it when this much time has passed since the request arrived.
   */
  latencyMs?: number;
  /** Faults to inject; change them later with {@link ArmReplayServer.setFaults}. */
  faults?: ReplayFaults;
  /**
   * The only bearer token accepted; another one gets 401 `InvalidAuthenticationToken`. Without it,
   * any bearer token is accepted (a request without one still gets 401).
   */
  token?: string;
  /** Accepted api-versions per provider namespace (any case); a namespace given here replaces the default list. */
  apiVersions?: Record<string, readonly string[]>;
}

/** Counters of what the server answered. */
export interface ArmReplayStats {
  /** Every request received. */
  requests: number;
  /** Requests per route, e.g. `list microsoft.network/networksecuritygroups`, `get subscription`. */
  byRoute: Record<string, number>;
  /** Responses per status code (a dropped connection counts as `dropped`). */
  byStatus: Record<string, number>;
  /** List pages served successfully. */
  pages: number;
  /** 429 responses sent. */
  throttled: number;
  /** 500/503 responses injected. */
  serverErrors: number;
  /** Connections dropped mid-body. */
  dropped: number;
  /** Requests left unanswered (the `hang` fault). */
  hung: number;
  /**
   * Requests that arrived for another host than `127.0.0.1:<port>` (a followed `nextLinkHost` link),
   * and how many of them carried an `Authorization` header: a client must keep that at 0.
   */
  foreignHost: { requests: number; withAuthorization: number };
  /** Requests being answered right now, and the most at once. */
  inFlight: number;
  maxInFlight: number;
  /**
   * How late responses went out after their due time (arrival + latency), ms: the sum over all
   * responses and the worst one. Nonzero when the server itself was busy; a benchmark reads it to
   * tell the server's delays from the client's.
   */
  lateMs: { total: number; max: number };
}

/** A running ARM replay server. */
export interface ArmReplayServer {
  /** `https://127.0.0.1:<port>`: the ARM endpoint. */
  readonly url: string;
  /** The server's certificate (PEM): the CA clients must trust. */
  readonly ca: string;
  /** The tenant served, live. Assign another tenant to swap it whole. */
  tenant: Tenant;
  readonly stats: ArmReplayStats;
  /** The connection collectors take: endpoint = `url`, scope = `url/.default`, `ca`. */
  connection(): ArmConnection;
  /** Replaces the injected faults (and restarts their sequence). */
  setFaults(faults: ReplayFaults): void;
  /** Zeroes the counters. */
  resetStats(): void;
  /** Stops the server, dropping open connections. */
  close(): Promise<void>;
}

function emptyStats(): ArmReplayStats {
  return {
    requests: 0,
    byRoute: {},
    byStatus: {},
    pages: 0,
    throttled: 0,
    serverErrors: 0,
    dropped: 0,
    hung: 0,
    foreignHost: { requests: 0, withAuthorization: 0 },
    inFlight: 0,
    maxInFlight: 0,
    lateMs: { total: 0, max: 0 },
  };
}

/**
 * Starts an HTTPS server on 127.0.0.1 (a free port) that answers ARM read routes from a tenant:
 * subscriptions, resource groups, lists at any scope with `nextLink` paging, child collections,
 * GET by id, with `api-version` checks, ARM error bodies and injectable faults. Its certificate is
 * generated at start; hand {@link ArmReplayServer.ca} to clients (never disable TLS checks).
 */
export async function startArmReplayServer(options: ArmReplayServerOptions): Promise<ArmReplayServer> {
  const { key, cert } = await createServerCertificate();
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError("startArmReplayServer: pageSize must be a positive integer.");
  const apiVersions: Record<string, readonly string[]> = { ...DEFAULT_API_VERSIONS };
  for (const [namespace, versions] of Object.entries(options.apiVersions ?? {})) {
    apiVersions[namespace.toLowerCase()] = versions;
  }
  let tenant = options.tenant;
  let index = new TenantIndex(tenant);
  let plan = new FaultPlan(options.faults ?? {});
  let stats = emptyStats();
  let requestCount = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = "";

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /** A response ready to go: its body is serialized already, so sending it costs only the write. */
  type Reply = () => void;

  const reply = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): Reply => {
    const text = JSON.stringify(body);
    return () => {
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      response.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
        ...headers,
      });
      response.end(text);
    };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const arrived = performance.now();
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const requestId = `00000000-0000-4000-8000-${String(++requestCount).padStart(12, "0")}`;
    const common = { "x-ms-request-id": requestId, "x-ms-correlation-request-id": requestId };
    try {
      const ready = answer(request, response, common);
      // The latency is the time from request to response, the server's own work included (as with
      // ARM): the answer is prepared first and sent when the latency is up, so the server's CPU
      // does not stretch every request beyond the latency it was given.
      const latency = (options.latencyMs ?? 0) + (plan.faults.latencyMs ?? 0);
      const remaining = latency - (performance.now() - arrived);
      if (remaining > 0) await delay(remaining);
      const late = performance.now() - arrived - latency;
      if (late > 0) {
        stats.lateMs.total += late;
        stats.lateMs.max = Math.max(stats.lateMs.max, late);
      }
      ready();
    } catch (error) {
      if (!response.headersSent) {
        reply(
          response,
          500,
          { error: { code: "InternalServerError", message: `Replay server bug: ${String(error)}` } },
          common,
        )();
      }
    } finally {
      stats.inFlight--;
    }
  };

  const answer = (
    request: IncomingMessage,
    response: ServerResponse,
    common: Record<string, string>,
  ): Reply => {
    // ARM tolerates repeated slashes (SDKs build `/{scope}/providers/…` with a scope that starts with one);
    // collapse them so `//subscriptions/…` is not read as a host.
    const [rawPath = "/", rawQuery] = (request.url ?? "/").split(/\?(.*)/s, 2);
    const url = new URL(
      `${rawPath.replace(/\/{2,}/g, "/")}${rawQuery === undefined ? "" : `?${rawQuery}`}`,
      baseUrl,
    );
    const authorization = request.headers.authorization ?? "";
    if (request.headers.host !== new URL(baseUrl).host) {
      stats.foreignHost.requests++;
      if (authorization !== "") stats.foreignHost.withAuthorization++;
    }
    if (!/^Bearer\s+\S+/i.test(authorization)) {
      stats.byRoute.unauthorized = (stats.byRoute.unauthorized ?? 0) + 1;
      return reply(
        response,
        401,
        {
          error: {
            code: "AuthenticationFailed",
            message: "Authentication failed. The 'Authorization' header is missing.",
          },
        },
        common,
      );
    }
    if (options.token !== undefined && authorization.replace(/^Bearer\s+/i, "") !== options.token) {
      stats.byRoute.unauthorized = (stats.byRoute.unauthorized ?? 0) + 1;
      return reply(
        response,
        401,
        {
          error: { code: "InvalidAuthenticationToken", message: "The access token is invalid." },
        },
        common,
      );
    }
    const decision: FaultDecision = plan.decide(request.method ?? "GET", url.pathname + url.search);
    if (decision === "throttle") return throttle(response, common);
    if (decision === "server-error") {
      stats.serverErrors++;
      const status = stats.serverErrors % 2 ? 500 : 503;
      return reply(
        response,
        status,
        {
          error: {
            code: status === 500 ? "InternalServerError" : "ServiceUnavailable",
            message: "The server encountered an internal error. Please retry the request.",
          },
        },
        common,
      );
    }
    const result: RouteResult = routeRequest(
      {
        tenant,
        index,
        pageSize,
        baseUrl,
        apiVersions,
        forbidden: (subscriptionId, type, resourceKey) => plan.isForbidden(subscriptionId, type, resourceKey),
      },
      request.method ?? "GET",
      url,
    );
    stats.byRoute[result.route] = (stats.byRoute[result.route] ?? 0) + 1;
    const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(url.pathname)?.[1]?.toLowerCase();
    const type = result.route.startsWith("list ") ? result.route.slice(5) : undefined;
    if (plan.hangs(subscriptionId, type)) {
      // Never answered: no status line, the connection held open until one side closes it.
      return () => {
        stats.hung++;
      };
    }
    if (result.page && result.status === 200)
      linkFaults(result.body as JsonObject, url, subscriptionId, type);
    if (decision === "drop") return dropMidBody(response, result);
    const send = reply(response, result.status, result.body, {
      ...common,
      "x-ms-ratelimit-remaining-subscription-reads": "11999",
    });
    if (!result.page || result.status !== 200) return send;
    return () => {
      stats.pages++;
      send();
    };
  };

  /** The `nextLinkLoop` and `nextLinkHost` faults, applied to a list page before it is sent. */
  const linkFaults = (
    body: JsonObject,
    url: URL,
    subscriptionId: string | undefined,
    type: string | undefined,
  ): void => {
    if (plan.loops(subscriptionId, type)) body.nextLink = `${baseUrl}${url.pathname}${url.search}`;
    const host = plan.faults.nextLinkHost;
    if (host !== undefined && typeof body.nextLink === "string") {
      const link = new URL(body.nextLink);
      link.hostname = host;
      body.nextLink = link.toString();
    }
  };

  const throttle = (response: ServerResponse, common: Record<string, string>): Reply => {
    const headers: Record<string, string> = { ...common, "x-ms-ratelimit-remaining-subscription-reads": "0" };
    const retryAfter = plan.faults.retryAfter ?? 1;
    if (retryAfter !== "none") {
      headers["retry-after"] = String(retryAfter);
      if (plan.faults.retryAfterMs !== undefined) {
        headers["retry-after-ms"] = String(plan.faults.retryAfterMs);
        headers["x-ms-retry-after-ms"] = String(plan.faults.retryAfterMs);
      }
    }
    const send = reply(
      response,
      429,
      {
        error: {
          code: "TooManyRequests",
          message:
            "The request is being throttled as the limit has been reached for operation type - Read. Please retry after the time in the Retry-After header.",
        },
      },
      headers,
    );
    return () => {
      stats.throttled++;
      send();
    };
  };

  const dropMidBody = (response: ServerResponse, result: RouteResult): Reply => {
    const text = Buffer.from(JSON.stringify(result.body));
    return () => {
      stats.dropped++;
      stats.byStatus.dropped = (stats.byStatus.dropped ?? 0) + 1;
      response.writeHead(result.status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": text.length,
      });
      response.write(text.subarray(0, Math.max(1, Math.floor(text.length / 2))), () => {
        response.socket?.destroy();
      });
    };
  };

  const server: Server = createServer({ key, cert }, (request, response) => {
    void handle(request, response);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // TLS sockets are tracked separately from the raw TCP ones on the secure server.
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `https://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    ca: cert,
    get tenant() {
      return tenant;
    },
    set tenant(next: Tenant) {
      tenant = next;
      index = new TenantIndex(next);
    },
    get stats() {
      return stats;
    },
    connection: () => armConnection({ endpoint: baseUrl }, { ca: cert }),
    setFaults(faults: ReplayFaults) {
      plan = new FaultPlan(faults);
    },
    resetStats() {
      stats = { ...emptyStats(), inFlight: stats.inFlight };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
