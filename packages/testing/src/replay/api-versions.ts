/**
 * The api-versions the replay server accepts, per resource provider namespace (lower-cased): the
 * versions the pinned Azure SDK clients send (@azure/arm-network 36.0.0, @azure/arm-authorization
 * 9.0.0, @azure/arm-msi 2.2.0, @azure/arm-resources-subscriptions 2.1.1, @azure/arm-storage 19.1.0,
 * @azure/arm-security 5.0.0, @azure/arm-sql 10.0.0, @azure/arm-policy 6.0.0, @azure/arm-locks 2.1.0,
 * @azure/arm-monitor 7.0.0, @azure/arm-recoveryservices 6.0.0, @azure/arm-recoveryservicesbackup
 * 12.0.0, @azure/arm-keyvault 4.0.0, @azure/arm-compute 23.3.0,
 * @azure/arm-managementgroups 2.0.2), plus recent stable
 * versions of the providers that only the benchmarks and demo use. A namespace not listed here
 * accepts any well-formed version.
 */
export const DEFAULT_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  "microsoft.network": ["2025-05-01"],
  // 2022-04-01: role assignments/definitions, deny assignments; 2015-07-01 classic administrators;
  // 2020-10-01 the PIM schedule operations; 2024-05-01 policy (@azure/arm-policy 6.0.0);
  // 2022-07-01-preview policy exemptions (read raw: the SDK dropped them); 2020-05-01 locks (@azure/arm-locks 2.1.0).
  "microsoft.authorization": [
    "2022-04-01",
    "2015-07-01",
    "2020-10-01",
    "2024-05-01",
    "2022-07-01-preview",
    "2020-05-01",
  ],
  // @azure/arm-monitor 7.0.0: diagnostic settings 2017-05-01-preview (read raw at 2021-05-01-preview,
  // the first with category groups), activity-log alerts 2017-04-01, the Activity Log 2015-04-01.
  "microsoft.insights": ["2021-05-01-preview", "2017-05-01-preview", "2017-04-01", "2015-04-01"],
  "microsoft.managedidentity": ["2024-11-30"],
  // @azure/arm-managementgroups 2.0.2: a management group's descendants.
  "microsoft.management": ["2021-04-01"],
  // Subscriptions (arm-resources-subscriptions) and resource groups (arm-resources).
  "microsoft.resources": ["2022-12-01", "2021-04-01", "2022-09-01", "2024-03-01", "2025-04-01"],
  "microsoft.storage": ["2023-05-01", "2024-01-01", "2025-01-01", "2025-06-01"],
  "microsoft.keyvault": ["2023-07-01", "2024-11-01", "2025-05-01"],
  // Defender for Cloud: pricings read raw at 2024-01-01 (arm-security 5.0.0 would send 2022-03-01,
  // which has no plan extensions), security contacts and auto-provisioning 2017-08-01-preview
  // (arm-security 5.0.0), settings 2021-07-01.
  "microsoft.security": ["2024-01-01", "2017-08-01-preview", "2021-07-01"],
  // @azure/arm-sql 10.0.0: servers 2022-08-01-preview; firewall rules, security alert policies and
  // Entra-only authentication 2020-11-01-preview; auditing settings 2021-11-01-preview.
  // (2022-08-01-preview also databases and TDE; 2020-11-01-preview also encryption protectors.)
  "microsoft.sql": ["2022-08-01-preview", "2020-11-01-preview", "2021-11-01-preview"],
  // Vaults (arm-recoveryservices 6.0.0) and their backup children (arm-recoveryservicesbackup 12.0.0).
  "microsoft.recoveryservices": ["2024-04-01", "2023-06-01"],
  // @azure/arm-compute 23.3.0: disks and disk encryption sets.
  "microsoft.compute": ["2025-01-02"],
};

const WELL_FORMED = /^\d{4}-\d{2}-\d{2}(-(preview|beta|privatepreview|alpha))?$/i;

/** Whether `version` is accepted for `namespace` (lower-cased). */
export function isSupportedApiVersion(
  versions: Readonly<Record<string, readonly string[]>>,
  namespace: string,
  version: string,
): boolean {
  const known = versions[namespace];
  return known ? known.includes(version) : WELL_FORMED.test(version);
}
