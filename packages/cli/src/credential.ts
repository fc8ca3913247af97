import { type AzureCloudName, staticTokenCredential, type TokenCredential } from "@azure-drift/core";
import { AUTHORITY_HOSTS } from "./connection.js";

/** The environment variable holding a bearer token a pipeline already has. */
export const ACCESS_TOKEN_ENV = "AZURE_DRIFT_ACCESS_TOKEN";

/**
 * The credential for ARM calls: `AZURE_DRIFT_ACCESS_TOKEN` when set (used as is, never refreshed),
 * else `DefaultAzureCredential` signing in at the cloud's authority. `@azure/identity` is loaded
 * only here, so commands that never call Azure start fast.
 */
export async function resolveCredential(
  env: Record<string, string | undefined>,
  cloud: AzureCloudName,
  tenantId: string | undefined,
): Promise<{ credential: TokenCredential; kind: "access-token" | "default" }> {
  const token = env[ACCESS_TOKEN_ENV]?.trim();
  if (token) return { credential: staticTokenCredential(token), kind: "access-token" };
  const { DefaultAzureCredential } = await import("@azure/identity");
  const credential = new DefaultAzureCredential({
    authorityHost: AUTHORITY_HOSTS[cloud],
    ...(tenantId ? { tenantId } : {}),
  });
  return { credential, kind: "default" };
}
