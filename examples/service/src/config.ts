import { DriftError } from "@azure-drift/core";
import { z } from "zod";
import type { CheckTarget } from "./contracts.js";

/** Who may do what: the role (as the token's roles claim carries it) each kind of call needs. */
export interface RoleNames {
  /** Read reports, snapshots and resource histories. */
  read: string;
  /** Accept a baseline. */
  baseline: string;
  /** Trigger a check. */
  check: string;
  /** Deliver Azure Event Grid events (the role assigned to Event Grid's service principal). */
  events: string;
}

/** How bearer tokens are validated. */
export interface OidcConfig {
  /** The issuer exactly as tokens name it in `iss`, e.g. `https://login.microsoftonline.com/<tid>/v2.0`. */
  issuer: string;
  /** Accepted `aud` values: the API's application id URI and/or client id. */
  audiences: string[];
  /** The JWKS; default: `jwks_uri` of the issuer's discovery document. */
  jwksUri?: string;
  /** Accepted signing algorithms; never `none`, never a symmetric one. */
  algorithms: string[];
  /** The claim that holds the caller's roles (Entra app roles: `roles`). */
  rolesClaim: string;
  /** Clock skew tolerated on `exp`/`nbf`, in seconds. */
  clockToleranceSec: number;
}

/** The Event Grid endpoint's own token rules (deliveries carry an Entra token for your app). */
export interface EventGridConfig {
  /** Accepted `aud` values of delivery tokens; default: the API's audiences. */
  audiences: string[];
  /** When set, only tokens whose `appid`/`azp` is one of these (Event Grid's application id). */
  appIds: string[];
}

/** The HTTP service's configuration, from environment variables (see the README's table). */
export interface ServiceConfig {
  host: string;
  port: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  mongodbUri: string;
  mongodbDatabase?: string;
  redisUrl: string;
  /** Key prefix of the BullMQ queue in Redis: the API and the workers must agree on it. */
  queuePrefix: string;
  /** The subscriptions checked on a schedule (upserted at start: replicas agree). */
  schedule: CheckTarget[];
  /** How often each is checked, in ms (3 h by default). */
  scheduleEveryMs: number;
  oidc: OidcConfig;
  roles: RoleNames;
  eventGrid: EventGridConfig;
  /** The static bearer token Prometheus scrapes `/metrics` with; unset: `/metrics` is not served. */
  metricsToken?: string;
  /** Proxies whose `X-Forwarded-For` is believed (addresses or CIDRs); empty: none is. */
  trustedProxies: string[];
  /** How long shutdown waits for in-flight requests before giving up, in ms. */
  shutdownTimeoutMs: number;
  /** The MongoDB collection the audit log is written to. */
  auditCollection: string;
}

const SYMMETRIC_OR_NONE = /^(none|HS\d+)$/i;

/** Keys fetched over plain HTTP could be swapped on the way: only a local test issuer may use it. */
const httpsOrLoopback = (value: string) => {
  const url = new URL(value);
  return url.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
};
const HTTPS_ONLY = "must be https:// (plain http only for a local test issuer on localhost)";

const list = (fallback?: string) =>
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? fallback ?? "")
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    );

const environment = z.object({
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://"),
  MONGODB_DATABASE: z.string().optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
    .default("redis://127.0.0.1:6379"),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9:_-]{0,63}$/)
    .default("azure-drift"),
  SCHEDULE: list().pipe(
    z.array(
      z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\/[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/,
          "each entry is <tenant id>/<subscription id>",
        ),
    ),
  ),
  SCHEDULE_EVERY_MINUTES: z.coerce.number().int().min(5).max(10_080).default(180),
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).refine(httpsOrLoopback, HTTPS_ONLY),
  OIDC_AUDIENCE: list().pipe(z.array(z.string()).min(1, "name at least one audience")),
  OIDC_JWKS_URI: z
    .url({ protocol: /^https?$/ })
    .refine(httpsOrLoopback, HTTPS_ONLY)
    .optional(),
  OIDC_ALGORITHMS: list("RS256").pipe(
    z.array(z.string().refine((alg) => !SYMMETRIC_OR_NONE.test(alg), "none and HS* are not accepted")).min(1),
  ),
  OIDC_ROLES_CLAIM: z.string().min(1).default("roles"),
  OIDC_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  ROLE_READ: z.string().min(1).default("Drift.Read"),
  ROLE_BASELINE: z.string().min(1).default("Drift.Baseline"),
  ROLE_CHECK: z.string().min(1).default("Drift.Check"),
  ROLE_EVENTS: z.string().min(1).default("AzureEventGridSecureWebhookSubscriber"),
  EVENTGRID_AUDIENCE: list(),
  EVENTGRID_APP_IDS: list(),
  METRICS_TOKEN: z.string().min(32, "use at least 32 random characters").optional(),
  TRUSTED_PROXIES: list(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  AUDIT_COLLECTION: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)
    .default("audit"),
});

/**
 * Reads the service's configuration from environment variables.
 *
 * @throws DriftError `E_INPUT` naming every variable that is missing or wrong (values are never
 *   echoed: some are secrets).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new DriftError(
      "E_INPUT",
      `The service's environment is incomplete or wrong (see examples/service/README.md): ${problems.join("; ")}.`,
    );
  }
  const vars = parsed.data;
  return {
    host: vars.HOST,
    port: vars.PORT,
    logLevel: vars.LOG_LEVEL,
    mongodbUri: vars.MONGODB_URI,
    ...(vars.MONGODB_DATABASE ? { mongodbDatabase: vars.MONGODB_DATABASE } : {}),
    redisUrl: vars.REDIS_URL,
    queuePrefix: vars.QUEUE_PREFIX,
    schedule: vars.SCHEDULE.map((entry) => {
      const [tenantId, subscriptionId] = entry.split("/") as [string, string];
      // A GUID tenant lower-cased, as the CLI and Event Grid give it (the store keys it as given).
      return {
        tenantId: /^[0-9a-f-]{36}$/i.test(tenantId) ? tenantId.toLowerCase() : tenantId,
        subscriptionId: subscriptionId.toLowerCase(),
      };
    }),
    scheduleEveryMs: vars.SCHEDULE_EVERY_MINUTES * 60_000,
    oidc: {
      issuer: vars.OIDC_ISSUER,
      audiences: vars.OIDC_AUDIENCE,
      ...(vars.OIDC_JWKS_URI ? { jwksUri: vars.OIDC_JWKS_URI } : {}),
      algorithms: vars.OIDC_ALGORITHMS,
      rolesClaim: vars.OIDC_ROLES_CLAIM,
      clockToleranceSec: vars.OIDC_CLOCK_TOLERANCE_SECONDS,
    },
    roles: {
      read: vars.ROLE_READ,
      baseline: vars.ROLE_BASELINE,
      check: vars.ROLE_CHECK,
      events: vars.ROLE_EVENTS,
    },
    eventGrid: {
      audiences: vars.EVENTGRID_AUDIENCE.length > 0 ? vars.EVENTGRID_AUDIENCE : vars.OIDC_AUDIENCE,
      appIds: vars.EVENTGRID_APP_IDS,
    },
    ...(vars.METRICS_TOKEN ? { metricsToken: vars.METRICS_TOKEN } : {}),
    trustedProxies: vars.TRUSTED_PROXIES,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    auditCollection: vars.AUDIT_COLLECTION,
  };
}
