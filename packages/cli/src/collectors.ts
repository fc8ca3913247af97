import { identityCollector } from "@azure-drift/collector-identity";
import { networkCollector } from "@azure-drift/collector-network";
import type { Collector } from "@azure-drift/core";

/** The collectors the CLI runs (and whose types and rules `diff` applies to ARM files). */
export function defaultCollectors(): Collector[] {
  return [networkCollector(), identityCollector()];
}
