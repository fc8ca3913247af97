/** Runs at most `concurrency` tasks at once; the rest wait in call order. */
export function createLimit(concurrency: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so `running` never overshoots.
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const handOver = waiting.shift();
      if (handOver) handOver();
      else running--;
    }
  };
}
