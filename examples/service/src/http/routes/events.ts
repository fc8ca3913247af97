import type { FastifyInstance } from "fastify";
import type { CheckJobs } from "../../contracts.js";
import { readEventGridDelivery } from "../event-grid.js";
import { queued } from "./checks.js";

/** Event Grid batches up to 1 MB; a little more leaves room for its framing. */
const DELIVERY_LIMIT_BYTES = 1_572_864;

/**
 * `POST /events/azure`: Azure Event Grid deliveries (Event Grid schema) from a subscription with
 * Microsoft Entra authentication. The handshake is answered with its code; resource write/delete
 * events become one targeted check per subscription, a deleted resource group a full check. A queue that does not take them is a 503,
 * so Event Grid retries the delivery.
 */
export function registerEventRoutes(app: FastifyInstance, jobs: CheckJobs): void {
  app.post(
    "/events/azure",
    {
      bodyLimit: DELIVERY_LIMIT_BYTES,
      // Not audited before it acts: a delivery whose entry cannot be written gets a 503 and Event
      // Grid delivers it again, and the checks it queues are debounced, so a retry costs nothing.
      config: { access: "events", audit: { action: "events.deliver" } },
    },
    async (request, reply) => {
      const delivery = readEventGridDelivery(request.body);
      if (delivery.kind === "validation") {
        request.auditTarget = { handshake: true };
        return reply.send({ validationResponse: delivery.validationCode });
      }
      request.auditTarget = {
        events: delivery.events,
        ignored: delivery.ignored,
        checks: delivery.checks.map((check) => ({ ...check.target, resourceIds: check.resourceIds })),
        fullChecks: delivery.fullChecks,
      };
      for (const check of delivery.checks) {
        await queued(() => jobs.checkResources(check.target, check.resourceIds));
      }
      for (const target of delivery.fullChecks) await queued(() => jobs.checkNow(target));
      return reply.send({
        checks: delivery.checks.length,
        resources: delivery.checks.reduce((sum, check) => sum + check.resourceIds.length, 0),
        fullChecks: delivery.fullChecks.length,
        ignored: delivery.ignored,
      });
    },
  );
}
