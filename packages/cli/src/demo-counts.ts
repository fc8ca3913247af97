import type { Collector, SnapshotMeta } from "@azure-drift/core";

/**
 * The domains the collectors watch, each once, in the order the collectors run:
 * `6 domains: network, identity, security, encryption, backup and governance`. Taken from each
 * collector's `domain`, so a new built-in collector shows up without a word changed here.
 */
export function describeDomains(collectors: readonly Pick<Collector, "domain">[]): string {
  const domains = [...new Set(collectors.map((collector) => collector.domain))];
  const list =
    domains.length < 2 ? (domains[0] ?? "") : `${domains.slice(0, -1).join(", ")} and ${domains.at(-1)}`;
  return `${domains.length} ${domains.length === 1 ? "domain" : "domains"}: ${list}`;
}

/**
 * What the demo tenant serves, against what the collectors read: `42 ARM resources; the collectors
 * (network, identity) read 38 of them; the other 4 are 2 Microsoft.Storage/storageAccounts, …`.
 * Types are compared case-insensitively, as ARM does.
 */
export function describeServed(
  resources: Iterable<{ type?: unknown }>,
  collectors: readonly Collector[],
): string {
  const read = new Set(
    collectors.flatMap((collector) => collector.types.map((type) => type.type.toLowerCase())),
  );
  const unread = new Map<string, number>();
  let total = 0;
  for (const resource of resources) {
    total++;
    const type = String(resource.type ?? "");
    if (!read.has(type.toLowerCase())) unread.set(type, (unread.get(type) ?? 0) + 1);
  }
  const unreadCount = [...unread.values()].reduce((sum, count) => sum + count, 0);
  const names = collectors.map((collector) => collector.name).join(", ");
  const served = `${total} ARM resources; its collectors (${names}) read ${total - unreadCount} of them`;
  if (unreadCount === 0) return `${served}.`;
  const kinds = [...unread].map(([type, count]) => `${count} ${type}`).join(", ");
  const rest =
    unreadCount === 1
      ? "the other one is of a type none of them reads"
      : `the other ${unreadCount} are of types none of them reads`;
  return `${served}; ${rest} (${kinds})`;
}

/** `35 records (network 15, identity 20)`: a snapshot's records, per collector over its subscriptions. */
export function describeRecords(snapshot: SnapshotMeta): string {
  const perCollector = new Map<string, number>();
  for (const run of snapshot.collectors)
    perCollector.set(run.name, (perCollector.get(run.name) ?? 0) + run.records);
  const parts = [...perCollector].map(([name, records]) => `${name} ${records}`).join(", ");
  return `${snapshot.resourceCount} records (${parts})`;
}
