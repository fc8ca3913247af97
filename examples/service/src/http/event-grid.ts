import { DriftError } from "@azure-drift/core";
import type { CheckTarget } from "../contracts.js";

/** Event Grid's handshake event: answer its code to prove the endpoint wants the events. */
export const VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";
/** The Azure Resource Manager events (Event Grid schema) that start a targeted check. */
export const RESOURCE_EVENTS: ReadonlySet<string> = new Set([
  "Microsoft.Resources.ResourceWriteSuccess",
  "Microsoft.Resources.ResourceDeleteSuccess",
]);

/** The resources of one subscription that events named, each once (first spelling kept). */
export interface ResourceCheck {
  target: CheckTarget;
  resourceIds: string[];
}

/** What one Event Grid delivery asks for. */
export type EventGridDelivery =
  | { kind: "validation"; validationCode: string }
  | {
      kind: "resources";
      /** Targeted checks: the resources written or deleted, per subscription. */
      checks: ResourceCheck[];
      /**
       * Full checks: subscriptions in which a whole resource group was deleted (ARM sends one event
       * for the group, none for what was in it).
       */
      fullChecks: CheckTarget[];
      events: number;
      ignored: number;
    };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/;
const DELETE_EVENT = "Microsoft.Resources.ResourceDeleteSuccess";

/**
 * Reads a delivery in the Event Grid schema (a JSON array of events). A handshake is answered on
 * its own; resource write/delete events are grouped by subscription, and a deleted resource group
 * asks for a full check of its subscription. Other event types, and events whose resource is not
 * in their own subscription, names no resource provider (a written resource group, the
 * subscription itself) or is a deployment's history entry, are counted as ignored.
 *
 * @throws DriftError `E_INPUT` for a body that is not an array of events.
 */
export function readEventGridDelivery(body: unknown): EventGridDelivery {
  if (!Array.isArray(body) || body.some((event) => typeof event !== "object" || event === null)) {
    throw new DriftError(
      "E_INPUT",
      "An Event Grid delivery is a JSON array of events in the Event Grid schema (CloudEvents is not accepted here).",
    );
  }
  const events = body as EventShape[];
  const validation = events.find((event) => event.eventType === VALIDATION_EVENT);
  if (validation) {
    const code = validation.data?.validationCode;
    if (typeof code !== "string" || code === "") {
      throw new DriftError("E_INPUT", "The subscription validation event has no data.validationCode.");
    }
    return { kind: "validation", validationCode: code };
  }
  const checks = new Map<string, ResourceCheck & { keys: Set<string> }>();
  const fullChecks = new Map<string, CheckTarget>();
  let ignored = 0;
  for (const event of events) {
    const resource = resourceOf(event);
    if (!resource) {
      ignored++;
      continue;
    }
    const group = `${resource.target.tenantId}/${resource.target.subscriptionId}`;
    if (resource.wholeGroup) {
      fullChecks.set(group, resource.target);
      continue;
    }
    let check = checks.get(group);
    if (!check) {
      check = { target: resource.target, resourceIds: [], keys: new Set() };
      checks.set(group, check);
    }
    const key = resource.id.toLowerCase();
    if (!check.keys.has(key)) {
      check.keys.add(key);
      check.resourceIds.push(resource.id);
    }
  }
  return {
    kind: "resources",
    checks: [...checks.values()].map(({ target, resourceIds }) => ({ target, resourceIds })),
    fullChecks: [...fullChecks.values()],
    events: events.length,
    ignored,
  };
}

interface EventShape {
  eventType?: unknown;
  subject?: unknown;
  data?: Record<string, unknown>;
}

function resourceOf(event: EventShape): { target: CheckTarget; id: string; wholeGroup: boolean } | undefined {
  if (typeof event.eventType !== "string" || !RESOURCE_EVENTS.has(event.eventType)) return undefined;
  const data = event.data ?? {};
  const tenantId = data.tenantId;
  const subscriptionId = data.subscriptionId;
  const id = typeof data.resourceUri === "string" ? data.resourceUri : event.subject;
  if (typeof tenantId !== "string" || !GUID.test(tenantId)) return undefined;
  if (typeof subscriptionId !== "string" || !GUID.test(subscriptionId)) return undefined;
  if (typeof id !== "string" || id.length > 2048) return undefined;
  const lower = id.toLowerCase();
  if (!lower.startsWith(`/subscriptions/${subscriptionId.toLowerCase()}/`)) return undefined;
  const target = { tenantId: tenantId.toLowerCase(), subscriptionId: subscriptionId.toLowerCase() };
  if (RESOURCE_GROUP.test(lower)) {
    return event.eventType === DELETE_EVENT ? { target, id, wholeGroup: true } : undefined;
  }
  if (!lower.includes("/providers/")) return undefined;
  // Every template deployment writes its history entry: configuration of nothing.
  if (lower.includes("/providers/microsoft.resources/deployments/")) return undefined;
  return { target, id, wholeGroup: false };
}
