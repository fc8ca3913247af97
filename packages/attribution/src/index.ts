/**
 * `@azure-drift/attribution`: who changed a drifted resource, and when. Pass
 * `activityLogAttribution()` as `attribution` to `createDriftDetector` and each added, modified or
 * removed resource of a check's report carries the Activity Log's operations on it between the two
 * snapshots (`resource.attribution`).
 *
 * @packageDocumentation
 */

export {
  ACTIVITY_LOG_TYPE,
  type ActivityLogAttributionOptions,
  activityLogAttribution,
  NAME,
} from "./activity-log.js";
