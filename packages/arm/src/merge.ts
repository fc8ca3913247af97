/**
 * Interleaves several async iterables, pulling from all of them at once and yielding items as they
 * arrive, so independent listings overlap their page requests (the limiter still bounds them).
 * At most one item per source is buffered, so memory follows the pages in flight, not the total.
 * If a source throws, the merge stops the other sources and rethrows.
 */
export async function* mergeListings<T>(sources: Iterable<AsyncIterable<T>>): AsyncIterable<T> {
  const iterators = [...sources].map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const iterator = iterators[index] as AsyncIterator<T>;
    const next = iterator.next().then((result) => ({ index, result }));
    // A source that fails after the merge stopped listening must not become an unhandled rejection.
    next.catch(() => undefined);
    pending.set(index, next);
  };
  for (let index = 0; index < iterators.length; index++) pull(index);
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    for (const index of pending.keys()) {
      // Queued behind the pending next(): ends the source once it settles. Not awaited, so a stuck source cannot hang us.
      iterators[index]?.return?.().catch(() => undefined);
    }
  }
}
