import { DriftError, isDriftError } from "@azure-drift/core";
import type { FastifyInstance } from "fastify";
import type { CheckJobs } from "../../contracts.js";
import { SUBSCRIPTION_ID, TENANT_ID } from "./params.js";

/** `POST /tenants/:tenantId/subscriptions/:subscriptionId/checks`: queue a full check now. */
export function registerCheckRoutes(app: FastifyInstance, jobs: CheckJobs): void {
  app.post<{ Params: { tenantId: string; subscriptionId: string } }>(
    "/tenants/:tenantId/subscriptions/:subscriptionId/checks",
    {
      config: { access: "check", audit: { action: "check.trigger", mutation: true } },
      schema: {
        params: {
          type: "object",
          required: ["tenantId", "subscriptionId"],
          properties: { tenantId: TENANT_ID, subscriptionId: SUBSCRIPTION_ID },
        },
      },
    },
    async (request, reply) => {
      const { tenantId, subscriptionId } = request.params;
      const { jobId } = await queued(() =>
        jobs.checkNow({ tenantId, subscriptionId: subscriptionId.toLowerCase() }),
      );
      request.auditTarget = { jobId };
      return reply.code(202).send({ jobId });
    },
  );
}

/** A queue that does not take a job (Redis away) is a 503 to try again, not an internal error. */
export async function queued<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isDriftError(error)) throw error;
    throw new DriftError(
      "E_NETWORK",
      `The job queue did not take the check (${(error as Error).message}); try again.`,
      {
        cause: error,
      },
    );
  }
}
