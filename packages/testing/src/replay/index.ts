export { DEFAULT_API_VERSIONS } from "./api-versions.js";
export { COLLECTION_ROUTES } from "./collection-routes.js";
export type { ForbiddenScope, ReplayFaults } from "./faults.js";
export type { ArmReplayServer, ArmReplayServerOptions, ArmReplayStats } from "./server.js";
export { startArmReplayServer } from "./server.js";
