import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OTHER_TENANT, SUB_A, SUB_B, SUB_C, TENANT } from "./estate.js";
import { EVENT_GRID_APP_ID, resourceEvent, validationEvent } from "./event-grid-events.js";
import { dropTestDatabases, type Harness, NOW, ROLES, startHarness } from "./harness.js";

afterAll(dropTestDatabases);

const EVENTS_AUDIENCE = "api://azure-drift-events";
const nsg = (sub: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/rg-web/providers/Microsoft.Network/networkSecurityGroups/${name}`;
const vault = (sub: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/rg-data/providers/Microsoft.KeyVault/vaults/${name}`;
const WRITE = "Microsoft.Resources.ResourceWriteSuccess";
const DELETE = "Microsoft.Resources.ResourceDeleteSuccess";

let harness: Harness;
let eventGrid: string;
beforeAll(async () => {
  harness = await startHarness({ eventGrid: { audiences: [EVENTS_AUDIENCE], appIds: [EVENT_GRID_APP_ID] } });
  // What Entra issues Event Grid for the webhook's app: its audience, the subscriber role, Event Grid's app id.
  eventGrid = `Bearer ${await harness.issuer.token({
    audience: EVENTS_AUDIENCE,
    roles: [ROLES.events],
    claims: {
      sub: "event-grid-sp",
      oid: "eeeeeeee-0000-4000-8000-00000000000e",
      azp: EVENT_GRID_APP_ID,
      upn: undefined,
    },
  })}`;
});
afterAll(async () => harness?.close());

const deliver = (payload: unknown, authorization = eventGrid) =>
  harness.app.inject({
    method: "POST",
    url: "/events/azure",
    headers: { authorization, "aeg-event-type": "Notification" },
    payload: payload as object,
  });

describe("the subscription validation handshake", () => {
  test("answers the validation code", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/events/azure",
      headers: { authorization: eventGrid, "aeg-event-type": "SubscriptionValidation" },
      payload: [validationEvent("512d38b6-c7b8-40c8-89fe-f46f9e9622b6")],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
  });

  test("only for an authenticated Event Grid: no token, a user's token, another app", async () => {
    const handshake = [validationEvent("code-1")];
    const none = await harness.app.inject({ method: "POST", url: "/events/azure", payload: handshake });
    expect(none.statusCode).toBe(401);
    // A user's token for the API: the wrong audience for deliveries, even with every role.
    const user = await harness.issuer.token({ roles: Object.values(ROLES) });
    expect((await deliver(handshake, `Bearer ${user}`)).statusCode).toBe(401);
    // Right audience and role, but not Event Grid's application.
    const impostor = await harness.issuer.token({
      audience: EVENTS_AUDIENCE,
      roles: [ROLES.events],
      claims: { azp: "some-other-app" },
    });
    const refused = await deliver(handshake, `Bearer ${impostor}`);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain("code-1");
    // Event Grid's audience without the subscriber role.
    const roleless = await harness.issuer.token({
      audience: EVENTS_AUDIENCE,
      claims: { azp: EVENT_GRID_APP_ID },
    });
    expect((await deliver(handshake, `Bearer ${roleless}`)).statusCode).toBe(403);
    expect(harness.jobs.checkResourcesCalls).toEqual([]);
  });
});

describe("resource events become targeted checks", () => {
  test("a burst of writes and deletes: one call per subscription, each resource once", async () => {
    harness.jobs.checkResourcesCalls.length = 0;
    const burst = [
      resourceEvent(WRITE, TENANT, SUB_A, nsg(SUB_A, "web"), "Microsoft.Network/networkSecurityGroups/write"),
      resourceEvent(WRITE, TENANT, SUB_B, vault(SUB_B, "kv1"), "Microsoft.KeyVault/vaults/write"),
      // The same NSG again, as ARM spells it in another event (ids are case-insensitive).
      resourceEvent(
        WRITE,
        TENANT,
        SUB_A,
        nsg(SUB_A, "web").replace("resourceGroups/rg-web", "resourcegroups/RG-WEB"),
        "Microsoft.Network/networkSecurityGroups/write",
      ),
      resourceEvent(
        DELETE,
        TENANT,
        SUB_A,
        nsg(SUB_A, "old"),
        "Microsoft.Network/networkSecurityGroups/delete",
      ),
      resourceEvent(
        WRITE,
        TENANT,
        SUB_A,
        `${nsg(SUB_A, "web")}/securityRules/AllowSsh`,
        "Microsoft.Network/networkSecurityGroups/securityRules/write",
      ),
      resourceEvent(WRITE, OTHER_TENANT, SUB_C, vault(SUB_C, "kv9"), "Microsoft.KeyVault/vaults/write"),
      // Ignored: a failure, an action (listKeys), a deployment's history, a resource group, an id outside its subscription.
      resourceEvent(
        "Microsoft.Resources.ResourceWriteFailure",
        TENANT,
        SUB_A,
        nsg(SUB_A, "x"),
        "Microsoft.Network/networkSecurityGroups/write",
      ),
      resourceEvent(
        "Microsoft.Resources.ResourceActionSuccess",
        TENANT,
        SUB_B,
        `/subscriptions/${SUB_B}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/logs`,
        "Microsoft.Storage/storageAccounts/listKeys/action",
      ),
      resourceEvent(
        WRITE,
        TENANT,
        SUB_A,
        `/subscriptions/${SUB_A}/resourceGroups/rg-web/providers/Microsoft.Resources/deployments/main-20261206`,
        "Microsoft.Resources/deployments/write",
      ),
      resourceEvent(
        WRITE,
        TENANT,
        SUB_A,
        `/subscriptions/${SUB_A}/resourceGroups/rg-new`,
        "Microsoft.Resources/subscriptions/resourceGroups/write",
      ),
      resourceEvent(WRITE, TENANT, SUB_A, vault(SUB_B, "elsewhere"), "Microsoft.KeyVault/vaults/write"),
      // A resource group deleted, everything in it with it: ARM says so once, for the group.
      resourceEvent(
        DELETE,
        TENANT,
        SUB_B,
        `/subscriptions/${SUB_B}/resourceGroups/rg-old`,
        "Microsoft.Resources/subscriptions/resourceGroups/delete",
      ),
    ];
    const response = await deliver(burst);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ checks: 3, resources: 5, fullChecks: 1, ignored: 5 });
    expect(harness.jobs.checkResourcesCalls).toEqual([
      {
        target: { tenantId: TENANT, subscriptionId: SUB_A },
        resourceIds: [nsg(SUB_A, "web"), nsg(SUB_A, "old"), `${nsg(SUB_A, "web")}/securityRules/AllowSsh`],
      },
      { target: { tenantId: TENANT, subscriptionId: SUB_B }, resourceIds: [vault(SUB_B, "kv1")] },
      { target: { tenantId: OTHER_TENANT, subscriptionId: SUB_C }, resourceIds: [vault(SUB_C, "kv9")] },
    ]);
    expect(harness.jobs.checkNowCalls).toEqual([{ tenantId: TENANT, subscriptionId: SUB_B }]);
  });

  test("the delivery is audited with what it queued and who delivered it", async () => {
    const entries = (await harness.auditEntries()).filter(
      (entry) => entry.action === "events.deliver" && entry.outcome === "succeeded" && entry.target.checks,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      at: NOW,
      status: 200,
      actor: { subject: "event-grid-sp", appId: EVENT_GRID_APP_ID, roles: [ROLES.events] },
      target: {
        events: 12,
        ignored: 5,
        fullChecks: [{ tenantId: TENANT, subscriptionId: SUB_B }],
        checks: [
          { tenantId: TENANT, subscriptionId: SUB_A, resourceIds: expect.any(Array) },
          { tenantId: TENANT, subscriptionId: SUB_B, resourceIds: [vault(SUB_B, "kv1")] },
          { tenantId: OTHER_TENANT, subscriptionId: SUB_C, resourceIds: [vault(SUB_C, "kv9")] },
        ],
      },
    });
  });

  test("a queue that does not take them: 503, so Event Grid delivers again", async () => {
    harness.jobs.failNext = new Error("Connection is closed.");
    const response = await deliver([
      resourceEvent(WRITE, TENANT, SUB_A, nsg(SUB_A, "web"), "Microsoft.Network/networkSecurityGroups/write"),
    ]);
    expect(response.statusCode).toBe(503);
  });

  test("a body that is not an Event Grid array: 400", async () => {
    const response = await deliver({ specversion: "1.0", type: WRITE });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/JSON array of events in the Event Grid schema/);
  });
});
