import type { DriftReport } from "@azure-drift/core";

const sub = "aaaaaaaa-0000-0000-0000-000000000001";
const nsg = `/subscriptions/${sub}/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/web`;
const sa = `/subscriptions/${sub}/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/logs`;
const lock = `/subscriptions/${sub}/providers/Microsoft.Authorization/locks/keep`;

/** A small report with every section filled: critical, high and medium findings, unknown, suppressed, notices. */
export function sampleReport(): DriftReport {
  return {
    formatVersion: 1,
    id: "r1",
    tenantId: "t1",
    createdAt: "2026-03-02T10:00:00.000Z",
    base: { snapshotId: "s1", baseline: "approved", takenAt: "2026-03-01T10:00:00.000Z" },
    current: { snapshotId: "s2", takenAt: "2026-03-02T10:00:00.000Z" },
    summary: {
      added: 0,
      removed: 1,
      modified: 2,
      unknown: 1,
      bySeverity: { critical: 1, high: 1, medium: 1, low: 0, info: 0 },
    },
    resources: [
      {
        id: nsg,
        key: nsg.toLowerCase(),
        type: "Microsoft.Network/networkSecurityGroups",
        name: "web",
        subscriptionId: sub,
        status: "modified",
        severity: "critical",
        changes: [
          {
            path: "properties.securityRules[name=AllowSSH]",
            kind: "added",
            after: {
              id: `${nsg.toLowerCase()}/securityrules/allowssh`,
              name: "AllowSSH",
              properties: {
                access: "Allow",
                description: "temporary: debug the web tier",
                destinationAddressPrefix: "*",
                destinationAddressPrefixes: [],
                destinationPortRange: "22",
                direction: "Inbound",
                priority: 100,
                protocol: "Tcp",
                sourceAddressPrefix: "*",
                sourcePortRange: "*",
              },
              type: "Microsoft.Network/networkSecurityGroups/securityRules",
            },
            severity: "critical",
            message:
              "NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP or every port.",
            ruleId: "core/nsg-open-management-port",
            remediation:
              "Delete the rule or narrow its source: az network nsg rule delete -g rg1 --nsg-name web -n AllowSSH",
          },
          { path: "tags.owner", kind: "changed", before: "a|b", after: "c", severity: "low" },
        ],
      },
      {
        id: sa,
        key: sa.toLowerCase(),
        type: "Microsoft.Storage/storageAccounts",
        name: "logs",
        subscriptionId: sub,
        status: "modified",
        severity: "high",
        changes: [
          {
            path: "properties.minimumTlsVersion",
            kind: "changed",
            before: "TLS1_2",
            after: "TLS1_0",
            severity: "high",
            message: "Minimum TLS version of storage account logs was lowered from TLS1_2 to TLS1_0.",
            ruleId: "core/storage-min-tls-lowered",
          },
        ],
      },
      {
        id: lock,
        key: lock.toLowerCase(),
        type: "Microsoft.Authorization/locks",
        name: "keep",
        subscriptionId: sub,
        status: "removed",
        severity: "medium",
        message: "Management lock keep was removed.",
        changes: [
          {
            path: "",
            kind: "removed",
            severity: "medium",
            message: "Management lock keep was removed.",
            ruleId: "core/lock-removed",
          },
        ],
      },
    ],
    unknown: [
      {
        scope: "aaaaaaaa-0000-0000-0000-000000000002",
        type: "Microsoft.Network/networkSecurityGroups",
        collector: "network",
        reason: "the current snapshot's enumeration was incomplete: 403 Forbidden",
      },
    ],
    suppressed: [
      {
        id: sa,
        path: "properties.allowSharedKeyAccess",
        suppressionId: "legacy",
        reason: "old app",
        expires: "2026-06-30",
      },
    ],
    notices: ['Suppression "old" expired on 2026-02-01 and no longer applies.'],
  };
}
