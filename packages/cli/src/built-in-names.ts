/**
 * The names `--collector` takes for the built-in collectors, in the order they run. Kept apart from
 * `collectors.ts` so help texts can list them without loading any collector.
 */
export const BUILT_IN_COLLECTOR_NAMES = [
  "network",
  "identity",
  "security",
  "encryption",
  "backup",
  "governance",
] as const;

/** A built-in collector's name. */
export type BuiltInCollectorName = (typeof BUILT_IN_COLLECTOR_NAMES)[number];
