import type { JsonValue, RuleContext, SeverityRule } from "@azure-drift/core";
import { grantsAccessControl, isProviderWildcard } from "./actions.js";
import {
  ACCESS_GRANTING_ROLES,
  BUILT_IN_ROLE_NAMES,
  PRIVILEGED_ROLES,
  roleDefinitionGuid,
} from "./built-in-roles.js";
import {
  DENY_ASSIGNMENT_TYPE,
  FEDERATED_CREDENTIAL_TYPE,
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
} from "./resource-types.js";

// --- reading configs (normalized ARM JSON) -------------------------------------------------------

function property(value: JsonValue | undefined, name: string): JsonValue | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return value[name];
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

// For a resource-level rule the whole config is `after` (added) or `before` (removed).
function resourceOf(context: RuleContext): JsonValue | undefined {
  return context.kind === "removed"
    ? (context.resourceBefore ?? context.before)
    : (context.resourceAfter ?? context.after);
}

function propertiesOf(context: RuleContext): JsonValue | undefined {
  return property(resourceOf(context), "properties");
}

const SUBSCRIPTION_SCOPE = /^\/subscriptions\/[^/]+\/?$/i;

function assignedAtSubscription(context: RuleContext): boolean {
  const scope = text(property(propertiesOf(context), "scope"));
  return scope !== undefined && SUBSCRIPTION_SCOPE.test(scope);
}

const ABOVE_SUBSCRIPTION_SCOPE = /^(\/providers\/Microsoft\.Management\/managementGroups\/[^/]+)?\/?$/i;

/** At a management group or the tenant root: inherited by every subscription below. */
function assignedAboveSubscription(context: RuleContext): boolean {
  const scope = text(property(propertiesOf(context), "scope"));
  return scope !== undefined && scope !== "" && ABOVE_SUBSCRIPTION_SCOPE.test(scope);
}

/** "management group corp" or "the tenant root (/)". */
function aboveLabel(context: RuleContext): string {
  const scope = text(property(propertiesOf(context), "scope")) ?? "";
  const group = /managementGroups\/([^/]+)/i.exec(scope)?.[1];
  return group ? `management group ${group}` : "the tenant root (/)";
}

function assignedRole(context: RuleContext): string | undefined {
  const id = text(property(propertiesOf(context), "roleDefinitionId"));
  return id === undefined ? undefined : roleDefinitionGuid(id);
}

/** The assigned role as people know it: its name for the well-known built-in roles, else its id. */
function roleLabel(context: RuleContext): string {
  const guid = assignedRole(context);
  if (guid === undefined) return "A role";
  const name = BUILT_IN_ROLE_NAMES[guid];
  return name ? `${name}` : `Role ${guid}`;
}

const PRINCIPAL_TYPES: Readonly<Record<string, string>> = {
  user: "user",
  group: "group",
  serviceprincipal: "service principal",
  foreigngroup: "foreign group",
  device: "device",
};

/** "service principal 1b2c…" (ARM knows the principal's type and object id, not its name). */
function principalLabel(context: RuleContext): string {
  const properties = propertiesOf(context);
  const id = text(property(properties, "principalId")) ?? "(unknown principal)";
  const type = text(property(properties, "principalType"))?.toLowerCase();
  return `${(type && PRINCIPAL_TYPES[type]) ?? "principal"} ${id}`;
}

/** "Owner assigned at management group corp to group 1b2c…": who got which role where. */
function assignedAt(context: RuleContext, where: string): string {
  return `${roleLabel(context)} assigned at ${where} to ${principalLabel(context)}`;
}

const OUTSIDE_RBAC = "whoever controls its membership or credentials (outside Azure RBAC) controls";

/** The message of a role assigned at a management group or the root, with what that means. */
const aboveMessage =
  (consequence: string) =>
  (context: RuleContext): string =>
    `${assignedAt(context, aboveLabel(context))}: ${consequence}`;

/** The message of a role assigned at subscription scope, with what that means. */
const subscriptionMessage =
  (consequence: string) =>
  (context: RuleContext): string =>
    `${assignedAt(context, "subscription scope")}: ${consequence}`;

function scopeLabel(context: RuleContext): string {
  return text(property(propertiesOf(context), "scope")) ?? "(unknown scope)";
}

/** A role definition's display name with its id, e.g. "Owner (8e3af657-…)". */
function roleName(context: RuleContext): string {
  const name = text(property(propertiesOf(context), "roleName"));
  const id = context.resourceId.slice(context.resourceId.lastIndexOf("/") + 1);
  return name ? `${name} (${id})` : id;
}

function roleType(context: RuleContext): string | undefined {
  return text(property(propertiesOf(context), "type"))?.toLowerCase();
}

function allActions(permissions: JsonValue | undefined): JsonValue[] {
  if (!Array.isArray(permissions)) return [];
  return permissions.flatMap((block) => {
    const actions = property(block, "actions");
    return Array.isArray(actions) ? actions : [];
  });
}

// A set element added is reported at the array's path with the element as `after`; a whole array
// (a new permissions block, or a list that did not exist) can also arrive as `after`.
function addedValues(context: RuleContext): JsonValue[] {
  if (context.after === undefined) return [];
  return Array.isArray(context.after) ? context.after : [context.after];
}

const isAdded = (context: RuleContext): boolean => context.kind === "added";
const isRemoved = (context: RuleContext): boolean => context.kind === "removed";
const lastSegment = (path: string): string => path.slice(path.lastIndexOf(".") + 1);

// --- rules ---------------------------------------------------------------------------------------

const roleAssignmentRules: SeverityRule[] = [
  {
    id: "identity/access-admin-to-non-user-above-subscription",
    type: ROLE_ASSIGNMENT_TYPE,
    when: (context) =>
      isAdded(context) &&
      assignedAboveSubscription(context) &&
      ACCESS_GRANTING_ROLES.has(assignedRole(context) ?? "") &&
      text(property(propertiesOf(context), "principalType"))?.toLowerCase() !== "user",
    severity: "critical",
    remediation:
      "Check that this principal must manage access across the management group (az role assignment list --assignee <principal> --all); remove it with az role assignment delete --ids <id> if not.",
    message: aboveMessage(`${OUTSIDE_RBAC} every subscription below it.`),
  },
  {
    id: "identity/privileged-role-above-subscription",
    type: ROLE_ASSIGNMENT_TYPE,
    when: (context) =>
      isAdded(context) &&
      assignedAboveSubscription(context) &&
      PRIVILEGED_ROLES.has(assignedRole(context) ?? ""),
    severity: "high",
    remediation:
      "Check the assignment is approved; remove it with az role assignment delete --ids <id>, or make it eligible through PIM.",
    message: aboveMessage("it applies to every subscription below it."),
  },
  {
    id: "identity/role-assignment-above-subscription",
    type: ROLE_ASSIGNMENT_TYPE,
    when: (context) => isAdded(context) && assignedAboveSubscription(context),
    severity: "medium",
    remediation:
      "Check the assignment is approved and could not be scoped lower; remove it with az role assignment delete --ids <id> if not.",
    message: aboveMessage("it applies to every subscription below it."),
  },
  {
    id: "identity/access-admin-to-non-user-at-subscription",
    type: ROLE_ASSIGNMENT_TYPE,
    when: (context) =>
      isAdded(context) &&
      assignedAtSubscription(context) &&
      ACCESS_GRANTING_ROLES.has(assignedRole(context) ?? "") &&
      text(property(propertiesOf(context), "principalType"))?.toLowerCase() !== "user",
    severity: "critical",
    remediation:
      "Check that this principal must manage access in the subscription; remove it with az role assignment delete --ids <id> if not.",
    message: subscriptionMessage(`${OUTSIDE_RBAC} the subscription.`),
  },
  {
    id: "identity/privileged-role-at-subscription",
    type: ROLE_ASSIGNMENT_TYPE,
    when: (context) =>
      isAdded(context) &&
      assignedAtSubscription(context) &&
      PRIVILEGED_ROLES.has(assignedRole(context) ?? ""),
    severity: "high",
    remediation:
      "Check the assignment is approved; remove it with az role assignment delete --ids <id>, or make it eligible through PIM.",
    message: subscriptionMessage("it applies to every resource in the subscription."),
  },
  {
    id: "identity/role-assignment-at-subscription",
    type: ROLE_ASSIGNMENT_TYPE,
    when: (context) => isAdded(context) && assignedAtSubscription(context),
    severity: "medium",
    remediation:
      "Check the assignment is approved and could not be scoped to a resource group; remove it with az role assignment delete --ids <id> if not.",
    message: subscriptionMessage("it applies to every resource in the subscription."),
  },
  {
    id: "identity/privileged-role-assigned",
    type: ROLE_ASSIGNMENT_TYPE,
    when: (context) => isAdded(context) && PRIVILEGED_ROLES.has(assignedRole(context) ?? ""),
    severity: "medium",
    remediation:
      "Check the assignment is approved; remove it with az role assignment delete --ids <id> if not.",
    message: (context) =>
      `${roleLabel(context)} assigned to ${principalLabel(context)} at ${scopeLabel(context)}.`,
  },
  {
    id: "identity/role-assignment-retargeted",
    type: ROLE_ASSIGNMENT_TYPE,
    path: "properties.*",
    when: (context) => ["roleDefinitionId", "principalId"].includes(lastSegment(context.path)),
    severity: "high",
    remediation:
      "Check who recreated the assignment (az monitor activity-log list --offset 7d --resource-id <id>); delete it if the new principal, role or scope is not approved.",
    message: "Role assignment recreated under the same name with another {path}: {before} → {after}.",
  },
  {
    id: "identity/role-assignment-condition-removed",
    type: ROLE_ASSIGNMENT_TYPE,
    path: "properties.condition",
    when: { kind: "removed" },
    severity: "high",
    remediation:
      "Restore the condition: az role assignment update --role-assignment <file.json> with the approved condition.",
    message:
      "The condition restricting this role assignment was removed: it now applies without restriction.",
  },
  {
    id: "identity/role-assignment-condition-changed",
    type: ROLE_ASSIGNMENT_TYPE,
    path: "properties.condition",
    severity: "medium",
    remediation:
      "Compare the new condition with the approved one and restore it with az role assignment update --role-assignment <file.json> if needed.",
    message: "The condition restricting this role assignment changed: check what it allows now.",
  },
];

const roleDefinitionRules: SeverityRule[] = [
  {
    id: "identity/role-gains-access-control-action",
    type: ROLE_DEFINITION_TYPE,
    path: "properties.permissions[*].actions",
    when: (context) => isAdded(context) && addedValues(context).some(grantsAccessControl),
    severity: "high",
    remediation:
      "Remove Microsoft.Authorization write actions from the role unless approved: az role definition update --role-definition <file.json>",
    message:
      "Role definition gained the action {after}: its holders can assign roles or edit role definitions (privilege escalation).",
  },
  {
    id: "identity/role-gains-wildcard-action",
    type: ROLE_DEFINITION_TYPE,
    path: "properties.permissions[*].actions",
    when: (context) =>
      isAdded(context) &&
      addedValues(context).some(
        (action) => isProviderWildcard(action) && !/^\*\/read$/i.test(String(action)),
      ),
    severity: "high",
    remediation:
      "Replace the wildcard by the actions the role needs: az role definition update --role-definition <file.json>",
    message: "Role definition gained the provider-wide wildcard action {after}.",
  },
  {
    id: "identity/role-permissions-block-added",
    type: ROLE_DEFINITION_TYPE,
    path: "properties.permissions[*]",
    when: (context) => isAdded(context) && allActions(addedValues(context)).some(grantsAccessControl),
    severity: "high",
    remediation:
      "Review the new permissions block; remove it with az role definition update --role-definition <file.json> if not approved.",
    message:
      "Role definition gained a permissions block that lets its holders assign roles or edit role definitions.",
  },
  {
    id: "identity/role-exclusion-removed",
    type: ROLE_DEFINITION_TYPE,
    path: "properties.permissions[*].*",
    when: (context) =>
      isRemoved(context) && ["notActions", "notDataActions"].includes(lastSegment(context.path)),
    severity: "medium",
    remediation:
      "Add the excluded action back to notActions/notDataActions: az role definition update --role-definition <file.json>",
    message: "Role definition no longer excludes {before}: its holders may now perform it.",
  },
  {
    id: "identity/role-gains-wildcard-data-action",
    type: ROLE_DEFINITION_TYPE,
    path: "properties.permissions[*].dataActions",
    when: (context) =>
      isAdded(context) && addedValues(context).some((action) => String(action).includes("*")),
    severity: "medium",
    remediation:
      "Replace the wildcard data action by the ones the role needs: az role definition update --role-definition <file.json>",
    message:
      "Role definition gained the wildcard data action {after} (data-plane access such as secrets or blobs).",
  },
  {
    id: "identity/role-assignable-at-root-or-management-group",
    type: ROLE_DEFINITION_TYPE,
    path: "properties.assignableScopes",
    when: (context) =>
      isAdded(context) &&
      addedValues(context).some(
        (scope) =>
          typeof scope === "string" &&
          (scope === "/" || /^\/providers\/Microsoft\.Management\//i.test(scope)),
      ),
    severity: "high",
    remediation:
      "Limit assignableScopes to the subscriptions that need the role: az role definition update --role-definition <file.json>",
    message: "Custom role can now be assigned at {after}: across every subscription below it.",
  },
  {
    id: "identity/role-assignable-scopes-widened",
    type: ROLE_DEFINITION_TYPE,
    path: "properties.assignableScopes",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check the new assignable scope is approved; remove it with az role definition update --role-definition <file.json> if not.",
    message: "Custom role can now be assigned at {after}.",
  },
  {
    id: "identity/custom-role-added-with-access-control",
    type: ROLE_DEFINITION_TYPE,
    when: (context) =>
      isAdded(context) &&
      roleType(context) === "customrole" &&
      allActions(property(propertiesOf(context), "permissions")).some(grantsAccessControl),
    severity: "high",
    remediation:
      "Check who may hold the new role and why it needs access control actions; delete it with az role definition delete --name <role> if not approved.",
    message: "Custom role created whose holders can assign roles or edit role definitions.",
  },
  {
    id: "identity/built-in-role-referenced",
    type: ROLE_DEFINITION_TYPE,
    when: (context) => isAdded(context) && roleType(context) === "builtinrole",
    severity: "info",
    remediation:
      "Nothing to restore: check the assignment that uses the role (az role assignment list --role <role> --all).",
    message: (context) => `Built-in role ${roleName(context)} is now assigned in this subscription.`,
  },
  {
    id: "identity/built-in-role-unreferenced",
    type: ROLE_DEFINITION_TYPE,
    when: (context) => isRemoved(context) && roleType(context) === "builtinrole",
    severity: "info",
    remediation:
      "Nothing to restore: no assignment in the subscription uses the role any more; check that was intended.",
    message: (context) =>
      `Built-in role ${roleName(context)} is no longer assigned in this subscription (built-in roles are not deleted; it left the snapshot).`,
  },
  {
    id: "identity/built-in-role-widened",
    type: ROLE_DEFINITION_TYPE,
    path: "properties.permissions[*].*",
    when: (context) =>
      isAdded(context) &&
      ["actions", "dataActions"].includes(lastSegment(context.path)) &&
      text(property(context.resourceAfter?.properties, "type"))?.toLowerCase() === "builtinrole",
    severity: "medium",
    remediation:
      "Microsoft changed the built-in role: review its new permissions (az role definition list --name <role>) and whether its holders should keep it.",
    message:
      "Microsoft changed a built-in role assigned here: it now grants {after} to every assignment of it.",
  },
];

const denyAssignmentRules: SeverityRule[] = [
  {
    id: "identity/deny-assignment-removed",
    type: DENY_ASSIGNMENT_TYPE,
    when: { kind: "removed" },
    severity: "high",
    remediation:
      "Deny assignments come from managed applications and deployment stacks: redeploy the stack or application that created it.",
    message: "Deny assignment removed: the actions it blocked are allowed again wherever a role grants them.",
  },
  {
    id: "identity/deny-assignment-principal-excluded",
    type: DENY_ASSIGNMENT_TYPE,
    path: "properties.excludePrincipals[*]",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check the exemption is approved; remove it by redeploying the deployment stack with its approved excluded principals.",
    message: "A principal was exempted from the deny assignment.",
  },
  {
    id: "identity/deny-assignment-narrowed",
    type: DENY_ASSIGNMENT_TYPE,
    path: "properties.permissions[*].*",
    when: (context) => {
      const list = lastSegment(context.path);
      return (
        (isRemoved(context) && ["actions", "dataActions"].includes(list)) ||
        (isAdded(context) && ["notActions", "notDataActions"].includes(list))
      );
    },
    severity: "medium",
    remediation: "Redeploy the deployment stack or managed application with its approved deny settings.",
    message: "Deny assignment blocks less than before ({path}).",
  },
];

const FEDERATION_FIELDS = ["issuer", "subject", "claimsMatchingExpression"];

const managedIdentityRules: SeverityRule[] = [
  {
    id: "identity/federated-credential-added",
    type: FEDERATED_CREDENTIAL_TYPE,
    when: { kind: "added" },
    severity: "high",
    remediation:
      "Check the issuer and subject it trusts (az identity federated-credential show -g <group> --identity-name <identity> -n <name>); delete it if not approved.",
    message:
      "Federated identity credential added: workloads of an external token issuer can now get tokens as this managed identity.",
  },
  {
    id: "identity/federated-credential-trust-changed",
    type: FEDERATED_CREDENTIAL_TYPE,
    path: "properties.*",
    when: (context) => FEDERATION_FIELDS.includes(lastSegment(context.path)),
    severity: "high",
    remediation:
      "Restore the approved issuer and subject: az identity federated-credential update -g <group> --identity-name <identity> -n <name> --issuer <url> --subject <subject>",
    message: "Federated identity credential now trusts another {path}: {before} → {after}.",
  },
  {
    id: "identity/federated-credential-audience-changed",
    type: FEDERATED_CREDENTIAL_TYPE,
    path: "properties.audiences",
    severity: "medium",
    remediation:
      "Restore the approved audience (usually api://AzureADTokenExchange): az identity federated-credential update … --audiences api://AzureADTokenExchange",
    message: "Federated identity credential audiences changed.",
  },
  {
    id: "identity/managed-identity-recreated",
    type: USER_ASSIGNED_IDENTITY_TYPE,
    path: "properties.principalId",
    when: { kind: "changed" },
    severity: "medium",
    remediation:
      "Grant the new principal id the role assignments the old one had, and remove the old principal's orphaned assignments (az role assignment list --all --query \"[?principalName=='']\").",
    message:
      "Managed identity deleted and recreated under the same name: its principal id changed and its old role assignments no longer apply.",
  },
  {
    id: "identity/managed-identity-removed",
    type: USER_ASSIGNED_IDENTITY_TYPE,
    when: { kind: "removed" },
    severity: "low",
    remediation:
      "Check which resources used the identity; recreate it and its role assignments if the deletion was not approved.",
    message: "User-assigned managed identity removed: the resources that used it lose its access.",
  },
];

/**
 * The severity rules of the identity domain, most specific first (the first matching rule wins).
 * Ids are stable (`identity/...`): override or suppress them by id.
 */
export const IDENTITY_RULES: SeverityRule[] = [
  ...roleAssignmentRules,
  ...roleDefinitionRules,
  ...denyAssignmentRules,
  ...managedIdentityRules,
];
