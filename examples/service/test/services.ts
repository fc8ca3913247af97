import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { connectRedis, type RedisRole } from "../src/jobs/redis.js";

/** What a developer does when a server does not answer: the tests fail with this, never skip. */
export const START_THE_SERVERS =
  "start the test servers with `bash .ci/services` (`npm test` runs it first; it installs Debian's redis-server when missing), or set REDIS_URL to a Redis of yours";

/** The test Redis's URL, from .ci/services (through vitest.config.ts) or the developer's REDIS_URL. */
export function testRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error(`REDIS_URL is not set: ${START_THE_SERVERS}.`);
  return url;
}

const connections: Redis[] = [];

/** A connection to the test Redis that has answered PING; fails with how to start it otherwise. */
export async function connectTestRedis(role: RedisRole = "producer"): Promise<Redis> {
  const url = testRedisUrl();
  let redis: Redis;
  try {
    redis = await connectRedis(url, role);
  } catch (error) {
    throw new Error(`${(error as Error).message} — ${START_THE_SERVERS}.`);
  }
  connections.push(redis);
  return redis;
}

/** A queue prefix of its own per test, so tests sharing the Redis never see each other's jobs. */
export function testQueuePrefix(): string {
  return `azd-test-${process.pid}-${randomBytes(4).toString("hex")}`;
}

const prefixes: string[] = [];

/** Marks a prefix for {@link dropTestQueues}. */
export function usePrefix(prefix: string): string {
  prefixes.push(prefix);
  return prefix;
}

/** Deletes every key under the test prefixes and closes the test connections (an afterAll hook). */
export async function dropTestQueues(): Promise<void> {
  const redis = connections[0];
  if (redis) {
    for (const prefix of prefixes.splice(0)) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
    }
  }
  for (const connection of connections.splice(0)) connection.disconnect();
}

/** Polls `probe` until it answers a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
