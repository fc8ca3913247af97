import { acceptBaselinePartially, createTypeRegistry, type Store } from "@azure-drift/core";
import { defaultCollectors } from "../collectors.js";
import type { CommandContext } from "../command-context.js";

/** `baseline accept NAME --only GLOB`: accepts part of the drift, prints what it did as JSON. */
export async function acceptOnly(
  context: CommandContext,
  store: Store,
  tenantId: string,
  name: string,
  options: { only: string[]; snapshot?: string; note?: string },
): Promise<void> {
  const registry = createTypeRegistry(defaultCollectors().flatMap((collector) => collector.types));
  const result = await acceptBaselinePartially(store, tenantId, name, {
    only: options.only,
    registry,
    ...(options.snapshot ? { snapshotId: options.snapshot } : {}),
    ...(options.note ? { note: options.note } : {}),
    ...(context.io.signal ? { signal: context.io.signal } : {}),
  });
  context.io.stdout.write(
    `${JSON.stringify({ ...result.baseline, accepted: result.accepted, remaining: result.remaining }, null, 2)}\n`,
  );
}
