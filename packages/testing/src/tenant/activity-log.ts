import { createHash } from "node:crypto";
import type { JsonObject } from "@azure-drift/core";
import type { Tenant } from "./tenant.js";
import type { TruthChange } from "./types.js";

/** Who made a change, as the Activity Log names callers: a UPN, or an application's id. */
export interface ActivityCaller {
  caller: string;
  /** Defaults to `Succeeded`. */
  status?: "Succeeded" | "Failed";
}

/** The tenant's Activity Log events (ARM's `EventData` shape), served by the replay server. */
export function activityLogOf(tenant: Tenant): JsonObject[] {
  tenant.activityLog ??= [];
  return tenant.activityLog;
}

function guid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * One Activity Log event in ARM's shape (`Microsoft.Insights/eventtypes/management/values`,
 * api-version 2015-04-01): a write or delete on `resourceId` by `caller` at `at`.
 */
export function activityEvent(init: {
  subscriptionId: string;
  resourceId: string;
  operation: "write" | "delete" | "action";
  caller: string;
  at: Date;
  status?: string;
  correlationId?: string;
  resourceType?: string;
}): JsonObject {
  const type = init.resourceType ?? resourceTypeOf(init.resourceId);
  const correlationId = init.correlationId ?? guid(`${init.resourceId}|${init.at.toISOString()}|corr`);
  const eventDataId = guid(`${init.resourceId}|${init.at.toISOString()}|${init.operation}|${init.caller}`);
  const group = /\/resourceGroups\/([^/]+)/i.exec(init.resourceId)?.[1];
  const operationName = `${type}/${init.operation}`;
  const status = init.status ?? "Succeeded";
  return {
    authorization: { action: operationName, scope: init.resourceId },
    caller: init.caller,
    channels: "Operation",
    correlationId,
    description: "",
    eventDataId,
    eventName: { value: "EndRequest", localizedValue: "End request" },
    category: { value: "Administrative", localizedValue: "Administrative" },
    httpRequest: {
      clientRequestId: guid(`${eventDataId}|client`),
      clientIpAddress: "203.0.113.7",
      method: init.operation === "delete" ? "DELETE" : "PUT",
    },
    id: `${init.resourceId}/events/${eventDataId}/ticks/${init.at.getTime() * 10_000 + 621_355_968_000_000_000}`,
    level: "Informational",
    ...(group ? { resourceGroupName: group } : {}),
    resourceProviderName: { value: type.split("/")[0] ?? type, localizedValue: type.split("/")[0] ?? type },
    resourceId: init.resourceId,
    resourceType: { value: type, localizedValue: type },
    operationId: correlationId,
    operationName: { value: operationName, localizedValue: operationName },
    properties: {
      statusCode: status === "Succeeded" ? (init.operation === "delete" ? "OK" : "Created") : "Conflict",
    },
    status: { value: status, localizedValue: status },
    subStatus: { value: "", localizedValue: "" },
    eventTimestamp: init.at.toISOString(),
    submissionTimestamp: new Date(init.at.getTime() + 12_000).toISOString(),
    subscriptionId: init.subscriptionId,
    tenantId: "",
  };
}

/** `Microsoft.Network/networkSecurityGroups` from an ARM id (children: `…/securityRules`). */
function resourceTypeOf(id: string): string {
  const parts = id.split("/");
  const at = parts.map((part) => part.toLowerCase()).lastIndexOf("providers");
  if (at < 0) return "Microsoft.Resources/resourceGroups";
  const rest = parts.slice(at + 1);
  return [rest[0], ...rest.slice(1).filter((_, i) => i % 2 === 0)].join("/");
}

/**
 * Appends to the tenant's Activity Log one event per changed resource of `changes` (the ground
 * truth a mutation returned): a `delete` for a removed resource, a `write` otherwise, by `caller`
 * from `at` on, `stepMs` apart (default one second), in order. Tenant-level resources get none, as in Azure, where they are
 * logged at the tenant, not in a subscription's log. Returns the events added.
 */
export function recordActivity(
  tenant: Tenant,
  changes: readonly TruthChange[],
  who: ActivityCaller | ((change: TruthChange, index: number) => ActivityCaller),
  at: Date,
  stepMs = 1000,
): JsonObject[] {
  const log = activityLogOf(tenant);
  const added: JsonObject[] = [];
  changes.forEach((change, index) => {
    if (!change.subscriptionId) return;
    const caller = typeof who === "function" ? who(change, index) : who;
    const event = activityEvent({
      subscriptionId: change.subscriptionId,
      resourceId: change.id,
      resourceType: change.type,
      operation: change.status === "removed" ? "delete" : "write",
      caller: caller.caller,
      at: new Date(at.getTime() + index * stepMs),
      ...(caller.status ? { status: caller.status } : {}),
    });
    log.push(event);
    added.push(event);
  });
  return added;
}
