import type { ResourceTypeDefinition } from "@azure-drift/core";

/** The ARM types the network collector emits, as ARM spells them. */
export const NETWORK_TYPES = {
  networkSecurityGroup: "Microsoft.Network/networkSecurityGroups",
  virtualNetwork: "Microsoft.Network/virtualNetworks",
  routeTable: "Microsoft.Network/routeTables",
  publicIpAddress: "Microsoft.Network/publicIPAddresses",
  azureFirewall: "Microsoft.Network/azureFirewalls",
  firewallPolicy: "Microsoft.Network/firewallPolicies",
  ruleCollectionGroup: "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
  applicationGateway: "Microsoft.Network/applicationGateways",
  wafPolicy: "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies",
  privateEndpoint: "Microsoft.Network/privateEndpoints",
} as const;

/** Short name of a network resource type, e.g. `networkSecurityGroup`. */
export type NetworkResourceKind = keyof typeof NETWORK_TYPES;

/**
 * The network types with their normalization hints. Arrays of objects are matched by `name` (else
 * `id`) by core's defaults and primitive arrays are sets, so hints list only the exceptions.
 */
export const networkResourceTypes: Record<NetworkResourceKind, ResourceTypeDefinition> = {
  networkSecurityGroup: {
    type: NETWORK_TYPES.networkSecurityGroup,
    description:
      "Network security groups with their security rules (default rules dropped: Azure fixes them)",
    // The six default rules are the same in every NSG and cannot be changed: keeping them would only
    // add bytes to every record.
    volatile: ["properties.defaultSecurityRules"],
    unorderedArrays: [
      "properties.securityRules.properties.sourceAddressPrefixes",
      "properties.securityRules.properties.destinationAddressPrefixes",
      "properties.securityRules.properties.sourcePortRanges",
      "properties.securityRules.properties.destinationPortRanges",
    ],
  },
  virtualNetwork: {
    type: NETWORK_TYPES.virtualNetwork,
    description:
      "Virtual networks with their subnets (NSG and route table associations, service endpoints, private endpoint policies) and peerings",
    // NICs and private endpoints joining or leaving a subnet are workload churn, not network configuration;
    // private endpoints are collected as their own records.
    volatile: [
      "properties.subnets.properties.ipConfigurations",
      "properties.subnets.properties.privateEndpoints",
    ],
    keyedArrays: { "properties.subnets.properties.serviceEndpoints": ["service"] },
    orderedArrays: ["properties.dhcpOptions.dnsServers"],
  },
  routeTable: {
    type: NETWORK_TYPES.routeTable,
    description: "Route tables with their routes and subnet associations",
  },
  publicIpAddress: {
    type: NETWORK_TYPES.publicIpAddress,
    description: "Public IP addresses, their allocation and what they are attached to",
    // A dynamic address changes whenever its VM is deallocated; a static one only when the resource is
    // recreated, which `resourceGuid` shows. Either way the address itself is not configuration.
    volatile: ["properties.ipAddress"],
  },
  azureFirewall: {
    type: NETWORK_TYPES.azureFirewall,
    description: "Azure firewalls: threat intelligence mode, attached policy, classic rule collections",
  },
  firewallPolicy: {
    type: NETWORK_TYPES.firewallPolicy,
    description: "Firewall policies: threat intelligence, IDPS, DNS proxy, TLS inspection",
    orderedArrays: ["properties.dnsSettings.servers"],
  },
  ruleCollectionGroup: {
    type: NETWORK_TYPES.ruleCollectionGroup,
    description:
      "Rule collection groups of firewall policies: the firewall's network, application and NAT rules",
  },
  applicationGateway: {
    type: NETWORK_TYPES.applicationGateway,
    description: "Application gateways: WAF configuration, WAF policy, TLS policy, listeners and routing",
    // Running/Stopped is runtime state; backend NICs come and go with scale sets.
    volatile: [
      "properties.operationalState",
      "properties.backendAddressPools.properties.backendIPConfigurations",
    ],
    keyedArrays: {
      "properties.webApplicationFirewallConfiguration.disabledRuleGroups": ["ruleGroupName"],
      "properties.webApplicationFirewallConfiguration.exclusions": [
        "matchVariable",
        "selectorMatchOperator",
        "selector",
      ],
    },
    // Cipher suites are offered in this order.
    orderedArrays: [
      "properties.sslPolicy.cipherSuites",
      "properties.sslProfiles.properties.sslPolicy.cipherSuites",
    ],
    secrets: ["properties.sslCertificates.properties.data", "properties.sslCertificates.properties.password"],
  },
  wafPolicy: {
    type: NETWORK_TYPES.wafPolicy,
    description:
      "Web application firewall policies: state, mode, managed rule sets, exclusions, custom rules",
    // Back-references to the gateways, listeners and paths using the policy: shown on those resources.
    volatile: ["properties.applicationGateways", "properties.httpListeners", "properties.pathBasedRules"],
    keyedArrays: {
      "properties.managedRules.managedRuleSets": ["ruleSetType"],
      "properties.managedRules.managedRuleSets.ruleGroupOverrides": ["ruleGroupName"],
      "properties.managedRules.managedRuleSets.ruleGroupOverrides.rules": ["ruleId"],
      "properties.managedRules.exclusions": ["matchVariable", "selectorMatchOperator", "selector"],
    },
  },
  privateEndpoint: {
    type: NETWORK_TYPES.privateEndpoint,
    description: "Private endpoints: target resource, group ids, connection approval state, subnet",
    keyedArrays: { "properties.customDnsConfigs": ["fqdn"] },
  },
};
