import type { CollectorContext } from "@azure-drift/core";

/** A resource whose children are read one call per parent: its id, resource group and name. */
export interface ArmParent {
  id: string;
  resourceGroup: string;
  name: string;
}

const VAULT_ID = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.RecoveryServices\/vaults\/([^/]+)$/i;
const STORAGE_ACCOUNT_ID =
  /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i;

function parse(id: unknown, pattern: RegExp): ArmParent | undefined {
  if (typeof id !== "string") return undefined;
  const match = pattern.exec(id);
  return match?.[1] && match[2]
    ? { id, resourceGroup: decodeURIComponent(match[1]), name: decodeURIComponent(match[2]) }
    : undefined;
}

/** A Recovery Services vault's resource group and name from its ARM id. */
export function vaultParent(id: unknown): ArmParent | undefined {
  return parse(id, VAULT_ID);
}

/** A storage account's resource group and name from its ARM id. */
export function storageAccountParent(id: unknown): ArmParent | undefined {
  return parse(id, STORAGE_ACCOUNT_ID);
}

/** A listing of parents whose failure is tracked: their children cannot all be read either. */
export interface ParentListing {
  /** The context to list the parents with. */
  context: CollectorContext;
  /** Why the parents' listing was incomplete, if it was. */
  incompleteReason(): string | undefined;
}

/**
 * Tracks the coverage of a parent listing. When the parents are records of this collector
 * (`forward`), their incompleteness is reported as well; otherwise (storage accounts, which
 * another collector records) only their children's coverage suffers.
 */
export function trackParentListing(context: CollectorContext, forward: boolean): ParentListing {
  let reason: string | undefined;
  return {
    context: {
      ...context,
      coverage: {
        incomplete(type, why) {
          reason ??= why;
          if (forward) context.coverage.incomplete(type, why);
        },
      },
    },
    incompleteReason: () => reason,
  };
}
