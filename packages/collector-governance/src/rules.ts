import type { JsonValue, RuleContext, SeverityRule } from "@azure-drift/core";
import { GOVERNANCE_TYPES } from "./resource-types.js";

/** Activity-log categories whose loss hides who changed what, security alerts and policy decisions. */
const CRITICAL_ACTIVITY_CATEGORIES = new Set(["administrative", "security", "policy"]);

/** Key vault log entries that carry its audit trail (who read which secret). */
function isKeyVaultAuditStream(entry: JsonValue | undefined): boolean {
  const object = asObject(entry);
  if (!object) return false;
  return (
    lower(object.category) === "auditevent" || ["audit", "alllogs"].includes(lower(object.categoryGroup))
  );
}

function isCriticalActivityStream(entry: JsonValue | undefined): boolean {
  return CRITICAL_ACTIVITY_CATEGORIES.has(lower(asObject(entry)?.category));
}

function asObject(value: JsonValue | undefined): Record<string, JsonValue> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

function lower(value: JsonValue | undefined): string {
  return typeof value === "string" ? value.toLowerCase() : "";
}

function property(resource: JsonValue | undefined, name: string): JsonValue | undefined {
  return asObject(asObject(resource)?.properties)?.[name];
}

/** The part of an extension resource's id before `/providers/Microsoft.Insights/…` (or `…Authorization/…`): what it is attached to. */
function attachedTo(resourceId: string): string {
  const at = resourceId.toLowerCase().lastIndexOf("/providers/");
  return at > 0 ? resourceId.slice(0, at) : "";
}

/** The diagnostic setting is the subscription's own (its activity log). */
function isSubscriptionSetting(context: RuleContext): boolean {
  return /^\/subscriptions\/[^/]+$/i.test(attachedTo(context.resourceId));
}

/** The diagnostic setting belongs to a key vault. */
function isKeyVaultSetting(context: RuleContext): boolean {
  return /\/providers\/microsoft\.keyvault\/vaults\/[^/]+$/i.test(attachedTo(context.resourceId));
}

/** The name of what a setting or lock is attached to: the subscription id, or the resource's name. */
function targetName(context: RuleContext): string {
  const target = attachedTo(context.resourceId);
  return target.slice(target.lastIndexOf("/") + 1);
}

/**
 * A change to a setting's `logs` that stops one matching stream: its `enabled` switched off, the
 * entry removed, or every entry removed at once.
 */
function streamStopped(context: RuleContext, matches: (entry: JsonValue | undefined) => boolean): boolean {
  if (context.path === "properties.logs") {
    if (context.kind !== "removed" && context.kind !== "changed") return false;
    const before = Array.isArray(context.before) ? context.before : [];
    const after = Array.isArray(context.after) ? context.after : [];
    const live = (entries: JsonValue[]) =>
      new Set(entries.filter((entry) => matches(entry) && asObject(entry)?.enabled === true).map(streamKey));
    const kept = live(after);
    return [...live(before)].some((key) => !kept.has(key));
  }
  if (/^properties\.logs\[[^\]]+\]$/.test(context.path)) {
    return (
      context.kind === "removed" && matches(context.before) && asObject(context.before)?.enabled === true
    );
  }
  if (/^properties\.logs\[[^\]]+\]\.enabled$/.test(context.path)) {
    return matches(context.elementBefore) && context.before === true && context.after !== true;
  }
  return false;
}

function streamKey(entry: JsonValue): string {
  const object = asObject(entry);
  return `${lower(object?.category)}|${lower(object?.categoryGroup)}`;
}

/** The setting had an enabled stream that matches, so its removal loses it. */
function hadStream(context: RuleContext, matches: (entry: JsonValue | undefined) => boolean): boolean {
  const logs = property(context.before, "logs");
  return Array.isArray(logs) && logs.some((entry) => matches(entry) && asObject(entry)?.enabled === true);
}

/** The entries of the `logs` a change is about, for the message: `Administrative`, `audit`… */
function streamNames(context: RuleContext, matches: (entry: JsonValue | undefined) => boolean): string {
  const element = context.elementBefore ?? context.before;
  const entries = Array.isArray(context.before)
    ? context.before
    : Array.isArray(element)
      ? element
      : [element];
  const names = entries
    .filter((entry) => matches(entry))
    .map((entry) => {
      const object = asObject(entry);
      return String(object?.category ?? object?.categoryGroup ?? "?");
    });
  return names.length ? names.join(", ") : "a log category";
}

/** A `Deny` effect that became something weaker (Audit, Disabled…) or went away. */
function weakenedFromDeny(context: RuleContext): boolean {
  return lower(context.before) === "deny" && lower(context.after) !== "deny";
}

/** A change to a value that sets a policy effect: a rule's `then.effect`, or the value or default of a parameter named like `effect`. */
function isEffectPath(path: string): boolean {
  return (
    /(^|\.)then\.effect$/i.test(path) ||
    /(^|\.)parameters\.[^.]*effect[^.]*\.(value|defaultValue)$/i.test(path)
  );
}

/** An override added to an assignment that sets a policy's effect to something other than Deny. */
function effectOverrideAdded(context: RuleContext): boolean {
  if (context.kind !== "added" && context.kind !== "changed") return false;
  const added = Array.isArray(context.after) ? context.after : [context.after];
  const before = new Set(
    (Array.isArray(context.before) ? context.before : []).map((entry) => JSON.stringify(entry)),
  );
  return added.some(
    (entry) =>
      !before.has(JSON.stringify(entry)) &&
      lower(asObject(entry)?.kind) === "policyeffect" &&
      lower(asObject(entry)?.value) !== "deny",
  );
}

const displayName = (context: RuleContext): string => {
  const name = property(
    context.resourceBefore ?? context.before ?? context.resourceAfter ?? context.after,
    "displayName",
  );
  const id = context.resourceId.slice(context.resourceId.lastIndexOf("/") + 1);
  return typeof name === "string" && name ? `"${name}" (${id})` : id;
};

/**
 * The severity rules of the governance domain, evaluated before core's defaults. Three of them
 * replace core's on the same change with more to say: `governance/policy-assignment-removed` and
 * `governance/policy-not-enforced` (core rates both medium too, without naming the assignment),
 * `governance/lock-removed` (high, where core says medium: both lock levels stop deletion) and the
 * diagnostic-setting removals (the subscription's and a key vault's audit trail high, others medium).
 */
export const governanceRules: SeverityRule[] = [
  // --- Policy assignments -----------------------------------------------------------------------
  {
    id: "governance/policy-assignment-removed",
    type: GOVERNANCE_TYPES.policyAssignment,
    when: { kind: "removed" },
    severity: "medium",
    message: (context) =>
      `Policy assignment ${displayName(context)} was removed: what it denied or audited is no longer checked.`,
    remediation:
      "Re-create the assignment from its source (policy-as-code pipeline), or az policy assignment create --name <name> --policy <definition> --scope <scope>.",
  },
  {
    id: "governance/policy-not-enforced",
    type: GOVERNANCE_TYPES.policyAssignment,
    path: "properties.enforcementMode",
    when: { before: { notEquals: "DoNotEnforce" }, after: { equals: "DoNotEnforce" } },
    severity: "medium",
    message: (context) =>
      `Policy assignment ${displayName(context)} was set to DoNotEnforce: its Deny effects no longer block anything.`,
    remediation: "az policy assignment update --name <name> --scope <scope> --enforcement-mode Default",
  },
  {
    id: "governance/policy-exclusion-added",
    type: GOVERNANCE_TYPES.policyAssignment,
    path: "properties.notScopes",
    when: (context) =>
      context.kind === "added" || (context.kind === "changed" && Array.isArray(context.after)),
    severity: "medium",
    message: (context) =>
      `Policy assignment ${displayName(context)} now excludes ${JSON.stringify(context.after)}.`,
    remediation:
      "Check who excluded the scope and why; remove it with az policy assignment update --name <name> --scope <scope> --not-scopes <remaining>.",
  },
  {
    id: "governance/policy-assignment-effect-weakened",
    type: GOVERNANCE_TYPES.policyAssignment,
    path: "properties.parameters.**",
    when: (context) => isEffectPath(context.path) && weakenedFromDeny(context),
    severity: "medium",
    message: (context) =>
      `Policy assignment ${displayName(context)} no longer denies: its effect went from Deny to ${JSON.stringify(context.after ?? null)}.`,
    remediation:
      "Set the assignment's effect parameter back to Deny in its source, or az policy assignment update --params with effect Deny.",
  },
  {
    id: "governance/policy-effect-override-added",
    type: GOVERNANCE_TYPES.policyAssignment,
    path: "properties.overrides",
    when: effectOverrideAdded,
    severity: "medium",
    message: (context) =>
      `Policy assignment ${displayName(context)} gained an override that sets its effect to something other than Deny.`,
    remediation:
      "Review the assignment's overrides (az policy assignment show) and remove the effect override if it was not approved.",
  },

  // --- Policy definitions and initiatives ---------------------------------------------------------
  {
    id: "governance/policy-effect-weakened",
    type: GOVERNANCE_TYPES.policyDefinition,
    path: "properties.**",
    when: (context) => isEffectPath(context.path) && weakenedFromDeny(context),
    severity: "medium",
    message: (context) =>
      `Custom policy ${displayName(context)} no longer denies: ${context.path} went from Deny to ${JSON.stringify(context.after ?? null)}.`,
    remediation:
      "Restore the definition's effect (or its effect parameter's default) to Deny from its source; az policy definition update --rules <file>.",
  },
  {
    id: "governance/initiative-effect-weakened",
    type: GOVERNANCE_TYPES.policySetDefinition,
    path: "properties.policyDefinitions[*].parameters.**",
    when: (context) => isEffectPath(context.path) && weakenedFromDeny(context),
    severity: "medium",
    message: (context) =>
      `Initiative ${displayName(context)} no longer denies for one member: ${context.path} went from Deny to ${JSON.stringify(context.after ?? null)}.`,
    remediation:
      "Restore the member's effect parameter to Deny in the initiative's source; az policy set-definition update --definitions <file>.",
  },

  // --- Exemptions ---------------------------------------------------------------------------------
  {
    id: "governance/policy-exemption-added",
    type: GOVERNANCE_TYPES.policyExemption,
    when: { kind: "added" },
    severity: "medium",
    message: (context) =>
      `Policy exemption ${displayName(context)} was added (${String(property(context.after, "exemptionCategory") ?? "?")}, expires ${String(property(context.after, "expiresOn") ?? "never")}).`,
    remediation:
      "Check the exemption was approved and has an expiry; remove it with az policy exemption delete --name <name> --scope <scope>.",
  },
  {
    id: "governance/policy-exemption-extended",
    type: GOVERNANCE_TYPES.policyExemption,
    path: "properties.expiresOn",
    when: (context) =>
      context.kind === "removed" ||
      (typeof context.before === "string" &&
        typeof context.after === "string" &&
        context.after > context.before),
    severity: "low",
    message: "Policy exemption {name} now expires later ({before} → {after}).",
    remediation:
      "Check the extension was approved; set the expiry back with az policy exemption update --expires-on <date>.",
  },

  // --- Locks --------------------------------------------------------------------------------------
  {
    id: "governance/lock-removed",
    type: GOVERNANCE_TYPES.managementLock,
    when: { kind: "removed" },
    severity: "high",
    message: (context) =>
      `${String(property(context.before, "level") ?? "A")} lock ${context.resourceId.slice(context.resourceId.lastIndexOf("/") + 1)} on ${targetName(context)} was removed: it can now be deleted.`,
    remediation:
      "az lock create --name <name> --lock-type CanNotDelete --resource-group <group> (or --resource <id>) to put the lock back.",
  },
  {
    id: "governance/lock-weakened",
    type: GOVERNANCE_TYPES.managementLock,
    path: "properties.level",
    when: { before: { equals: "ReadOnly" }, after: { equals: "CanNotDelete" } },
    severity: "low",
    message: (context) =>
      `Lock {name} on ${targetName(context)} went from ReadOnly to CanNotDelete: the resource can be changed again.`,
    remediation: "If the resource must stay read-only: az lock update --name <name> --lock-type ReadOnly.",
  },

  // --- Diagnostic settings ------------------------------------------------------------------------
  {
    id: "governance/subscription-diagnostic-setting-removed",
    type: GOVERNANCE_TYPES.diagnosticSetting,
    when: (context) => context.kind === "removed" && isSubscriptionSetting(context),
    severity: "high",
    message:
      "The subscription's diagnostic setting {name} was removed: its activity log is no longer exported.",
    remediation:
      'az monitor diagnostic-settings subscription create --name <name> --location <region> --workspace <id> --logs \'[{"category":"Administrative","enabled":true},…]\'',
  },
  {
    id: "governance/activity-log-category-disabled",
    type: GOVERNANCE_TYPES.diagnosticSetting,
    path: "properties.logs.**",
    when: (context) => isSubscriptionSetting(context) && streamStopped(context, isCriticalActivityStream),
    severity: "high",
    message: (context) =>
      `The subscription's diagnostic setting {name} no longer exports ${streamNames(context, isCriticalActivityStream)} activity logs.`,
    remediation:
      "Re-enable the Administrative, Security and Policy categories: az monitor diagnostic-settings subscription update --name <name> --logs <all categories enabled>.",
  },
  {
    id: "governance/key-vault-audit-logging-removed",
    type: GOVERNANCE_TYPES.diagnosticSetting,
    when: (context) =>
      context.kind === "removed" && isKeyVaultSetting(context) && hadStream(context, isKeyVaultAuditStream),
    severity: "high",
    message: (context) =>
      `Key vault ${targetName(context)} lost its audit logging: diagnostic setting {name} was removed.`,
    remediation:
      'az monitor diagnostic-settings create --name <name> --resource <vault id> --workspace <id> --logs \'[{"categoryGroup":"audit","enabled":true}]\'',
  },
  {
    id: "governance/key-vault-audit-logging-disabled",
    type: GOVERNANCE_TYPES.diagnosticSetting,
    path: "properties.logs.**",
    when: (context) => isKeyVaultSetting(context) && streamStopped(context, isKeyVaultAuditStream),
    severity: "high",
    message: (context) =>
      `Key vault ${targetName(context)} no longer exports its audit logs (${streamNames(context, isKeyVaultAuditStream)}) through diagnostic setting {name}.`,
    remediation:
      "Re-enable the AuditEvent category (or the audit category group) on the vault's diagnostic setting: az monitor diagnostic-settings update.",
  },
  {
    id: "governance/diagnostic-setting-removed",
    type: GOVERNANCE_TYPES.diagnosticSetting,
    when: { kind: "removed" },
    severity: "medium",
    message: (context) =>
      `Diagnostic setting {name} of ${targetName(context)} was removed: its logs are no longer collected.`,
    remediation:
      "Re-create the setting from its source, or az monitor diagnostic-settings create --resource <id> --name <name> --workspace <id>.",
  },
  {
    id: "governance/diagnostic-destination-changed",
    type: GOVERNANCE_TYPES.diagnosticSetting,
    path: "properties.*",
    when: (context) =>
      /^properties\.(workspaceId|storageAccountId|eventHubAuthorizationRuleId|eventHubName)$/.test(
        context.path,
      ) && context.kind !== "added",
    severity: "medium",
    message: (context) =>
      `Diagnostic setting {name} of ${targetName(context)} now sends its logs elsewhere: ${context.path} {before} → {after}.`,
    remediation:
      "Check the new destination is the approved workspace or archive; point the setting back with az monitor diagnostic-settings update.",
  },

  // --- Activity-log alerts ------------------------------------------------------------------------
  {
    id: "governance/activity-log-alert-removed",
    type: GOVERNANCE_TYPES.activityLogAlert,
    when: { kind: "removed" },
    severity: "medium",
    message: "Activity-log alert {name} was removed: nobody is told of the operations it watched.",
    remediation:
      "Re-create the alert from its source, or az monitor activity-log alert create --name <name> --resource-group <group> --condition <condition>.",
  },
  {
    id: "governance/activity-log-alert-disabled",
    type: GOVERNANCE_TYPES.activityLogAlert,
    path: "properties.enabled",
    when: { before: { equals: true }, after: { notEquals: true } },
    severity: "medium",
    message: "Activity-log alert {name} was disabled.",
    remediation: "az monitor activity-log alert update --name <name> --resource-group <group> --enabled true",
  },
  {
    id: "governance/activity-log-alert-action-removed",
    type: GOVERNANCE_TYPES.activityLogAlert,
    path: "properties.actions.actionGroups.**",
    when: { kind: "removed" },
    severity: "medium",
    message: "Activity-log alert {name} no longer notifies an action group.",
    remediation:
      "Add the action group back: az monitor activity-log alert action-group add --name <name> --resource-group <group> --action-group <id>.",
  },
];
