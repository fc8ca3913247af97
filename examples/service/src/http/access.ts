import { createHash, timingSafeEqual } from "node:crypto";
import { DriftError } from "@azure-drift/core";
import type { FastifyRequest, onRequestHookHandler } from "fastify";
import type { EventGridConfig, RoleNames } from "../config.js";
import type { TokenVerifier } from "./tokens.js";

/** What the access hook checks tokens and roles with. */
export interface AccessOptions {
  verifier: TokenVerifier;
  roles: RoleNames;
  eventGrid: EventGridConfig;
  /** The static token Prometheus scrapes with; unset: `/metrics` is refused to everyone. */
  metricsToken?: string;
}

// RFC 6750 §2.1's b64token, as one credential after the scheme.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The hook that runs first on every request: public routes pass, `/metrics` needs the scrape
 * token, everything else a verified bearer token with the route's role (and, for Event Grid
 * deliveries, its audience and application). It runs before the body is read, so an
 * unauthenticated caller costs no parsing.
 */
export function accessHook(options: AccessOptions): onRequestHookHandler {
  return async (request) => {
    request.principal = null;
    request.auditTarget = null;
    const access = request.routeOptions.config.access;
    if (access === "public" || request.is404) return;
    const token = bearerToken(request);
    if (access === "metrics") {
      if (!options.metricsToken || !sameSecret(token, options.metricsToken)) {
        throw new DriftError("E_AUTH", "The metrics scrape token is not the configured one.", {
          details: { reason: "invalid" },
        });
      }
      return;
    }
    if (access === undefined) {
      throw new DriftError("E_AUTH", "This route declares no access rule, so nobody may call it.", {
        details: { reason: "forbidden" },
      });
    }
    const events = access === "events";
    const principal = await options.verifier.verify(token, events ? options.eventGrid.audiences : undefined);
    request.principal = principal;
    const role = options.roles[access];
    const tenantId = (request.params as { tenantId?: unknown }).tenantId;
    if (!holdsRole(principal.roles, role, typeof tenantId === "string" ? tenantId : undefined)) {
      throw new DriftError(
        "E_AUTH",
        typeof tenantId === "string"
          ? `This call needs the role ${role} (or ${role}.${tenantId} for this tenant only); ask an administrator to assign it to you (an app role of the API's app registration).`
          : `This call needs the role ${role}; ask an administrator to assign it to you (an app role of the API's app registration).`,
        { details: { reason: "forbidden" } },
      );
    }
    const apps = options.eventGrid.appIds;
    if (events && apps.length > 0 && !apps.includes(principal.appId ?? "")) {
      throw new DriftError(
        "E_AUTH",
        "Event deliveries are accepted from the configured Event Grid application only.",
        {
          details: { reason: "forbidden" },
        },
      );
    }
  };
}

/**
 * `Drift.Read` grants every tenant; `Drift.Read.<tenant id>` only that one, so a service shared by
 * several customers gives each customer's people their own tenant and nothing else.
 */
function holdsRole(roles: readonly string[], role: string, tenantId: string | undefined): boolean {
  if (roles.includes(role)) return true;
  if (tenantId === undefined) return false;
  const scoped = `${role}.${tenantId}`.toLowerCase();
  return roles.some((held) => held.toLowerCase() === scoped);
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === "string" ? BEARER.exec(header) : null;
  if (!match) {
    throw new DriftError(
      "E_AUTH",
      header === undefined
        ? "Send an OAuth 2.0 bearer token: Authorization: Bearer <access token>."
        : "The Authorization header is not one bearer token (Authorization: Bearer <access token>).",
      { details: { reason: header === undefined ? "missing" : "invalid" } },
    );
  }
  return match[1]!;
}

/** Compares without leaking, through timing, how much of a guess was right. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
