import type { TokenCredential } from "./collector.js";

/**
 * A credential that always returns one bearer token: for a pipeline that already holds a token
 * (`AZURE_DRIFT_ACCESS_TOKEN`), and for tests against the replay server. It does not refresh.
 */
export function staticTokenCredential(
  token: string,
  expiresOnTimestamp = Date.now() + 60 * 60 * 1000,
): TokenCredential {
  if (!token) throw new TypeError("staticTokenCredential: the token is empty.");
  return { getToken: async () => ({ token, expiresOnTimestamp }) };
}
