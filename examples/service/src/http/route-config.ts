import type { RoleNames } from "../config.js";
import type { AuditAction } from "./audit.js";
import type { Principal } from "./tokens.js";

/**
 * Who may call a route: anyone (the probes), Prometheus with the scrape token, or a caller whose
 * token carries the named role. Routes without an `access` are refused: nothing is open by default.
 */
export type Access = "public" | "metrics" | keyof RoleNames;

/** How a route's calls are written to the audit log. */
export interface AuditRoute {
  action: AuditAction;
  /** Calls that change something are audited before they act as well as after. */
  mutation?: boolean;
  /** Query parameters that name what was read (e.g. `subscription`, `id`). */
  query?: string[];
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
    audit?: AuditRoute;
  }
  interface FastifyRequest {
    /** The verified caller; set by the access hook on every route that is not public. */
    principal: Principal | null;
    /** Ids a handler resolved (a report id, a job id…) for the audit entry. */
    auditTarget: Record<string, unknown> | null;
  }
}
