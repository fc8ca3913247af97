import type { FastifyInstance } from "fastify";

/**
 * `/healthz`: the process answers. `/readyz`: the store answers too (so a load balancer sends
 * nothing to an instance that could only fail), within `timeoutMs`.
 */
export function registerProbes(
  app: FastifyInstance,
  storeAnswers: () => Promise<void>,
  timeoutMs: number,
): void {
  app.get("/healthz", { config: { access: "public" } }, async () => ({ status: "ok" }));

  app.get("/readyz", { config: { access: "public" } }, async (request, reply) => {
    try {
      await withTimeout(storeAnswers(), timeoutMs);
      return { status: "ready" };
    } catch (error) {
      request.log.warn({ err: error }, "not ready: the store does not answer");
      return reply.code(503).send({ status: "unavailable", reason: "the store does not answer" });
    }
  });
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
