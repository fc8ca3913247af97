import type { ArmConnection } from "./collector.js";

/** The names of the Azure clouds azure-drift knows. */
export type AzureCloudName = "AzureCloud" | "AzureChinaCloud" | "AzureUSGovernment";

/**
 * ARM endpoint and token audience per cloud. A sovereign cloud needs both: a token for the public
 * audience is refused by a sovereign endpoint.
 */
export const AZURE_CLOUDS: Readonly<Record<AzureCloudName, { endpoint: string; audience: string }>> = {
  AzureCloud: { endpoint: "https://management.azure.com", audience: "https://management.azure.com" },
  AzureChinaCloud: {
    endpoint: "https://management.chinacloudapi.cn",
    audience: "https://management.chinacloudapi.cn",
  },
  AzureUSGovernment: {
    endpoint: "https://management.usgovcloudapi.net",
    audience: "https://management.usgovcloudapi.net",
  },
};

/** The {@link ArmConnection} for a cloud, or for a custom endpoint whose audience is itself. */
export function armConnection(
  target: AzureCloudName | { endpoint: string; audience?: string },
  extra: Omit<ArmConnection, "endpoint" | "credentialScopes"> = {},
): ArmConnection {
  const { endpoint, audience } = typeof target === "string" ? AZURE_CLOUDS[target] : target;
  const base = endpoint.replace(/\/+$/, "");
  return {
    ...extra,
    endpoint: base,
    credentialScopes: [`${(audience ?? base).replace(/\/+$/, "")}/.default`],
  };
}
