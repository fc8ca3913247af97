/**
 * Merges async iterables, running at most `concurrency` of them at a time and yielding items as they
 * arrive. Sources are started lazily, in order. The first error stops the merge and is rethrown; the
 * remaining sources are asked to return (their requests stop through the collector's AbortSignal).
 *
 * `@azure-drift/arm`'s `mergeListings` starts every source at once; a fan-out of one listing per
 * managed identity needs a bound, so this stays here until `mergeListings` takes one.
 */
export async function* mergeBounded<T>(
  sources: Iterable<() => AsyncIterable<T>>,
  concurrency = Number.POSITIVE_INFINITY,
): AsyncGenerator<T> {
  type Outcome = { slot: Slot; result?: IteratorResult<T>; error?: unknown; failed: boolean };
  interface Slot {
    iterator: AsyncIterator<T>;
    next: Promise<Outcome>;
  }
  const pending = sources[Symbol.iterator]();
  const active = new Set<Slot>();

  // A pull never rejects: an error is carried as an outcome, so no rejection goes unhandled.
  const pull = (slot: Slot): void => {
    slot.next = slot.iterator.next().then(
      (result) => ({ slot, result, failed: false }),
      (error: unknown) => ({ slot, error, failed: true }),
    );
  };
  const fill = (): void => {
    while (active.size < concurrency) {
      const source = pending.next();
      if (source.done) return;
      const slot = { iterator: source.value()[Symbol.asyncIterator]() } as Slot;
      pull(slot);
      active.add(slot);
    }
  };

  try {
    fill();
    while (active.size > 0) {
      const outcome = await Promise.race(Array.from(active, (slot) => slot.next));
      if (outcome.failed) {
        active.delete(outcome.slot);
        throw outcome.error;
      }
      if (outcome.result?.done) {
        active.delete(outcome.slot);
        fill();
        continue;
      }
      pull(outcome.slot);
      yield outcome.result?.value as T;
    }
  } finally {
    for (const slot of active) {
      // Not awaited: a source busy in a request finishes (or aborts) on its own.
      slot.iterator.return?.()?.catch(() => {});
    }
  }
}
