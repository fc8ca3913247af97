/** Wall and CPU time of one measured operation, in milliseconds. */
export interface Timing {
  ms: number;
  cpuMs: number;
}

/** A stopwatch of wall and CPU time (CPU: user + system of every thread, GC helpers included). */
export function stopwatch(): () => Timing {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  };
}

/**
 * Collects garbage now when the process runs with `--expose-gc` (bench children that compare
 * reads do), so that no measured operation pays for the garbage the one before it left.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
