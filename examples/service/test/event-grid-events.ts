/**
 * Events as Azure Event Grid delivers them for an Azure subscription topic (Event Grid schema,
 * `dataVersion` 2): the shape documented for Microsoft.Resources events, values made up.
 */
import { randomUUID } from "node:crypto";

export const EVENT_GRID_APP_ID = "4962773b-9cdb-44cf-a8bf-237846a00ab7";

/** The handshake Event Grid sends when an event subscription is created. */
export function validationEvent(code: string) {
  return {
    id: randomUUID(),
    topic: "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001",
    subject: "",
    data: {
      validationCode: code,
      validationUrl: `https://rp-westeurope.eventgrid.azure.net:553/eventsubscriptions/drift/validate?id=${code}&t=2026-12-06T12:00:00.0000000Z&apiVersion=2022-06-15&token=abc`,
    },
    eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
    eventTime: "2026-12-06T12:00:00.0000000Z",
    metadataVersion: "1",
    dataVersion: "2",
  };
}

type ResourceEventType =
  | "Microsoft.Resources.ResourceWriteSuccess"
  | "Microsoft.Resources.ResourceDeleteSuccess"
  | "Microsoft.Resources.ResourceWriteFailure"
  | "Microsoft.Resources.ResourceActionSuccess";

/** A Resource Manager event about `resourceId`, as the subscription's system topic emits it. */
export function resourceEvent(
  eventType: ResourceEventType,
  tenantId: string,
  subscriptionId: string,
  resourceId: string,
  operation: string,
) {
  const correlationId = randomUUID();
  const provider = /\/providers\/([^/]+)/i.exec(resourceId)?.[1] ?? "";
  return {
    subject: resourceId,
    eventType,
    eventTime: "2026-12-06T12:00:01.1234567Z",
    id: randomUUID(),
    data: {
      authorization: {
        scope: resourceId,
        action: operation,
        evidence: {
          role: "Network Contributor",
          roleAssignmentScope: `/subscriptions/${subscriptionId}`,
          roleAssignmentId: "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
          roleDefinitionId: "4d97b98b1d4f4787a291c67834d212e7",
          principalId: "5e6f7a8b9c0d41e2a3b4c5d6e7f8a9b0",
          principalType: "User",
        },
      },
      claims: {
        aud: "https://management.core.windows.net/",
        iss: `https://sts.windows.net/${tenantId}/`,
        name: "Ada Lovelace",
        "http://schemas.microsoft.com/identity/claims/objectidentifier":
          "5e6f7a8b-9c0d-41e2-a3b4-c5d6e7f8a9b0",
      },
      correlationId,
      httpRequest: {
        clientRequestId: randomUUID(),
        clientIpAddress: "203.0.113.20",
        method: eventType.includes("Delete") ? "DELETE" : eventType.includes("Action") ? "POST" : "PUT",
        url: `https://management.azure.com${resourceId}?api-version=2024-05-01`,
      },
      resourceProvider: provider,
      resourceUri: resourceId,
      operationName: operation,
      status: eventType.endsWith("Failure") ? "Failed" : "Succeeded",
      subscriptionId,
      tenantId,
    },
    dataVersion: "2",
    metadataVersion: "1",
    topic: `/subscriptions/${subscriptionId}`,
  };
}
