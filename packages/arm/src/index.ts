/**
 * `@azure-drift/arm`: the Azure SDK plumbing shared by azure-drift collectors. Client options for
 * any `@azure/arm-*` client (endpoint and token scope of the cloud, extra CA, the SDK's retry policy
 * configured, bounded throttling), raw ARM JSON from SDK list operations, single raw GETs and raw
 * lists followed by `nextLink`, reads by id for targeted checks, and a merge that runs independent
 * listings side by side.
 *
 * @packageDocumentation
 */

export type { ArmFailure } from "./arm-errors.js";
export { classifyArmError } from "./arm-errors.js";
export type { ArmClientOptions, ArmClientOptionsExtra } from "./client-options.js";
export { armClientOptions, DEFAULT_ARM_RETRY, DEFAULT_MAX_RETRY_AFTER_MS } from "./client-options.js";
export type { ArmRequestSender, GetRawOptions } from "./get-raw.js";
export { getRaw } from "./get-raw.js";
export { getRawList } from "./get-raw-list.js";
export type { ListOperationOptions, ListRawOptions, PagedList } from "./list-raw.js";
export { DEFAULT_MAX_PAGES_PER_LISTING, listRaw } from "./list-raw.js";
export type { MergeListingsOptions } from "./merge.js";
export { mergeListings } from "./merge.js";
export type { GetResourceByIdOptions } from "./read-by-id.js";
export { getResourceById, readingOne, readingUnder } from "./read-by-id.js";
export {
  DEFAULT_ARM_REQUEST_TIMEOUT_MS,
  HOST_GUARD_POLICY_NAME,
  hostGuardPolicy,
  REQUEST_TIMEOUT_POLICY_NAME,
  requestTimeoutPolicy,
} from "./request-guards.js";
export type { ResponseObserverOptions } from "./response-observer.js";
export { RESPONSE_OBSERVER_POLICY_NAME, responseObserverPolicy } from "./response-observer.js";
export type { ThrottleGuardOptions } from "./throttle-policy.js";
export {
  isRetryAfterTooLong,
  requestedRetryAfterMs,
  THROTTLE_GUARD_POLICY_NAME,
  throttleGuardPolicy,
} from "./throttle-policy.js";
