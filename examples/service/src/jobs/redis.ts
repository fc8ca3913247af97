import { DriftError } from "@azure-drift/core";
import { Redis } from "ioredis";

/** Who is connecting: a worker must wait out a Redis restart; a producer (the HTTP API) must fail fast. */
export type RedisRole = "worker" | "producer";

/** A Redis URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)[^@/]*@/i, "$1***@");
}

/**
 * Opens an ioredis connection to `url` (`redis://[user:password@]host:port[/db]`, `rediss://` for
 * TLS) and waits until Redis answers `PING`.
 *
 * A worker's connection retries every command until Redis is back (BullMQ requires
 * `maxRetriesPerRequest: null` for workers); a producer's gives up on a command after one
 * reconnection attempt, so an HTTP request that queues a check fails with an error instead of hanging.
 *
 * @throws DriftError `E_INPUT` for a URL that is not a Redis URL; `E_NETWORK` when Redis does not
 * answer within `timeoutMs` (default 5 s).
 */
export async function connectRedis(
  url: string,
  role: RedisRole,
  options: { timeoutMs?: number } = {},
): Promise<Redis> {
  if (typeof url !== "string" || !/^rediss?:\/\//i.test(url)) {
    throw new DriftError(
      "E_INPUT",
      `Not a Redis URL: ${JSON.stringify(typeof url === "string" ? redactRedisUrl(url) : url)}. Set REDIS_URL to redis://host:6379 (rediss:// for TLS).`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: role === "worker" ? null : 1,
    enableOfflineQueue: true,
  });
  // ioredis reports connection errors as events and reconnects by itself; the answer to PING below
  // (or its absence) is what tells the caller whether Redis is there.
  redis.on("error", () => {});
  try {
    await withTimeout(
      redis.connect().then(() => redis.ping()),
      timeoutMs,
    );
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new DriftError(
      "E_NETWORK",
      `Redis at ${redactRedisUrl(url)} does not answer (${(error as Error).message}): start it, or point REDIS_URL at a Redis that runs.`,
      { cause: error },
    );
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
