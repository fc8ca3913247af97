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
    remediation:
      "Narrow the rule's source to known addresses, or delete it: az network nsg rule update -g <group> --nsg-name <nsg> -n <rule> --source-address-prefixes <cidr>",
    message: "NSG rule {element} now allows inbound traffic from the internet.",
  },
  {
    id: "network/nsg-deny-rule-removed",
    type: NETWORK_TYPES.networkSecurityGroup,
    path: "properties.securityRules[*]",
    when: { kind: "removed", before: { matches: { "properties.access": "Deny" } } },
    severity: "medium",
    remediation:
      "Recreate the deny rule from your approved configuration: az network nsg rule create -g <group> --nsg-name <nsg> -n <rule> --access Deny …",
    message: "Deny rule {element} was removed from the NSG.",
  },
  {
    id: "network/nsg-removed",
    type: NETWORK_TYPES.networkSecurityGroup,
    when: { kind: "removed" },
    severity: "medium",
    remediation:
      "Check which subnets and NICs used the NSG and that they are protected again (az network vnet subnet list -g <group> --vnet-name <vnet> -o table); recreate it from your templates if the deletion was not approved.",
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
    remediation:
      "Delete or restrict the rules of the new NSG open to the internet: az network nsg rule list -g <group> --nsg-name <nsg> -o table",
    message: "New NSG {name} allows inbound traffic from the internet.",
  },

  // --- Virtual networks and subnets ----------------------------------------------------------
  {
    id: "network/subnet-private-endpoint-policies-disabled",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.subnets[*].properties.privateEndpointNetworkPolicies",
    when: { after: { equals: "Disabled" } },
    severity: "medium",
    remediation:
      "Apply network policies to private endpoints again: az network vnet subnet update -g <group> --vnet-name <vnet> -n <subnet> --private-endpoint-network-policies Enabled",
    message: "Subnet {element} no longer applies NSGs and route tables to private endpoints.",
  },
  {
    id: "network/subnet-default-outbound-access-enabled",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.subnets[*].properties.defaultOutboundAccess",
    when: { after: { equals: true } },
    severity: "medium",
    remediation:
      "Make the subnet private again: az network vnet subnet update -g <group> --vnet-name <vnet> -n <subnet> --default-outbound false",
    message: "Subnet {element} now has default outbound internet access.",
  },
  {
    id: "network/subnet-service-endpoint-removed",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.subnets[*].properties.serviceEndpoints[*]",
    when: removed,
    severity: "low",
    remediation:
      "Add the service endpoint again if resources rely on it: az network vnet subnet update -g <group> --vnet-name <vnet> -n <subnet> --service-endpoints <service>",
    message: "Subnet service endpoint {element} was removed.",
  },
  {
    id: "network/vnet-peering-added",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.virtualNetworkPeerings[*]",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check that the peered network is approved (az network vnet peering list -g <group> --vnet-name <vnet> -o table); delete the peering if not.",
    message: "Virtual network peering {element} was added: another network can now reach this one.",
  },
  {
    id: "network/vnet-peering-forwarding-enabled",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.virtualNetworkPeerings[*].properties.allow*",
    when: { after: { equals: true }, before: { notEquals: true } },
    severity: "medium",
    remediation:
      "Turn forwarded or gateway traffic off again unless approved: az network vnet peering update -g <group> --vnet-name <vnet> -n <peering> --set allowForwardedTraffic=false",
    message: "Peering {element}: {path} was turned on.",
  },
  {
    id: "network/vnet-dns-servers-changed",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.dhcpOptions.dnsServers.**",
    severity: "medium",
    remediation:
      "Check that the DNS servers are yours; restore them with az network vnet update -g <group> -n <vnet> --dns-servers <ip> …",
    message: "The DNS servers of the virtual network changed: name resolution can be redirected.",
  },
  {
    id: "network/vnet-ddos-protection-disabled",
    type: NETWORK_TYPES.virtualNetwork,
    path: "properties.enableDdosProtection",
    when: { after: { notEquals: true }, before: { equals: true } },
    severity: "medium",
    remediation:
      "Turn DDoS protection on again: az network vnet update -g <group> -n <vnet> --ddos-protection true --ddos-protection-plan <plan>",
    message: "DDoS protection was turned off for the virtual network.",
  },

  // --- Route tables ----------------------------------------------------------------------------
  {
    id: "network/default-route-changed",
    type: NETWORK_TYPES.routeTable,
    path: "properties.routes[*].**",
    when: defaultRouteChanged,
    severity: "high",
    remediation:
      "Point the default route at the firewall again: az network route-table route update -g <group> --route-table-name <table> -n <route> --next-hop-type VirtualAppliance --next-hop-ip-address <firewall-ip>",
    message:
      "The default route (0.0.0.0/0) {element} changed: internet-bound traffic may bypass the firewall.",
  },
  {
    id: "network/route-table-removed",
    type: NETWORK_TYPES.routeTable,
    when: { kind: "removed" },
    severity: "medium",
    remediation:
      "Recreate the route table from your templates and attach it to its subnets: az network vnet subnet update … --route-table <table>",
    message: "Route table {name} was deleted; its subnets now use system routes.",
  },
  {
    id: "network/route-propagation-enabled",
    type: NETWORK_TYPES.routeTable,
    path: "properties.disableBgpRoutePropagation",
    when: { after: { notEquals: true }, before: { equals: true } },
    severity: "medium",
    remediation:
      "Disable BGP route propagation again: az network route-table update -g <group> -n <table> --disable-bgp-route-propagation true",
    message: "BGP route propagation was re-enabled: gateway routes can override the table's routes.",
  },

  // --- Public IP addresses ---------------------------------------------------------------------
  {
    id: "network/public-ip-attached",
    type: NETWORK_TYPES.publicIpAddress,
    path: "properties.ipConfiguration.**",
    when: (context) => context.kind !== "removed" && context.after !== undefined,
    severity: "medium",
    remediation:
      "Check what the public IP now exposes (az network public-ip show -g <group> -n <name> --query ipConfiguration.id); detach it if not approved.",
    message: "Public IP {name} was attached to another resource, now reachable from the internet.",
  },

  // --- Azure firewalls and firewall policies ---------------------------------------------------
  {
    id: "network/firewall-policy-detached",
    type: NETWORK_TYPES.azureFirewall,
    path: "properties.firewallPolicy.**",
    when: { kind: ["removed", "changed"] },
    severity: "high",
    remediation:
      "Attach the approved firewall policy again: az network firewall update -g <group> -n <firewall> --firewall-policy <policy>",
    message: "The firewall's policy was removed or replaced.",
  },
  {
    id: "network/firewall-classic-rule-allows-any",
    type: NETWORK_TYPES.azureFirewall,
    path: "properties.*RuleCollections[*].**",
    when: firewallRuleAllowsAnyToAny,
    severity: "high",
    remediation:
      "Narrow the rule's source and destination to known addresses, or delete it (az network firewall network-rule delete …).",
    message: "Firewall rule {element} now allows any source to any destination.",
  },
  {
    id: "network/firewall-removed",
    type: NETWORK_TYPES.azureFirewall,
    when: { kind: "removed" },
    severity: "high",
    remediation:
      "Check how traffic leaves the network now; redeploy the firewall from your templates if the deletion was not approved.",
    message: "Azure firewall {name} was deleted.",
  },
  {
    id: "network/firewall-policy-removed",
    type: NETWORK_TYPES.firewallPolicy,
    when: { kind: "removed" },
    severity: "high",
    remediation: "Redeploy the firewall policy from your templates and attach it to its firewalls.",
    message: "Firewall policy {name} was deleted.",
  },
  {
    id: "network/firewall-idps-weakened",
    type: NETWORK_TYPES.firewallPolicy,
    path: "properties.intrusionDetection.mode",
    when: { lowered: ["Off", "Alert", "Deny"] },
    severity: "high",
    remediation:
      "Set intrusion detection back to Deny: az network firewall policy update -g <group> -n <policy> --idps-mode Deny",
    message: "Intrusion detection was weakened from {before} to {after}.",
  },
  {
    id: "network/firewall-threat-intel-allowlist-changed",
    type: NETWORK_TYPES.firewallPolicy,
    path: "properties.threatIntelWhitelist.**",
    when: { kind: ["added", "changed"] },
    severity: "medium",
    remediation:
      "Check the new exemptions (az network firewall policy show -g <group> -n <policy> --query threatIntelWhitelist); remove those not approved.",
    message: "Addresses or FQDNs were exempted from threat intelligence filtering.",
  },
  {
    id: "network/firewall-tls-inspection-removed",
    type: NETWORK_TYPES.firewallPolicy,
    path: "properties.transportSecurity.**",
    when: removed,
    severity: "medium",
    remediation:
      "Configure TLS inspection again with the policy's intermediate CA: az network firewall policy update -g <group> -n <policy> --cert-name <name> --key-vault-secret-id <id>",
    message: "TLS inspection was removed from the firewall policy.",
  },
  {
    id: "network/firewall-rule-allows-any",
    type: NETWORK_TYPES.ruleCollectionGroup,
    path: "properties.ruleCollections[*].**",
    when: firewallRuleAllowsAnyToAny,
    severity: "high",
    remediation:
      "Narrow the rule's source and destination to known addresses, or delete it: az network firewall policy rule-collection-group collection rule remove …",
    message: "Firewall rule {element} now allows any source to any destination.",
  },
  {
    id: "network/firewall-rule-collection-group-created-allows-any",
    type: NETWORK_TYPES.ruleCollectionGroup,
    when: newRuleCollectionGroupAllowsAnyToAny,
    severity: "high",
    remediation:
      "Narrow or delete the any-to-any rules of the new group: az network firewall policy rule-collection-group show -g <group> --policy-name <policy> -n <name>",
    message: "New rule collection group {name} allows any source to any destination.",
  },
  {
    id: "network/firewall-deny-collection-removed",
    type: NETWORK_TYPES.ruleCollectionGroup,
    path: "properties.ruleCollections[*]",
    when: { kind: "removed", before: { matches: { "action.type": "Deny" } } },
    severity: "medium",
    remediation:
      "Recreate the deny rule collection from your templates: az network firewall policy rule-collection-group collection add-filter-collection --action Deny …",
    message: "Deny rule collection {element} was removed.",
  },
  {
    id: "network/firewall-rule-collection-group-removed",
    type: NETWORK_TYPES.ruleCollectionGroup,
    when: { kind: "removed" },
    severity: "medium",
    remediation: "Redeploy the rule collection group from your templates if the removal was not approved.",
    message: "Rule collection group {name} was removed from its firewall policy.",
  },

  // --- Application gateways and WAF ------------------------------------------------------------
  {
    id: "network/app-gateway-waf-policy-detached",
    type: NETWORK_TYPES.applicationGateway,
    path: "properties.firewallPolicy.**",
    when: removed,
    severity: "high",
    remediation:
      "Attach the WAF policy again: az network application-gateway update -g <group> -n <gateway> --waf-policy <policy>",
    message: "The application gateway lost its WAF policy.",
  },
  {
    id: "network/app-gateway-tls-lowered",
    type: NETWORK_TYPES.applicationGateway,
    path: "**.sslPolicy.minProtocolVersion",
    when: { lowered: TLS_PROTOCOLS },
    severity: "high",
    remediation:
      "Use a TLS 1.2+ policy again: az network application-gateway ssl-policy set -g <group> --gateway-name <gateway> --policy-type Predefined --policy-name AppGwSslPolicy20220101",
    message: "The minimum TLS version was lowered from {before} to {after}.",
  },
  {
    id: "network/waf-rule-group-disabled",
    type: NETWORK_TYPES.applicationGateway,
    path: "properties.webApplicationFirewallConfiguration.disabledRuleGroups.**",
    when: { kind: ["added", "changed"] },
    severity: "medium",
    remediation:
      "Enable the rule group again unless its exclusion was approved: az network application-gateway waf-config set -g <group> --gateway-name <gateway> --enabled true --disabled-rule-groups …",
    message: "WAF rules were disabled: {element}.",
  },
  {
    id: "network/waf-exclusion-added",
    type: "Microsoft.Network/*",
    path: "**.exclusions[*]",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check that the exclusion is as narrow as possible and approved; remove it otherwise (az network application-gateway waf-policy managed-rule exclusion remove …).",
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
    remediation:
      "Enable the managed rule again unless its false positive was approved: az network application-gateway waf-policy managed-rule rule-set update …",
    message: "A managed WAF rule was disabled: {element}.",
  },
  {
    id: "network/waf-managed-rule-set-removed",
    type: NETWORK_TYPES.wafPolicy,
    path: "properties.managedRules.managedRuleSets[*]",
    when: removed,
    severity: "high",
    remediation:
      "Add the managed rule set again: az network application-gateway waf-policy managed-rule rule-set add -g <group> --policy-name <policy> --type OWASP --version 3.2",
    message: "Managed WAF rule set {element} was removed.",
  },
  {
    id: "network/waf-custom-allow-rule-added",
    type: NETWORK_TYPES.wafPolicy,
    path: "properties.customRules[*]",
    when: { kind: "added", after: { matches: { action: "Allow" } } },
    severity: "medium",
    remediation:
      "Check what the allow rule lets past inspection; delete it if not approved: az network application-gateway waf-policy custom-rule delete -g <group> --policy-name <policy> -n <rule>",
    message: "A WAF custom rule {element} that allows traffic was added.",
  },
  {
    id: "network/waf-policy-removed",
    type: NETWORK_TYPES.wafPolicy,
    when: { kind: "removed" },
    severity: "high",
    remediation: "Redeploy the WAF policy from your templates and attach it to its gateways.",
    message: "WAF policy {name} was deleted.",
  },

  // --- Private endpoints -------------------------------------------------------------------------
  {
    id: "network/private-endpoint-removed",
    type: NETWORK_TYPES.privateEndpoint,
    when: { kind: "removed" },
    severity: "medium",
    remediation: "Recreate the private endpoint and turn the service's public network access off again.",
    message: "Private endpoint {name} was deleted: its service may now be reached over a public endpoint.",
  },
  {
    id: "network/private-endpoint-connection-not-approved",
    type: NETWORK_TYPES.privateEndpoint,
    path: "**.privateLinkServiceConnectionState.status",
    when: { before: { equals: "Approved" } },
    severity: "medium",
    remediation:
      "Approve the connection again if it is yours: az network private-endpoint-connection approve --id <connection-id>",
    message: "A private endpoint connection went from Approved to {after}.",
  },
];
