/**
 * Well-known built-in role definition ids (the last segment of a `roleDefinitionId`). They are the
 * same in every tenant and every cloud, so rules can recognize a role without fetching it.
 */
export const BUILT_IN_ROLES = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  roleBasedAccessControlAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
} as const;

/** Display names for the roles above, for messages. */
export const BUILT_IN_ROLE_NAMES: Readonly<Record<string, string>> = {
  [BUILT_IN_ROLES.owner]: "Owner",
  [BUILT_IN_ROLES.contributor]: "Contributor",
  [BUILT_IN_ROLES.reader]: "Reader",
  [BUILT_IN_ROLES.userAccessAdministrator]: "User Access Administrator",
  [BUILT_IN_ROLES.roleBasedAccessControlAdministrator]: "Role Based Access Control Administrator",
};

/** Roles that can grant access to others (assign roles): whoever holds one can make themselves Owner. */
export const ACCESS_GRANTING_ROLES: ReadonlySet<string> = new Set([
  BUILT_IN_ROLES.owner,
  BUILT_IN_ROLES.userAccessAdministrator,
]);

/** Roles whose assignment at subscription scope is high severity. */
export const PRIVILEGED_ROLES: ReadonlySet<string> = new Set([
  BUILT_IN_ROLES.owner,
  BUILT_IN_ROLES.contributor,
  BUILT_IN_ROLES.userAccessAdministrator,
  BUILT_IN_ROLES.roleBasedAccessControlAdministrator,
]);

/**
 * The role definition guid of a `roleDefinitionId`, lower-cased, e.g.
 * `/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/8E3A…` → `8e3a…`.
 */
export function roleDefinitionGuid(roleDefinitionId: string): string | undefined {
  const match = /\/roleDefinitions\/([^/?#]+)\/?$/i.exec(roleDefinitionId);
  return match?.[1]?.toLowerCase();
}
