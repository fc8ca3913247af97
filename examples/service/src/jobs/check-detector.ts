import { defaultCollectors } from "@azure-drift/cli";
import {
  type ArmConnection,
  type AttributionSource,
  type Collector,
  createDriftDetector,
  type DriftDetector,
  type Logger,
  type RuleOptions,
  type Store,
  type TokenCredential,
} from "@azure-drift/core";

/** What a worker checks with: the same pieces the CLI's `check` takes. */
export interface CheckDetectorOptions {
  store: Store;
  credential: TokenCredential;
  arm: ArmConnection;
  /** Default: the CLI's built-in collectors (`defaultCollectors()` of `@azure-drift/cli`). */
  collectors?: Collector[];
  /** ARM requests in flight at once within one check (core's `concurrency`). Default 8. */
  requestConcurrency?: number;
  /** Who changed what (`activityLogAttribution()` of `@azure-drift/attribution`); off when absent. */
  attribution?: AttributionSource;
  rules?: RuleOptions;
  logger?: Logger;
}

/** The detector a worker runs its checks with: core's pipeline over the shared store. */
export function createCheckDetector(options: CheckDetectorOptions): DriftDetector {
  return createDriftDetector({
    collectors: options.collectors ?? defaultCollectors(),
    store: options.store,
    credential: options.credential,
    arm: options.arm,
    concurrency: options.requestConcurrency ?? 8,
    ...(options.attribution ? { attribution: options.attribution } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
