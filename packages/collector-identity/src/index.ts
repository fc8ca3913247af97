/**
 * `@azure-drift/collector-identity`: the identity collector of azure-drift. Role assignments, custom
 * role definitions (and the built-in ones its assignments reference), deny assignments, user-assigned
 * managed identities and their federated identity credentials, as the ARM REST API returns them, with
 * their normalization hints and the identity domain's severity rules.
 *
 * @packageDocumentation
 */

export { BUILT_IN_ROLES } from "./built-in-roles.js";
export type { IdentityCollectorOptions } from "./collector.js";
export { identityCollector, NAME, VERSION } from "./collector.js";
export {
  DENY_ASSIGNMENT_TYPE,
  FEDERATED_CREDENTIAL_TYPE,
  IDENTITY_RESOURCE_TYPES,
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
} from "./resource-types.js";
export { IDENTITY_RULES } from "./rules.js";
