import type { JsonObject } from "@azure-drift/core";
import { collectorConformanceSuite, resourcesOf, type Tenant } from "@azure-drift/testing";
import { test } from "vitest";
import { identityCollector, ROLE_ASSIGNMENT_TYPE, USER_ASSIGNED_IDENTITY_TYPE } from "../src/index.js";

const BUILT_IN_PREFIX = "/providers/microsoft.authorization/roledefinitions/";

/**
 * Besides the subscription's own resources, the collector yields the built-in role definitions its
 * role assignments reference, re-scoped to the subscription as ARM serves them there.
 */
function expected(tenant: Tenant, subscriptionId: string): JsonObject[] {
  const own = resourcesOf(tenant, {
    types: identityCollector().types.map((definition) => definition.type),
    subscriptionId,
  });
  const builtIns = new Map<string, JsonObject>();
  for (const assignment of resourcesOf(tenant, { types: [ROLE_ASSIGNMENT_TYPE], subscriptionId })) {
    const roleId = String((assignment.properties as JsonObject).roleDefinitionId).toLowerCase();
    const guid = roleId.slice(roleId.lastIndexOf("/") + 1);
    const builtIn = tenant.resources.get(`${BUILT_IN_PREFIX}${guid}`);
    if (builtIn) {
      builtIns.set(guid, {
        ...builtIn,
        id: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      });
    }
  }
  return [...own, ...builtIns.values()];
}

// The 403 test forbids managed identities, so the credentials listed per identity must go incomplete
// too. (Forbidding role assignments, which takes the referenced built-in roles along, is covered in
// collector.test.ts.)
collectorConformanceSuite(test, () => identityCollector(), {
  expected,
  forbiddenType: USER_ASSIGNED_IDENTITY_TYPE,
});
