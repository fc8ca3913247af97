/**
 * An example custom collector for azure-drift: the security settings of storage accounts, collected
 * through `@azure/arm-storage` and `@azure-drift/arm`, with normalization hints and severity rules.
 * Copy it to start your own; docs/writing-a-collector.md explains each part.
 *
 * @example
 * ```ts
 * import { createDriftDetector } from "@azure-drift/core";
 * import { storageSecurityCollector } from "./src/index.js";
 * const detector = createDriftDetector({ collectors: [storageSecurityCollector()], store, credential });
 * ```
 *
 * @packageDocumentation
 */

export type { StorageSecurityCollectorOptions } from "./collector.js";
export { NAME, storageSecurityCollector, VERSION } from "./collector.js";
export { STORAGE_ACCOUNT_TYPE, storageAccountType } from "./resource-types.js";
export { isOpenToAllNetworks, storageRules } from "./rules.js";
