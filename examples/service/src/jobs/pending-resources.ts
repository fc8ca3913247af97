import type { Redis } from "ioredis";
import type { CheckTarget } from "../contracts.js";

/**
 * The resources events named in one subscription and no targeted check has read yet, kept in Redis
 * beside the queue: a hash per subscription, one field per resource (its lower-cased id, since ARM
 * ids are case-insensitive), so a burst of events on one resource leaves one entry, and the one
 * delayed targeted-check job of the subscription (BullMQ deduplication) reads them all at once.
 * BullMQ's own debounce keeps the last job's data only; this keeps every resource of the window.
 *
 * A job moves the pending entries to an in-flight hash and deletes it only when its check is saved:
 * a job whose worker died, or that failed, leaves them there for the retry (or the next job).
 */
export class PendingResources {
  constructor(
    private readonly redis: Redis,
    /** The queue's key prefix, so two queues on one Redis keep their own. */
    private readonly prefix: string,
  ) {}

  private keys(target: CheckTarget): [pending: string, inFlight: string] {
    const base = `${this.prefix}:targeted:${target.tenantId}:${target.subscriptionId}`;
    return [`${base}:pending`, `${base}:in-flight`];
  }

  /** Adds resources to the subscription's pending set (the latest spelling of an id wins). */
  async add(target: CheckTarget, resourceIds: readonly string[]): Promise<void> {
    if (resourceIds.length === 0) return;
    const [pending] = this.keys(target);
    await this.redis.hset(pending, Object.fromEntries(resourceIds.map((id) => [id.toLowerCase(), id])));
  }

  /**
   * Moves the pending resources into the in-flight set (atomically: an event that arrives meanwhile
   * lands in the pending set for the next job) and answers everything in flight: what this job reads.
   */
  async take(target: CheckTarget): Promise<string[]> {
    const [pending, inFlight] = this.keys(target);
    const ids = (await this.redis.eval(TAKE_SCRIPT, 2, pending, inFlight)) as string[];
    return ids.sort();
  }

  /** Forgets the in-flight resources once their check is saved. */
  async settle(target: CheckTarget): Promise<void> {
    const [, inFlight] = this.keys(target);
    await this.redis.del(inFlight);
  }

  /** How many resources wait for a check (tests and metrics). */
  async count(target: CheckTarget): Promise<{ pending: number; inFlight: number }> {
    const [pending, inFlight] = this.keys(target);
    const [waiting, taken] = await Promise.all([this.redis.hlen(pending), this.redis.hlen(inFlight)]);
    return { pending: waiting, inFlight: taken };
  }
}

// KEYS[1] pending, KEYS[2] in-flight. Merges the pending hash into the in-flight one, deletes it,
// and returns the in-flight ids (their latest spelling).
const TAKE_SCRIPT = `
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  redis.call('HSET', KEYS[2], entries[i], entries[i + 1])
end
redis.call('DEL', KEYS[1])
return redis.call('HVALS', KEYS[2])
`;
