import type { ResourceTypeDefinition } from "@azure-drift/core";

/** ARM resource types this collector emits, as ARM spells them. */
export const ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments";
export const ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions";
export const DENY_ASSIGNMENT_TYPE = "Microsoft.Authorization/denyAssignments";
export const USER_ASSIGNED_IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";
export const FEDERATED_CREDENTIAL_TYPE =
  "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials";

// The four permission lists of a role or deny assignment: unordered sets of operation patterns.
const permissionSets = (prefix: string): string[] =>
  ["actions", "notActions", "dataActions", "notDataActions"].map((list) => `${prefix}.${list}`);

/**
 * The resource types with their normalization hints.
 *
 * `permissions` (of role definitions and deny assignments) is an array of objects with no key field;
 * ARM returns exactly one element in practice, so it is declared ordered and compared by index
 * (`permissions[0]`): an action added is one change at `permissions[0].actions`, where core's default
 * for unkeyed objects (a set of whole elements) would report the whole block removed and re-added.
 * Its four lists are sets. `updatedOn`/`updatedBy` are volatile: an idempotent redeploy
 * (Bicep, Terraform) refreshes them without changing anything, and a real update also changes the
 * field it updated. `createdOn`/`createdBy` are kept: they never change unless the object was deleted
 * and recreated under the same name, which is worth seeing.
 */
export const IDENTITY_RESOURCE_TYPES: ResourceTypeDefinition[] = [
  {
    type: ROLE_ASSIGNMENT_TYPE,
    description: "Role assignments at subscription, resource-group and resource scope",
    volatile: ["properties.updatedOn", "properties.updatedBy"],
  },
  {
    type: ROLE_DEFINITION_TYPE,
    description:
      "Custom role definitions assignable in the subscription, and built-in ones referenced by its assignments",
    volatile: ["properties.updatedOn", "properties.updatedBy"],
    orderedArrays: ["properties.permissions"],
    unorderedArrays: ["properties.assignableScopes", ...permissionSets("properties.permissions")],
  },
  {
    type: DENY_ASSIGNMENT_TYPE,
    description: "Deny assignments (created by Azure Blueprints, managed applications and deployment stacks)",
    keyedArrays: { "properties.principals": ["id"], "properties.excludePrincipals": ["id"] },
    orderedArrays: ["properties.permissions"],
    unorderedArrays: permissionSets("properties.permissions"),
  },
  {
    type: USER_ASSIGNED_IDENTITY_TYPE,
    description: "User-assigned managed identities",
  },
  {
    type: FEDERATED_CREDENTIAL_TYPE,
    description:
      "Federated identity credentials of user-assigned managed identities (who can get its tokens)",
    unorderedArrays: ["properties.audiences"],
  },
];
