/**
 * `@azure-drift/collector-encryption`: encryption at rest in a subscription (key vaults and their
 * keys' metadata, managed HSMs, disk encryption sets, managed disks, SQL encryption protectors and
 * transparent data encryption, storage encryption scopes), collected through the real
 * `@azure/arm-keyvault`, `@azure/arm-compute`, `@azure/arm-sql` and `@azure/arm-storage` clients as
 * raw ARM JSON, with normalization hints and severity rules for the encryption domain.
 *
 * @example
 * ```ts
 * import { encryptionCollector } from "@azure-drift/collector-encryption";
 * const detector = createDriftDetector({ collectors: [encryptionCollector()], store, credential });
 * ```
 *
 * @packageDocumentation
 */

export type { EncryptionCollectorOptions } from "./collector.js";
export { encryptionCollector } from "./collector.js";
export { transparentDataEncryptionId } from "./listing.js";
export { NAME, VERSION } from "./name.js";
export { ENCRYPTION_API_VERSIONS } from "./read-by-id.js";
export type { EncryptionResourceKind } from "./resource-types.js";
export { ENCRYPTION_TYPES, encryptionResourceTypes } from "./resource-types.js";
export { encryptionRules } from "./rules.js";
