/**
 * `@azure-drift/collector-security`: the security posture of a subscription: Defender for Cloud
 * plans (tier, sub-plan, extensions), security contacts, auto-provisioning and integration settings;
 * storage accounts (public access, network rules, transport, shared keys, encryption key source); SQL
 * servers (public access, TLS, Entra administrator) with their firewall rules, auditing, Defender for
 * SQL and Entra-only authentication. Collected through the real `@azure/arm-security`,
 * `@azure/arm-storage` and `@azure/arm-sql` clients as raw ARM JSON, with normalization hints and
 * severity rules for the security domain.
 *
 * @example
 * ```ts
 * import { securityCollector } from "@azure-drift/collector-security";
 * const detector = createDriftDetector({ collectors: [securityCollector()], store, credential });
 * ```
 *
 * @packageDocumentation
 */

export type { SecurityCollectorOptions } from "./collector.js";
export {
  NAME,
  PRICINGS_API_VERSION,
  SECURITY_API_VERSIONS,
  SQL_SERVERS_EXPAND,
  securityCollector,
  VERSION,
} from "./collector.js";
export type { SecurityResourceKind, SqlServerChildKind } from "./resource-types.js";
export { SECURITY_TYPES, SQL_SERVER_CHILD_KINDS, securityResourceTypes } from "./resource-types.js";
export { allowsAzureServices, opensSqlToInternet, SECURITY_RULES } from "./rules.js";
