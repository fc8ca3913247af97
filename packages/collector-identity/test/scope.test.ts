import { expect, test } from "vitest";
import { identityLocation, isAssignmentAbove, isInSubscription } from "../src/scope.js";

const SUB = "0b1c2d3e-0000-0000-0000-000000000001";

test("isInSubscription keeps ids under the subscription, in any case, and drops inherited ones", () => {
  expect(
    isInSubscription(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/a`, SUB),
  ).toBe(true);
  expect(isInSubscription(`/SUBSCRIPTIONS/${SUB.toUpperCase()}/resourceGroups/rg/providers/X/y/z`, SUB)).toBe(
    true,
  );
  expect(
    isInSubscription(
      "/providers/Microsoft.Management/managementGroups/corp/providers/Microsoft.Authorization/roleAssignments/a",
      SUB,
    ),
  ).toBe(false);
  expect(isInSubscription("/providers/Microsoft.Authorization/roleAssignments/a", SUB)).toBe(false);
  expect(isInSubscription(`/subscriptions/${SUB}0/providers/x/y/z`, SUB)).toBe(false);
  expect(isInSubscription(`/subscriptions/${SUB}/`, SUB)).toBe(false);
  expect(isInSubscription(undefined, SUB)).toBe(false);
});

test("identityLocation reads the resource group and name of an identity id", () => {
  expect(
    identityLocation(
      `/subscriptions/${SUB}/resourcegroups/RG-1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-web`,
    ),
  ).toEqual({ resourceGroup: "RG-1", name: "id-web" });
  expect(
    identityLocation(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/x/y`),
  ).toBeUndefined();
});

test("isAssignmentAbove recognizes role and deny assignments at a management group or the root, and nothing else", () => {
  const group = "/providers/Microsoft.Management/managementGroups/corp";
  expect(isAssignmentAbove(`${group}/providers/Microsoft.Authorization/roleAssignments/a`)).toBe(true);
  expect(
    isAssignmentAbove(`${group.toLowerCase()}/providers/microsoft.authorization/denyassignments/a`),
  ).toBe(true);
  expect(isAssignmentAbove("/providers/Microsoft.Authorization/roleAssignments/a")).toBe(true);
  expect(isAssignmentAbove(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/a`)).toBe(
    false,
  );
  expect(isAssignmentAbove(`${group}/providers/Microsoft.Authorization/roleDefinitions/a`)).toBe(false);
  expect(isAssignmentAbove(`${group}/providers/Microsoft.Authorization/roleAssignments/a/extra`)).toBe(false);
  expect(isAssignmentAbove(undefined)).toBe(false);
});
