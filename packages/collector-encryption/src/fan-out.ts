import { mergeListings } from "@azure-drift/arm";
import type { CollectorContext, JsonObject } from "@azure-drift/core";

/** Where a listed parent is: its resource group and the names on its id's path, outermost first. */
export interface ParentLocation {
  id: string;
  resourceGroup: string;
  /** `[server]` for a server, `[server, database]` for a database. */
  names: string[];
}

/** The resource group and resource names of an ARM id below a resource group (undefined otherwise). */
export function locate(id: unknown): ParentLocation | undefined {
  if (typeof id !== "string") return undefined;
  const segments = id.split("/");
  const group = segments.findIndex((segment) => segment.toLowerCase() === "resourcegroups");
  const providers = segments.findIndex((segment) => segment.toLowerCase() === "providers");
  const resourceGroup = segments[group + 1];
  if (group < 0 || providers < 0 || !resourceGroup) return undefined;
  // After `providers/{namespace}`: type/name pairs.
  const names = segments.slice(providers + 2).filter((_, i) => i % 2 === 1);
  if (names.length === 0 || names.some((name) => name === "")) return undefined;
  return { id, resourceGroup: decodeURIComponent(resourceGroup), names: names.map(decodeURIComponent) };
}

/** How to reach children through a listing of their parents. */
export interface FanOut {
  /** The parents' ARM type, for the reasons given when they cannot all be listed. */
  parentType: string;
  /** The parents' listing, given a context whose coverage reports come back here. */
  listParents: (context: CollectorContext) => AsyncIterable<JsonObject>;
  /** Yield the parents too (and report their coverage): they are this collector's own type. */
  yieldParents: boolean;
  /** This collector's types found through these parents: incomplete when the parents are. */
  childTypes: readonly string[];
  /** The children of one parent (nothing when the parent's id has no resource group). */
  listChildren: (parent: ParentLocation) => AsyncIterable<JsonObject>;
  /** How many parents' listings run at once (each request still waits for the shared limiter). */
  concurrency: number;
}

/**
 * Lists the parents, then the children of each parent, a few parents at a time. If the parents
 * cannot all be listed, every child type is reported incomplete (its records are then never
 * reported removed); a parent type this collector does not emit is never reported itself.
 */
export async function* parentsThenChildren(
  context: CollectorContext,
  fanOut: FanOut,
): AsyncIterable<JsonObject> {
  const parents: ParentLocation[] = [];
  let parentsIncomplete: string | undefined;
  const tracking: CollectorContext = {
    ...context,
    coverage: {
      incomplete(type, reason) {
        parentsIncomplete ??= reason;
        if (fanOut.yieldParents) context.coverage.incomplete(type, reason);
      },
    },
  };
  for await (const parent of fanOut.listParents(tracking)) {
    const location = locate(parent.id);
    if (location) parents.push(location);
    else
      parentsIncomplete ??= `the id ${String(parent.id)} names no resource group and name to list its children`;
    if (fanOut.yieldParents) yield parent;
  }
  if (parentsIncomplete !== undefined) {
    for (const type of fanOut.childTypes) {
      context.coverage.incomplete(
        type,
        `${type} is listed per ${fanOut.parentType}, and those could not all be listed: ${parentsIncomplete}`,
      );
    }
  }
  if (fanOut.childTypes.length === 0) return;
  yield* mergeListings(
    parents.map((parent) => fanOut.listChildren(parent)),
    { concurrency: fanOut.concurrency },
  );
}
