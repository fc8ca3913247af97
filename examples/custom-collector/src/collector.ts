import { armClientOptions, listRaw } from "@azure-drift/arm";
import { type Collector, defineCollector } from "@azure-drift/core";
import { STORAGE_ACCOUNT_TYPE, storageAccountType } from "./resource-types.js";
import { storageRules } from "./rules.js";

/** The collector's name, as recorded in snapshots and used in rule ids. */
export const NAME = "example-storage";

/** The collector's version, as recorded in snapshots. */
export const VERSION = "0.1.0";

/** Options of {@link storageSecurityCollector}. */
export interface StorageSecurityCollectorOptions {
  /** A `Retry-After` longer than this fails the listing (coverage incomplete) instead of waiting. */
  maxRetryAfterMs?: number;
}

/**
 * Collects the security settings of a subscription's storage accounts through the real
 * `@azure/arm-storage` client: one subscription-level listing (`storageAccounts.list`), each account
 * yielded as the ARM REST API returned it.
 */
export function storageSecurityCollector(options: StorageSecurityCollectorOptions = {}): Collector {
  return defineCollector({
    name: NAME,
    version: VERSION,
    domain: "storage",
    types: [storageAccountType],
    rules: storageRules,
    async *collect(context) {
      // Imported on first use: loading this module stays cheap for an application that never collects.
      const { StorageManagementClient } = await import("@azure/arm-storage");
      const client = new StorageManagementClient(
        context.credential,
        context.subscriptionId,
        armClientOptions(
          context,
          NAME,
          options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs },
        ),
      );
      // Paging, the shared limiter, retries, raw bodies, abort and coverage on 403/5xx are listRaw's job.
      yield* listRaw(context, {
        collector: NAME,
        resourceType: STORAGE_ACCOUNT_TYPE,
        list: (operationOptions) => client.storageAccounts.list(operationOptions),
      });
    },
  });
}
