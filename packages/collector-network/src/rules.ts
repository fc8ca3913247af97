import type { JsonValue, RuleContext, SeverityRule } from "@azure-drift/core";
import {
  anyToAnyAllowRules,
  asObject,
  isInboundAllowFromInternet,
  listOf,
  lower,
  opensManagementPort,
  opensOtherPort,
  prop,
} from "./exposure.js";
import { NETWORK_TYPES } from "./resource-types.js";

/** The NSG rule fields whose change can open a rule to the internet; a description edit cannot. */
const NSG_EXPOSURE_FIELDS = new Set([
  "access",
  "direction",
  "protocol",
  "sourceaddressprefix",
  "sourceaddressprefixes",
  "destinationportrange",
  "destinationportranges",
]);

const TLS_PROTOCOLS = ["TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3"];

/** The last property name of a change path (`access` for `…[name=X].properties.access`), lower-cased. */
function field(context: RuleContext): string {
  return context.path.slice(context.path.lastIndexOf(".") + 1).toLowerCase();
}

/** The change is about a whole keyed-array element (added or removed), not a field inside it. */
function isWholeElement(context: RuleContext): boolean {
  return context.path.endsWith("]");
}

/** An NSG rule now lets the internet reach some port (other than SSH/RDP/all, which core rates critical). */
function nsgRuleOpenedToInternet(context: RuleContext): boolean {
  if (!isWholeElement(context) && !NSG_EXPOSURE_FIELDS.has(field(context))) return false;
  return opensOtherPort(context.elementAfter) && !isInboundAllowFromInternet(context.elementBefore);
}

/** The innermost keyed element a change is about: before it for a removal, else after it. */
function elementOf(context: RuleContext): ReturnType<typeof asObject> {
  return asObject(
    context.kind === "removed" ? context.elementBefore : (context.elementAfter ?? context.elementBefore),
  );
}

/** A route for the default destination (`0.0.0.0/0`): where all internet-bound traffic goes. */
function isDefaultRoute(route: JsonValue | undefined): boolean {
  return lower(prop(route, "addressPrefix")) === "0.0.0.0/0";
}

function defaultRouteChanged(context: RuleContext): boolean {
  if (!isDefaultRoute(context.elementBefore) && !isDefaultRoute(context.elementAfter)) return false;
  if (isWholeElement(context)) return true;
  return ["nexthoptype", "nexthopipaddress", "addressprefix"].includes(field(context));
}

/** The `[name=…]` values of a change path, in order: `collection`, then `rule`, for a rule collection group. */
function selectorNames(path: string): string[] {
  return [...path.matchAll(/\[name=([^\]]*)\]/gi)].map((match) => (match[1] ?? "").toLowerCase());
}

/** A rule collection group change that makes a rule allow any source to any destination and port. */
function firewallRuleAllowsAnyToAny(context: RuleContext): boolean {
  const added = anyToAnyAllowRules(context.resourceAfter);
  const before = anyToAnyAllowRules(context.resourceBefore);
  const [collection, rule] = selectorNames(context.path);
  if (collection === undefined) return false;
  for (const entry of added) {
    if (before.has(entry)) continue;
    const [entryCollection, entryRule] = entry.split("/");
    if (entryCollection === collection && (rule === undefined || entryRule === rule)) return true;
  }
  return false;
}

function newRuleCollectionGroupAllowsAnyToAny(context: RuleContext): boolean {
  return context.kind === "added" && anyToAnyAllowRules(context.after).size > 0;
}

/** Removed from the resource (the whole reference object or its id). */
const removed = { kind: "removed" } as const;

/**
 * The severity rules of the network domain. They complement core's defaults (which already rate an
 * NSG rule opening SSH/RDP/all ports to the internet critical, a subnet losing its NSG high, WAF
 * switched off or to Detection high, threat intelligence weakened high, a public IP created medium)
 * and are evaluated before them.
 */
export const networkRules: SeverityRule[] = [
  // --- Network security groups -------------------------------------------------------------
  {
    id: "network/nsg-rule-opens-port-to-internet",
    type: NETWORK_TYPES.networkSecurityGroup,
    path: "properties.securityRules[*].**",
    when: nsgRuleOpenedToInternet,
    severity: "high",
    message: "NSG rule {element} now allows inbound traffic from the internet.",
  },
  {
    id: "network/nsg-deny-rule-removed",
    type: NETWORK_TYPES.networkSecurityGroup,
    path: "properties.securityRules[*]",
    when: { kind: "removed", before: { matches: { "properties.access": "Deny" } } },
    severity: "medium",
    message: "Deny rule {element} was removed from the NSG.",
  },
  {
    id: "network/nsg-removed",
    type: NETWORK_TYPES.networkSecurityGroup,
    when: { kind: "removed" },
    severity: "medium",
    message:
      "Network security group {name} was deleted; the subnets and NICs it protected are now unfiltered unless another NSG applies.",
  },
  {
    id: "network/nsg-created-open-to-internet",
    type: NETWORK_TYPES.networkSecurityGroup,
    // A new NSG that also opens SSH/RDP is left to core's critical rule.
    when: (context) => {
      const rules = listOf(prop(context.after, "securityRules"));
      return context.kind === "added" && rules.some(opensOtherPort) && !rules.some(opensManagementPort);
    },
    severity: "high",
    message: "New NSG {name} allows inbound traffic from the internet.",
  },

  // --- Virtual networks and subnets ----------------------------------------------------------
  {
    id: "network/subnet-private-endpoint-policies-disabled",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.subnets[*].properties.privateEndpointNetworkPolicies",
    when: { after: { equals: "Disabled" } },
    severity: "medium",
    message: "Subnet {element} no longer applies NSGs and route tables to private endpoints.",
  },
  {
    id: "network/subnet-default-outbound-access-enabled",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.subnets[*].properties.defaultOutboundAccess",
    when: { after: { equals: true } },
    severity: "medium",
    message: "Subnet {element} now has default outbound internet access.",
  },
  {
    id: "network/subnet-service-endpoint-removed",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.subnets[*].properties.serviceEndpoints[*]",
    when: removed,
    severity: "low",
    message: "Subnet service endpoint {element} was removed.",
  },
  {
    id: "network/vnet-peering-added",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.virtualNetworkPeerings[*]",
    when: { kind: "added" },
    severity: "medium",
    message: "Virtual network peering {element} was added: another network can now reach this one.",
  },
  {
    id: "network/vnet-peering-forwarding-enabled",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.virtualNetworkPeerings[*].properties.allow*",
    when: { after: { equals: true }, before: { notEquals: true } },
    severity: "medium",
    message: "Peering {element}: {path} was turned on.",
  },
  {
    id: "network/vnet-dns-servers-changed",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.dhcpOptions.dnsServers.**",
    severity: "medium",
    message: "The DNS servers of the virtual network changed: name resolution can be redirected.",
  },
  {
    id: "network/vnet-ddos-protection-disabled",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.enableDdosProtection",
    when: { after: { notEquals: true }, before: { equals: true } },
    severity: "medium",
    message: "DDoS protection was turned off for the virtual network.",
  },

  // --- Route tables ----------------------------------------------------------------------------
  {
    id: "network/default-route-changed",
    type: NETWORK_TYPES.routeTable,
    path: "properties.routes[*].**",
    when: defaultRouteChanged,
    severity: "high",
    message:
      "The default route (0.0.0.0/0) {element} changed: internet-bound traffic may bypass the firewall.",
  },
  {
    id: "network/route-table-removed",
    type: NETWORK_TYPES.routeTable,
    when: { kind: "removed" },
    severity: "medium",
    message: "Route table {name} was deleted; its subnets now use system routes.",
  },
  {
    id: "network/route-propagation-enabled",
    type: NETWORK_TYPES.routeTable,
    path: "properties.disableBgpRoutePropagation",
    when: { after: { notEquals: true }, before: { equals: true } },
    severity: "medium",
    message: "BGP route propagation was re-enabled: gateway routes can override the table's routes.",
  },

  // --- Public IP addresses ---------------------------------------------------------------------
  {
    id: "network/public-ip-attached",
    type: NETWORK_TYPES.publicIpAddress,
    path: "properties.ipConfiguration.**",
    when: (context) => context.kind !== "removed" && context.after !== undefined,
    severity: "medium",
    message: "Public IP {name} was attached to another resource, now reachable from the internet.",
  },

  // --- Azure firewalls and firewall policies ---------------------------------------------------
  {
    id: "network/firewall-policy-detached",
    type: NETWORK_TYPES.azureFirewall,
    path: "properties.firewallPolicy.**",
    when: { kind: ["removed", "changed"] },
    severity: "high",
    message: "The firewall's policy was removed or replaced.",
  },
  {
    id: "network/firewall-classic-rule-allows-any",
    type: NETWORK_TYPES.azureFirewall,
    path: "properties.*RuleCollections[*].**",
    when: firewallRuleAllowsAnyToAny,
    severity: "high",
    message: "Firewall rule {element} now allows any source to any destination.",
  },
  {
    id: "network/firewall-removed",
    type: NETWORK_TYPES.azureFirewall,
    when: { kind: "removed" },
    severity: "high",
    message: "Azure firewall {name} was deleted.",
  },
  {
    id: "network/firewall-policy-removed",
    type: NETWORK_TYPES.firewallPolicy,
    when: { kind: "removed" },
    severity: "high",
    message: "Firewall policy {name} was deleted.",
  },
  {
    id: "network/firewall-idps-weakened",
    type: NETWORK_TYPES.firewallPolicy,
    path: "properties.intrusionDetection.mode",
    when: { lowered: ["Off", "Alert", "Deny"] },
    severity: "high",
    message: "Intrusion detection was weakened from {before} to {after}.",
  },
  {
    id: "network/firewall-threat-intel-allowlist-changed",
    type: NETWORK_TYPES.firewallPolicy,
    path: "properties.threatIntelWhitelist.**",
    when: { kind: ["added", "changed"] },
    severity: "medium",
    message: "Addresses or FQDNs were exempted from threat intelligence filtering.",
  },
  {
    id: "network/firewall-tls-inspection-removed",
    type: NETWORK_TYPES.firewallPolicy,
    path: "properties.transportSecurity.**",
    when: removed,
    severity: "medium",
    message: "TLS inspection was removed from the firewall policy.",
  },
  {
    id: "network/firewall-rule-allows-any",
    type: NETWORK_TYPES.ruleCollectionGroup,
    path: "properties.ruleCollections[*].**",
    when: firewallRuleAllowsAnyToAny,
    severity: "high",
    message: "Firewall rule {element} now allows any source to any destination.",
  },
  {
    id: "network/firewall-rule-collection-group-created-allows-any",
    type: NETWORK_TYPES.ruleCollectionGroup,
    when: newRuleCollectionGroupAllowsAnyToAny,
    severity: "high",
    message: "New rule collection group {name} allows any source to any destination.",
  },
  {
    id: "network/firewall-deny-collection-removed",
    type: NETWORK_TYPES.ruleCollectionGroup,
    path: "properties.ruleCollections[*]",
    when: { kind: "removed", before: { matches: { "action.type": "Deny" } } },
    severity: "medium",
    message: "Deny rule collection {element} was removed.",
  },
  {
    id: "network/firewall-rule-collection-group-removed",
    type: NETWORK_TYPES.ruleCollectionGroup,
    when: { kind: "removed" },
    severity: "medium",
    message: "Rule collection group {name} was removed from its firewall policy.",
  },

  // --- Application gateways and WAF ------------------------------------------------------------
  {
    id: "network/app-gateway-waf-policy-detached",
    type: NETWORK_TYPES.applicationGateway,
    path: "properties.firewallPolicy.**",
    when: removed,
    severity: "high",
    message: "The application gateway lost its WAF policy.",
  },
  {
    id: "network/app-gateway-tls-lowered",
    type: NETWORK_TYPES.applicationGateway,
    path: "**.sslPolicy.minProtocolVersion",
    when: { lowered: TLS_PROTOCOLS },
    severity: "high",
    message: "The minimum TLS version was lowered from {before} to {after}.",
  },
  {
    id: "network/waf-rule-group-disabled",
    type: NETWORK_TYPES.applicationGateway,
    path: "properties.webApplicationFirewallConfiguration.disabledRuleGroups.**",
    when: { kind: ["added", "changed"] },
    severity: "medium",
    message: "WAF rules were disabled: {element}.",
  },
  {
    id: "network/waf-exclusion-added",
    type: "Microsoft.Network/*",
    path: "**.exclusions[*]",
    when: { kind: "added" },
    severity: "medium",
    message: "A WAF exclusion was added: requests matching it skip inspection.",
  },
  {
    id: "network/waf-managed-rule-disabled",
    type: NETWORK_TYPES.wafPolicy,
    path: "properties.managedRules.managedRuleSets[*].ruleGroupOverrides[*].**",
    when: (context) => {
      const element = elementOf(context);
      return (
        lower(element?.state) === "disabled" ||
        (field(context) === "state" && lower(context.after) === "disabled")
      );
    },
    severity: "medium",
    message: "A managed WAF rule was disabled: {element}.",
  },
  {
    id: "network/waf-managed-rule-set-removed",
    type: NETWORK_TYPES.wafPolicy,
    path: "properties.managedRules.managedRuleSets[*]",
    when: removed,
    severity: "high",
    message: "Managed WAF rule set {element} was removed.",
  },
  {
    id: "network/waf-custom-allow-rule-added",
    type: NETWORK_TYPES.wafPolicy,
    path: "properties.customRules[*]",
    when: { kind: "added", after: { matches: { action: "Allow" } } },
    severity: "medium",
    message: "A WAF custom rule {element} that allows traffic was added.",
  },
  {
    id: "network/waf-policy-removed",
    type: NETWORK_TYPES.wafPolicy,
    when: { kind: "removed" },
    severity: "high",
    message: "WAF policy {name} was deleted.",
  },

  // --- Private endpoints -------------------------------------------------------------------------
  {
    id: "network/private-endpoint-removed",
    type: NETWORK_TYPES.privateEndpoint,
    when: { kind: "removed" },
    severity: "medium",
    message: "Private endpoint {name} was deleted: its service may now be reached over a public endpoint.",
  },
  {
    id: "network/private-endpoint-connection-not-approved",
    type: NETWORK_TYPES.privateEndpoint,
    path: "**.privateLinkServiceConnectionState.status",
    when: { before: { equals: "Approved" } },
    severity: "medium",
    message: "A private endpoint connection went from Approved to {after}.",
  },
];
