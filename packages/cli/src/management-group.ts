import { type ArmConnection, DriftError, type TokenCredential } from "@azure-drift/core";
import { MANAGEMENT_GROUP_ID } from "./config/schema.js";
import { armCallError } from "./errors.js";
import { isCheckable, sdkClientOptions, type VisibleSubscription } from "./subscriptions.js";

/** The descendant type ARM gives a subscription in a management group's descendants. */
const SUBSCRIPTION_DESCENDANT = "microsoft.management/managementgroups/subscriptions";

/** What the identity needs to list a group's descendants. */
const PERMISSION_HINT =
  "grant the identity the Management Group Reader role on the group (it carries Microsoft.Management/managementGroups/descendants/read), and Reader there so its subscriptions can be read";

/**
 * Checks a `--management-group` value: a management group id (its name, not its display name).
 *
 * @throws DriftError `E_INPUT` for a value ARM would not accept as a group id.
 */
export function parseManagementGroupId(value: string): string {
  const id = value.trim();
  if (!MANAGEMENT_GROUP_ID.test(id)) {
    throw new DriftError(
      "E_INPUT",
      `Invalid management group id "${value}": give the group's id (up to 90 letters, digits, -, _, ., ( or ); see az account management-group list), not its display name.`,
    );
  }
  return id;
}

/**
 * The subscriptions below a management group, at any depth (`GET /providers/Microsoft.Management/
 * managementGroups/{id}/descendants`, every page): only the subscription descendants, lower-cased,
 * in the order ARM lists them. Nested groups need no walk of their own: descendants lists them all.
 *
 * @throws DriftError `E_AUTH` on a 403 (ARM's answer also for a group that does not exist), naming
 * the role to grant; `E_NOT_FOUND` on a 404; `E_INPUT` for a group with no subscription below it.
 */
export async function listManagementGroupSubscriptions(
  credential: TokenCredential,
  arm: ArmConnection,
  groupId: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const { ManagementGroupsAPI } = await import("@azure/arm-managementgroups");
  const client = new ManagementGroupsAPI(
    credential,
    sdkClientOptions(arm, { maxRetries: 2, retryDelayInMs: 300 }),
  );
  const found: string[] = [];
  try {
    for await (const descendant of client.managementGroups.listDescendants(
      groupId,
      signal ? { abortSignal: signal } : {},
    )) {
      if (descendant.type?.toLowerCase() !== SUBSCRIPTION_DESCENDANT || !descendant.name) continue;
      const id = descendant.name.toLowerCase();
      if (!found.includes(id)) found.push(id);
    }
  } catch (error) {
    if (signal?.aborted) throw new DriftError("E_ABORTED", "The operation was cancelled.", { cause: error });
    throw descendantsError(error, arm.endpoint, groupId);
  }
  if (found.length === 0) {
    throw new DriftError(
      "E_INPUT",
      `Management group ${groupId} holds no subscription, directly or in a group below it: nothing to check. Move subscriptions under it, or name another group.`,
    );
  }
  return found;
}

function descendantsError(error: unknown, endpoint: string, groupId: string): DriftError {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (status === 403) {
    return new DriftError(
      "E_AUTH",
      `${endpoint} denied listing the descendants of management group ${groupId} (403): check the group id (not its display name) and ${PERMISSION_HINT}.`,
      { cause: error },
    );
  }
  if (status === 404) {
    return new DriftError(
      "E_NOT_FOUND",
      `No management group ${groupId} at ${endpoint} (404): check the id with az account management-group list.`,
      { cause: error },
    );
  }
  return armCallError(error, endpoint, `listing the descendants of management group ${groupId}`);
}

/**
 * The group's subscriptions that can be checked: each must be visible to the credential; disabled
 * ones are left out as they are when every visible subscription is checked.
 *
 * @throws DriftError `E_AUTH` naming the group's subscriptions the credential cannot see; `E_INPUT`
 * when every one of them is disabled.
 */
export function chooseGroupSubscriptions(
  groupId: string,
  inGroup: readonly string[],
  visible: readonly VisibleSubscription[],
): VisibleSubscription[] {
  const byId = new Map(visible.map((sub) => [sub.subscriptionId, sub]));
  const hidden = inGroup.filter((id) => !byId.has(id));
  if (hidden.length > 0) {
    throw new DriftError(
      "E_AUTH",
      `Management group ${groupId} holds ${hidden.length === 1 ? "subscription" : "subscriptions"} ${hidden.join(", ")} that this credential cannot see: grant the identity the Reader role on the management group (its subscriptions inherit it).`,
    );
  }
  const chosen = inGroup.map((id) => byId.get(id) as VisibleSubscription).filter(isCheckable);
  if (chosen.length === 0) {
    throw new DriftError(
      "E_INPUT",
      `Every subscription of management group ${groupId} is disabled: nothing to check.`,
    );
  }
  return chosen;
}
