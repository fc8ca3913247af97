/**
 * The api-versions the replay server accepts, per resource provider namespace (lower-cased): the
 * versions the pinned Azure SDK clients send (@azure/arm-network 36.0.0, @azure/arm-authorization
 * 9.0.0, @azure/arm-msi 2.2.0, @azure/arm-resources-subscriptions 2.1.1), plus recent stable
 * versions of the providers that only the benchmarks and demo use. A namespace not listed here
 * accepts any well-formed version.
 */
export const DEFAULT_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  "microsoft.network": ["2025-05-01"],
  // 2022-04-01: role assignments/definitions, deny assignments; 2015-07-01 classic administrators;
  // 2020-10-01 the PIM schedule operations.
  "microsoft.authorization": ["2022-04-01", "2015-07-01", "2020-10-01"],
  "microsoft.managedidentity": ["2024-11-30"],
  // Subscriptions (arm-resources-subscriptions) and resource groups (arm-resources).
  "microsoft.resources": ["2022-12-01", "2021-04-01", "2022-09-01", "2024-03-01", "2025-04-01"],
  "microsoft.storage": ["2023-05-01", "2024-01-01", "2025-01-01", "2025-06-01"],
  "microsoft.keyvault": ["2023-07-01", "2024-11-01", "2025-05-01"],
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
