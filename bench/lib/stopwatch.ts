/** A stopwatch of wall and CPU time (CPU: user + system of every thread, GC helpers included). */
export function stopwatch(): () => { ms: number; cpuMs: number } {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  };
}
