import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuditEntry, AuditOutcome, AuditSink } from "./audit.js";

/**
 * Writes the audit log from two hooks, so no route can forget it: before a changing call acts
 * (`attempted`), and as every audited answer leaves, with its outcome. Failing closed: when an
 * entry cannot be written the caller gets a 503 instead of the data (a report is a map of the
 * estate's weaknesses: none leaves without a trace), and a change is not attempted at all.
 * Callers without a verified token (401s) are in the request log, not the audit log.
 */
export function registerAuditTrail(app: FastifyInstance, sink: AuditSink, now: () => Date): void {
  app.addHook("preHandler", async (request) => {
    const route = request.routeOptions.config.audit;
    if (!route?.mutation || !request.principal) return;
    await sink.write(entryOf(request, "attempted", now()));
  });

  app.addHook("onSend", async (request, reply, payload) => {
    if (!request.routeOptions.config.audit || !request.principal) return payload;
    try {
      await sink.write(entryOf(request, outcomeOf(reply.statusCode), now(), reply.statusCode));
      return payload;
    } catch (error) {
      request.log.error({ err: error }, "audit entry not written; the answer is withheld");
      return withheld(reply, reply.statusCode < 300 && request.routeOptions.config.audit.mutation === true);
    }
  });
}

function withheld(reply: FastifyReply, done: boolean): string {
  reply.code(503).type("application/json; charset=utf-8");
  return JSON.stringify({
    error: {
      code: "E_STORE",
      message: done
        ? "The change was made, but its outcome could not be written to the audit log (its attempt was); the service log has the details."
        : "The audit log cannot be written, so nothing is answered; try again when the store is back.",
    },
  });
}

function outcomeOf(status: number): AuditOutcome {
  if (status < 300) return "succeeded";
  if (status === 401 || status === 403) return "denied";
  if (status === 404) return "not-found";
  if (status < 500) return "rejected";
  return "failed";
}

function entryOf(request: FastifyRequest, outcome: AuditOutcome, at: Date, status?: number): AuditEntry {
  const route = request.routeOptions.config.audit!;
  const { tenantId, ...params } = (request.params ?? {}) as Record<string, string>;
  const query = (request.query ?? {}) as Record<string, unknown>;
  const target: Record<string, unknown> = { ...params };
  for (const name of route.query ?? []) if (query[name] !== undefined) target[name] = query[name];
  Object.assign(target, request.auditTarget);
  const userAgent = request.headers["user-agent"];
  return {
    at,
    action: route.action,
    outcome,
    ...(status === undefined ? {} : { status }),
    actor: { ...request.principal! },
    ...(tenantId ? { tenantId } : {}),
    target,
    request: {
      ip: request.ip,
      method: request.method,
      route: request.routeOptions.url ?? request.url,
      requestId: String(request.id),
      ...(userAgent ? { userAgent } : {}),
    },
  };
}
