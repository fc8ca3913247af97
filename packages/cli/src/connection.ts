import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type ArmConnection,
  AZURE_CLOUDS,
  type AzureCloudName,
  armConnection,
  DriftError,
} from "@azure-drift/core";

/** Azure AD authority per cloud: a sovereign cloud's tokens come from its own login endpoint. */
export const AUTHORITY_HOSTS: Readonly<Record<AzureCloudName, string>> = {
  AzureCloud: "https://login.microsoftonline.com",
  AzureChinaCloud: "https://login.chinacloudapi.cn",
  AzureUSGovernment: "https://login.microsoftonline.us",
};

const CLOUD_NAMES = Object.keys(AZURE_CLOUDS) as AzureCloudName[];

/** Checks a `--cloud` value (case-insensitive) and returns its canonical name. */
export function parseCloud(value: string): AzureCloudName {
  const found = CLOUD_NAMES.find((name) => name.toLowerCase() === value.toLowerCase());
  if (!found) {
    throw new DriftError(
      "E_INPUT",
      `Unknown cloud "${value}": use --cloud ${CLOUD_NAMES.join(", ")}, or --arm-endpoint URL for another endpoint.`,
    );
  }
  return found;
}

/** What the connection options of `check`, `collect` and friends resolve to. */
export interface ResolvedConnection {
  cloud: AzureCloudName;
  arm: ArmConnection;
}

/**
 * Resolves `--cloud`, `--arm-endpoint` and `--ca-cert` into an ArmConnection. A custom endpoint
 * keeps the audience of an explicitly named cloud (a private endpoint of that cloud), else its own.
 */
export async function resolveConnection(
  options: { cloud?: string; armEndpoint?: string; caCert?: string },
  cwd: string,
): Promise<ResolvedConnection> {
  const cloud = parseCloud(options.cloud ?? "AzureCloud");
  const ca = options.caCert ? await readCaFile(resolve(cwd, options.caCert)) : undefined;
  const extra = ca ? { ca } : {};
  if (!options.armEndpoint) return { cloud, arm: armConnection(cloud, extra) };
  const endpoint = parseEndpoint(options.armEndpoint);
  const audience = options.cloud ? AZURE_CLOUDS[cloud].audience : undefined;
  return { cloud, arm: armConnection(audience ? { endpoint, audience } : { endpoint }, extra) };
}

function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DriftError(
      "E_INPUT",
      `--arm-endpoint "${value}" is not a URL: give one like https://management.azure.com.`,
    );
  }
  if (url.protocol !== "https:") {
    throw new DriftError(
      "E_INPUT",
      `--arm-endpoint must use https (the Azure SDK never sends a token over plain http): got ${value}.`,
    );
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

async function readCaFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new DriftError(
      "E_INPUT",
      `Cannot read the CA certificate file ${path} (${code}): give a readable PEM file to --ca-cert.`,
      {
        cause: error,
      },
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new DriftError(
      "E_INPUT",
      `The CA certificate file ${path} holds no PEM certificate: give --ca-cert a file with "-----BEGIN CERTIFICATE-----" blocks.`,
    );
  }
  return text;
}
