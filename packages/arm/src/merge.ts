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
  const running = new Map<
    number,
    { iterator: AsyncIterator<T>; next: Promise<{ slot: number; result: IteratorResult<T> }> }
  >();
  let nextSlot = 0;

  const pull = (slot: number, iterator: AsyncIterator<T>) => {
    const next = iterator.next().then((result) => ({ slot, result }));
    // A source that fails after the merge stopped listening must not become an unhandled rejection.
    next.catch(() => undefined);
    running.set(slot, { iterator, next });
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
      const { slot, result } = await Promise.race([...running.values()].map((entry) => entry.next));
      const entry = running.get(slot);
      if (!entry) continue;
      if (result.done) {
        running.delete(slot);
        startMore();
        continue;
      }
      pull(slot, entry.iterator);
      yield result.value;
    }
  } finally {
    for (const { iterator } of running.values()) {
      // Queued behind the pending next(): ends the source once it settles. Not awaited, so a stuck source cannot hang us.
      iterator.return?.().catch(() => undefined);
    }
  }
}
