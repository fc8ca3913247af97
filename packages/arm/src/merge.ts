/** Options of {@link mergeListings}. */
export interface MergeListingsOptions {
  /**
   * How many sources are read at once (default: all). Further sources are started, in order, as
   * running ones finish: a fan-out of one listing per parent (per firewall policy, per identity)
   * then holds a bounded number of open listings instead of one per parent.
   */
  concurrency?: number;
}

/**
 * Interleaves several async iterables, pulling from them at once and yielding items as they
 * arrive, so independent listings overlap their page requests (the limiter still bounds those).
 * At most one item per running source is buffered, so memory follows the pages in flight, not
 * the total. Sources are taken lazily from `sources`. If a source throws, the merge stops the
 * other running sources and rethrows.
 */
export async function* mergeListings<T>(
  sources: Iterable<AsyncIterable<T>>,
  options: MergeListingsOptions = {},
): AsyncIterable<T> {
  const concurrency = Math.max(1, options.concurrency ?? Number.POSITIVE_INFINITY);
  const upcoming = sources[Symbol.iterator]();
  const running = new Map<number, AsyncIterator<T>>();
  // Settled pulls in the order they settled. A queue, not `Promise.race` over the pending pulls: a
  // race per item costs O(sources) and adds a reaction to every still-pending pull each time, so a
  // slow source would pile up one reaction per item the others yield.
  const settled: { slot: number; result?: IteratorResult<T>; error?: unknown; failed?: true }[] = [];
  let wake: (() => void) | undefined;
  let nextSlot = 0;

  const pull = (slot: number, iterator: AsyncIterator<T>) => {
    running.set(slot, iterator);
    iterator.next().then(
      (result) => {
        settled.push({ slot, result });
        wake?.();
      },
      (error: unknown) => {
        settled.push({ slot, error, failed: true });
        wake?.();
      },
    );
  };
  const startMore = () => {
    while (running.size < concurrency) {
      const step = upcoming.next();
      if (step.done) return;
      pull(nextSlot++, step.value[Symbol.asyncIterator]());
    }
  };

  try {
    startMore();
    while (running.size > 0) {
      if (settled.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const { slot, result, error, failed } = settled.shift() as (typeof settled)[number];
      const iterator = running.get(slot);
      if (!iterator) continue;
      if (failed) {
        running.delete(slot);
        throw error;
      }
      if (!result || result.done) {
        running.delete(slot);
        startMore();
        continue;
      }
      pull(slot, iterator);
      yield result.value;
    }
  } finally {
    for (const iterator of running.values()) {
      // Queued behind the pending next(): ends the source once it settles. Not awaited, so a stuck source cannot hang us.
      iterator.return?.().catch(() => undefined);
    }
  }
}
