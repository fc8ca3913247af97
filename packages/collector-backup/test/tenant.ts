import { generateTenant, type Tenant } from "@azure-drift/testing";

/**
 * A generated tenant of two subscriptions holding every backup type: vaults come with all their
 * backup children, storage accounts with their blob and file services.
 */
export function backupTenant(seed: string, resources: number): Tenant {
  return generateTenant({
    seed,
    resources,
    subscriptions: 2,
    mix: { recoveryServicesVault: 1, storageAccount: 1 },
  });
}
