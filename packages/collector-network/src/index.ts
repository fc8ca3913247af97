/**
 * `@azure-drift/collector-network`: the network security configuration of a subscription (NSGs,
 * virtual networks and subnets, route tables, public IPs, Azure firewalls and firewall policies with
 * their rule collection groups, application gateways and WAF policies, private endpoints), collected
 * through the real `@azure/arm-network` client as raw ARM JSON, with normalization hints and
 * severity rules for the network domain.
 *
 * @example
 * ```ts
 * import { networkCollector } from "@azure-drift/collector-network";
 * const detector = createDriftDetector({ collectors: [networkCollector()], store, credential });
 * ```
 *
 * @packageDocumentation
 */

export type { NetworkCollectorOptions } from "./collector.js";
export { NAME, NETWORK_API_VERSION, networkCollector, VERSION } from "./collector.js";
export { anyToAnyAllowRules, MANAGEMENT_PORTS, opensManagementPort, opensOtherPort } from "./exposure.js";
export type { NetworkResourceKind } from "./resource-types.js";
export { NETWORK_TYPES, networkResourceTypes } from "./resource-types.js";
export { networkRules } from "./rules.js";
