import { describe, expect, test } from "vitest";
import { grantsAccessControl, isProviderWildcard } from "../src/actions.js";
import { roleDefinitionGuid } from "../src/built-in-roles.js";

describe("grantsAccessControl", () => {
  test.each([
    "*",
    "Microsoft.Authorization/*",
    "microsoft.authorization/*",
    "*/write",
    "Microsoft.Authorization/*/Write",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleAssignments/*",
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Authorization/elevateAccess/Action",
    "*/action",
  ])("%s grants access control", (action) => {
    expect(grantsAccessControl(action)).toBe(true);
  });

  test.each([
    "*/read",
    "Microsoft.Authorization/*/read",
    "Microsoft.Network/*",
    "Microsoft.Authorization/locks/write",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.Authorization/roleAssignments/delete",
  ])("%s does not", (action) => {
    expect(grantsAccessControl(action)).toBe(false);
  });

  test("non-strings do not", () => {
    expect(grantsAccessControl(null)).toBe(false);
    expect(grantsAccessControl(42)).toBe(false);
  });

  test("regular-expression characters in an action are literal", () => {
    expect(grantsAccessControl("Microsoft.Authorization/roleAssignments/write(")).toBe(false);
    expect(grantsAccessControl("Microsoft?Authorization/roleAssignments/write")).toBe(false);
  });
});

test("isProviderWildcard", () => {
  expect(["*", "*/write", " */delete"].map(isProviderWildcard)).toEqual([true, true, true]);
  expect(["Microsoft.Network/*", "", 3].map(isProviderWildcard)).toEqual([false, false, false]);
});

test("roleDefinitionGuid reads the last segment of any roleDefinitionId form, lower-cased", () => {
  expect(
    roleDefinitionGuid(
      "/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/8E3AF657-A8FF-443C-A75C-2FE8C4BCB635",
    ),
  ).toBe("8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
  expect(roleDefinitionGuid("/providers/Microsoft.Authorization/roleDefinitions/abc/")).toBe("abc");
  expect(
    roleDefinitionGuid("/subscriptions/S/providers/Microsoft.Authorization/roleAssignments/x"),
  ).toBeUndefined();
});
