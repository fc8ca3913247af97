/**
 * Operations that let a principal grant access: whoever holds one can give itself any role.
 * An RBAC action pattern that matches one of them (a bare star, `Microsoft.Authorization/` + star,
 * star + `/write`) makes a role access-granting.
 */
const ACCESS_CONTROL_OPERATIONS = [
  "Microsoft.Authorization/roleAssignments/write",
  "Microsoft.Authorization/roleDefinitions/write",
  "Microsoft.Authorization/elevateAccess/action",
];

const patternCache = new Map<string, RegExp>();

// RBAC action patterns use `*` as the only wildcard, matching any characters; matching is case-insensitive.
function patternToRegExp(pattern: string): RegExp {
  let regexp = patternCache.get(pattern);
  if (!regexp) {
    const source = pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*");
    regexp = new RegExp(`^${source}$`, "i");
    patternCache.set(pattern, regexp);
  }
  return regexp;
}

/** Whether the RBAC action pattern grants an operation that can assign roles or define them. */
export function grantsAccessControl(action: unknown): boolean {
  if (typeof action !== "string") return false;
  const regexp = patternToRegExp(action.trim());
  return ACCESS_CONTROL_OPERATIONS.some((operation) => regexp.test(operation));
}

/** Whether the action pattern starts with a wildcard over every provider (star alone, star + `/write`, …). */
export function isProviderWildcard(action: unknown): boolean {
  return typeof action === "string" && action.trim().startsWith("*");
}
