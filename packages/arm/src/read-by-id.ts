import type { JsonObject, ReadResourcesContext } from "@azure-drift/core";
import { parseResourceId } from "@azure-drift/core";
import { type ArmRequestSender, getRaw } from "./get-raw.js";

/**
 * The context for reading one resource, or one child collection of it, in a targeted read
 * (`Collector.readResources`): what {@link getRaw} and `listRaw` report as a type's incomplete
 * coverage (a 403, a throttled or failed request) is reported as `resourceId` unreadable instead,
 * so only it, and what lies under it, is unknown.
 *
 * @example
 * ```ts
 * listRaw(readingOne(context, `${serverId}/firewallRules`), { collector: NAME, resourceType, list });
 * ```
 */
export function readingOne(context: ReadResourcesContext, resourceId: string): ReadResourcesContext {
  return {
    ...context,
    coverage: { incomplete: (_type, reason) => context.unreadable(resourceId, reason) },
  };
}

/**
 * The context for reading the children of `parentId` the way `collect` reads them (listings and
 * GETs that report failures as a type's incomplete coverage): a failure for a child type marks that
 * child collection of the parent unreadable (`{parentId}/backupPolicies`), a failure for the
 * parent's own type the parent. So reusing a collection's per-parent code for a targeted read makes
 * only what could not be read unknown.
 */
export function readingUnder(context: ReadResourcesContext, parentId: string): ReadResourcesContext {
  const parentType = parseResourceId(parentId).type?.toLowerCase();
  return {
    ...context,
    coverage: {
      incomplete(type, reason) {
        const lower = type.toLowerCase();
        if (parentType === undefined || !lower.startsWith(`${parentType}/`)) {
          context.unreadable(parentId, reason);
          return;
        }
        const collection = type.slice(parentType.length + 1).split("/")[0];
        context.unreadable(`${parentId}/${collection}`, reason);
      },
    },
  };
}

/** Options of {@link getResourceById}. */
export interface GetResourceByIdOptions {
  collector: string;
  /** The client whose pipeline (credential, retries, throttle guard, TLS) sends the request. */
  client: ArmRequestSender;
  /** The resource's ARM id. */
  id: string;
  /** The api-version the collector's listing of this type uses, so the GET returns the same shape. */
  apiVersion: string;
  /** More query parameters, e.g. `{ $expand: "administrators/activedirectory" }` where the listing expands too. */
  query?: Record<string, string>;
}

/**
 * Reads one resource by id for a targeted read: one GET through the client's pipeline, the body as
 * ARM sent it (given the id's type if ARM left `type` out, as listings do). Returns `undefined`
 * when the resource does not exist (404: it is then reported removed) and when it could not be
 * read, which it reports with `context.unreadable(id, reason)` (it is then reported unknown). A 401
 * throws `E_AUTH`, an aborted signal `E_ABORTED`.
 */
export async function getResourceById(
  context: ReadResourcesContext,
  options: GetResourceByIdOptions,
): Promise<JsonObject | undefined> {
  const resourceType = parseResourceId(options.id).type ?? options.id;
  const body = await getRaw(readingOne(context, options.id), {
    collector: options.collector,
    resourceType,
    client: options.client,
    path: options.query ? `${options.id}?${new URLSearchParams(options.query).toString()}` : options.id,
    apiVersion: options.apiVersion,
  });
  if (body && typeof body.type !== "string") body.type = resourceType;
  return body;
}
