import type { FastifyBaseLogger } from "fastify";

/** One thing to close on shutdown, in order: the HTTP server first, the store last. */
export interface ShutdownStep {
  name: string;
  close(): Promise<unknown>;
}

/**
 * The shutdown a signal starts, at most once: each step closed in order (a failed step is logged
 * and the next still runs), the whole bounded by `timeoutMs`. Resolves to the exit code: 0 when
 * every step closed in time, 1 otherwise.
 *
 * With the Fastify app as the first step, `app.close()` stops accepting connections, answers 503
 * to requests on kept-alive ones, and waits for in-flight requests to finish.
 */
export function gracefulShutdown(
  steps: readonly ShutdownStep[],
  options: { timeoutMs: number; logger: FastifyBaseLogger },
): (signal: string) => Promise<number> {
  let running: Promise<number> | undefined;
  const closeAll = async (signal: string): Promise<number> => {
    options.logger.info({ signal, timeoutMs: options.timeoutMs }, "shutting down");
    let failed = false;
    for (const step of steps) {
      try {
        await step.close();
        options.logger.info({ step: step.name }, "closed");
      } catch (error) {
        failed = true;
        options.logger.error({ step: step.name, err: error }, "could not close");
      }
    }
    return failed ? 1 : 0;
  };
  return (signal) => {
    running ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          options.logger.error({ timeoutMs: options.timeoutMs }, "shutdown timed out");
          resolve(1);
        }, options.timeoutMs);
      });
      try {
        return await Promise.race([closeAll(signal), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    })();
    return running;
  };
}
