import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import type { TokenCredential as AzureTokenCredential } from "@azure/core-auth";
import {
  armClientOptions,
  getRaw,
  getResourceById,
  listRaw,
  mergeListings,
  readingOne,
} from "@azure-drift/arm";
import type { Collector, CollectorContext, JsonObject, ReadResourcesContext } from "@azure-drift/core";
import { defineCollector, parseResourceId } from "@azure-drift/core";
import { roleDefinitionGuid } from "./built-in-roles.js";
import {
  DENY_ASSIGNMENT_TYPE,
  FEDERATED_CREDENTIAL_TYPE,
  IDENTITY_RESOURCE_TYPES,
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
} from "./resource-types.js";
import { IDENTITY_RULES } from "./rules.js";
import {
  identityLocation,
  isAssignmentAbove,
  isInSubscription,
  stringProperty,
  trackCoverage,
} from "./scope.js";
import { WorkQueue } from "./work-queue.js";

type IdentityLocation = { resourceGroup: string; name: string };

/** The collector's name, as it appears in snapshots and coverage. */
export const NAME = "identity";

/** The collector's version (the package version), recorded in each snapshot. */
export const VERSION = "0.1.0";

/** Options of {@link identityCollector}. */
export interface IdentityCollectorOptions {
  /**
   * Fetch the built-in role definitions that the subscription's role assignments reference, one GET
   * per distinct role, and emit them as `Microsoft.Authorization/roleDefinitions` records. Default `true`.
   */
  builtInRoleDefinitions?: boolean;
  /**
   * List the federated identity credentials of every user-assigned identity. ARM has no
   * subscription-level list for them, so this costs one request per identity. When `false`, the type
   * is not declared, so its records are neither collected nor reported removed. Default `true`.
   */
  federatedIdentityCredentials?: boolean;
  /** How many identities' credential listings run at once (each request still waits for the shared limiter). Default 16. */
  credentialListConcurrency?: number;
  /**
   * Keep the role and deny assignments the subscription inherits from its management groups and the
   * tenant root, which its listings return with its own. They are tenant-level records (subscription
   * `""`), written once per check however many subscriptions inherit them; an assignment that
   * applies only to a subscription whose listing failed is reported unknown, never removed.
   * Default `true`: an Owner assigned at the root management group is drift in every subscription.
   */
  inheritedAssignments?: boolean;
}

// The api-version @azure/arm-authorization 9.0.0 uses for role assignments, definitions and deny assignments.
const AUTHORIZATION_API_VERSION = "2022-04-01";
// The api-version @azure/arm-msi 2.2.0 uses for identities and their federated credentials.
const MSI_API_VERSION = "2024-11-30";

const CUSTOM_ROLES_FILTER = "type eq 'CustomRole'";

/**
 * The identity collector: role assignments (subscription, resource-group and resource scope, and
 * those inherited from management groups and the tenant root), custom
 * role definitions and the built-in ones the assignments reference, deny assignments, user-assigned
 * managed identities and their federated identity credentials. Each record is the resource's JSON as
 * the ARM REST API returns it.
 */
export function identityCollector(options: IdentityCollectorOptions = {}): Collector {
  const withCredentials = options.federatedIdentityCredentials ?? true;
  return defineCollector({
    name: NAME,
    version: VERSION,
    domain: "identity",
    types: IDENTITY_RESOURCE_TYPES.filter(
      (definition) => withCredentials || definition.type !== FEDERATED_CREDENTIAL_TYPE,
    ),
    rules: IDENTITY_RULES,
    collect: (context) => collectIdentity(context, options),
    /**
     * One GET per resource at the listing's api-version; a user-assigned identity is read with its
     * federated credentials (one listing, as `collect` makes). Objects `collect` leaves out (of
     * another subscription; inherited ones when not wanted; built-in roles not asked for) are left
     * out here too.
     */
    readResources: (context, resourceIds) => readIdentity(context, resourceIds, options),
  });
}

async function* readIdentity(
  context: ReadResourcesContext,
  resourceIds: readonly string[],
  options: IdentityCollectorOptions,
): AsyncGenerator<JsonObject> {
  const clients = createClients(context);
  const withCredentials = options.federatedIdentityCredentials ?? true;
  const withInherited = options.inheritedAssignments ?? true;
  const kept = (item: JsonObject, type: string) =>
    isInSubscription(item.id, context.subscriptionId) ||
    (withInherited &&
      (type === ROLE_ASSIGNMENT_TYPE || type === DENY_ASSIGNMENT_TYPE) &&
      isAssignmentAbove(item.id));
  async function* readOne(id: string): AsyncGenerator<JsonObject> {
    const type = IDENTITY_RESOURCE_TYPES.find(
      (definition) => definition.type.toLowerCase() === parseResourceId(id).type?.toLowerCase(),
    )?.type;
    if (type === undefined) {
      context.unreadable(id, `collector ${NAME} reads no resource of this type.`);
      return;
    }
    const msi = type === USER_ASSIGNED_IDENTITY_TYPE || type === FEDERATED_CREDENTIAL_TYPE;
    const resource = await getResourceById(context, {
      collector: NAME,
      client: msi ? clients.msi : clients.authorization,
      id,
      apiVersion: msi ? MSI_API_VERSION : AUTHORIZATION_API_VERSION,
    });
    if (resource === undefined || !kept(resource, type)) return;
    yield resource;
    if (type !== USER_ASSIGNED_IDENTITY_TYPE || !withCredentials) return;
    const location = typeof resource.id === "string" ? identityLocation(resource.id) : undefined;
    if (!location) {
      context.unreadable(
        id,
        "the managed identity's id has no resource group and name to list its credentials",
      );
      return;
    }
    for await (const credential of listRaw(readingOne(context, `${id}/federatedIdentityCredentials`), {
      collector: NAME,
      resourceType: FEDERATED_CREDENTIAL_TYPE,
      list: (operationOptions) =>
        clients.msi.federatedIdentityCredentials.list(
          location.resourceGroup,
          location.name,
          operationOptions,
        ),
    })) {
      if (kept(credential, FEDERATED_CREDENTIAL_TYPE)) yield credential;
    }
  }
  yield* mergeListings(resourceIds.map(readOne));
}

interface Clients {
  authorization: AuthorizationManagementClient;
  msi: ManagedServiceIdentityClient;
}

function createClients(context: CollectorContext): Clients {
  const options = armClientOptions(context, NAME);
  // Core's TokenCredential is the structural subset of @azure/core-auth's that the SDK calls.
  const credential = context.credential as AzureTokenCredential;
  return {
    authorization: new AuthorizationManagementClient(credential, context.subscriptionId, options),
    msi: new ManagedServiceIdentityClient(credential, context.subscriptionId, options),
  };
}

/** A promise with its resolve function, to let one stream wait for two others. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function* collectIdentity(
  outer: CollectorContext,
  options: IdentityCollectorOptions,
): AsyncGenerator<JsonObject> {
  const { context, incomplete } = trackCoverage(outer);
  const withCredentials = options.federatedIdentityCredentials ?? true;
  const clients = createClients(context);
  const subscriptionId = context.subscriptionId;
  const subscriptionScope = `subscriptions/${subscriptionId}`;
  const outOfScope = new Map<string, number>();

  // Filters out objects of other subscriptions and, for types other than assignments (or when they
  // are not wanted), objects inherited from management groups or the tenant root.
  const withInherited = options.inheritedAssignments ?? true;
  async function* inSubscription(type: string, items: AsyncIterable<JsonObject>): AsyncGenerator<JsonObject> {
    const inheritable = withInherited && (type === ROLE_ASSIGNMENT_TYPE || type === DENY_ASSIGNMENT_TYPE);
    for await (const item of items) {
      if (isInSubscription(item.id, subscriptionId) || (inheritable && isAssignmentAbove(item.id)))
        yield item;
      else outOfScope.set(type, (outOfScope.get(type) ?? 0) + 1);
    }
  }

  // Role definition guids referenced by assignments, and those already emitted as custom roles.
  const referenced = new Set<string>();
  const collectedDefinitions = new Set<string>();
  const assignmentsListed = signal();
  const customRolesListed = signal();

  async function* roleAssignments(): AsyncGenerator<JsonObject> {
    try {
      const items = listRaw(context, {
        collector: NAME,
        resourceType: ROLE_ASSIGNMENT_TYPE,
        // One paged list returns the assignments at subscription, resource-group and resource scope.
        list: (operationOptions) =>
          clients.authorization.roleAssignments.listForSubscription(operationOptions),
      });
      for await (const item of inSubscription(ROLE_ASSIGNMENT_TYPE, items)) {
        const guid = roleDefinitionGuid(stringProperty(item, "roleDefinitionId") ?? "");
        if (guid) referenced.add(guid);
        yield item;
      }
    } finally {
      assignmentsListed.resolve();
    }
  }

  async function* customRoleDefinitions(): AsyncGenerator<JsonObject> {
    try {
      const items = listRaw(context, {
        collector: NAME,
        resourceType: ROLE_DEFINITION_TYPE,
        list: (operationOptions) =>
          clients.authorization.roleDefinitions.list(subscriptionScope, {
            ...operationOptions,
            filter: CUSTOM_ROLES_FILTER,
          }),
      });
      for await (const item of inSubscription(ROLE_DEFINITION_TYPE, items)) {
        // Built-in roles only enter as referenced, even from a server that ignores $filter.
        if (stringProperty(item, "type")?.toLowerCase() !== "customrole") continue;
        if (typeof item.name === "string") collectedDefinitions.add(item.name.toLowerCase());
        yield item;
      }
    } finally {
      customRolesListed.resolve();
    }
  }

  async function* referencedRoleDefinitions(): AsyncGenerator<JsonObject> {
    await Promise.all([assignmentsListed.promise, customRolesListed.promise]);
    if (incomplete.has(ROLE_ASSIGNMENT_TYPE.toLowerCase())) {
      // Without every assignment, the set of referenced roles is unknown: none may be reported removed.
      context.coverage.incomplete(
        ROLE_DEFINITION_TYPE,
        "built-in role definitions are collected as referenced by role assignments, whose listing was incomplete",
      );
    }
    const missing = [...referenced].filter((guid) => !collectedDefinitions.has(guid));
    context.logger.debug("fetching referenced role definitions", {
      collector: NAME,
      subscriptionId,
      count: missing.length,
    });
    // One GET per distinct role, all in flight at once: the shared limiter bounds the requests.
    yield* mergeListings(missing.map((guid) => roleDefinition(guid)));
  }

  async function* roleDefinition(guid: string): AsyncGenerator<JsonObject> {
    // Fetched at subscription scope, so its id (and the record key) is per subscription like every other record.
    // A raw GET through the client's pipeline: the SDK's `roleDefinitions.get` would reshape the body.
    const item = await getRaw(context, {
      collector: NAME,
      resourceType: ROLE_DEFINITION_TYPE,
      client: clients.authorization,
      path: `/${subscriptionScope}/providers/Microsoft.Authorization/roleDefinitions/${encodeURIComponent(guid)}`,
      apiVersion: AUTHORIZATION_API_VERSION,
    });
    if (item === undefined) return;
    if (isInSubscription(item.id, subscriptionId)) yield item;
    else outOfScope.set(ROLE_DEFINITION_TYPE, (outOfScope.get(ROLE_DEFINITION_TYPE) ?? 0) + 1);
  }

  async function* denyAssignments(): AsyncGenerator<JsonObject> {
    yield* inSubscription(
      DENY_ASSIGNMENT_TYPE,
      listRaw(context, {
        collector: NAME,
        resourceType: DENY_ASSIGNMENT_TYPE,
        list: (operationOptions) => clients.authorization.denyAssignments.list(operationOptions),
      }),
    );
  }

  async function* identitiesAndCredentials(): AsyncGenerator<JsonObject> {
    if (!withCredentials) {
      yield* userAssignedIdentities(undefined);
      return;
    }
    // ARM has no subscription-level list of federated credentials: one list per identity. Each
    // identity's listing starts as soon as its page arrives, so the per-identity requests (most of
    // this collector's) overlap the identities' pages instead of waiting for the last one. A fixed
    // set of workers takes identities from the queue, which bounds the credential listings running at once.
    const queue = new WorkQueue<IdentityLocation>();
    const workers = Array.from({ length: Math.max(1, options.credentialListConcurrency ?? 16) }, () =>
      credentialWorker(queue),
    );
    yield* mergeListings([userAssignedIdentities(queue), ...workers]);
  }

  /** Lists the identities, handing each one's location to `queue` (closed when the listing ends). */
  async function* userAssignedIdentities(
    queue: WorkQueue<IdentityLocation> | undefined,
  ): AsyncGenerator<JsonObject> {
    try {
      const items = listRaw(context, {
        collector: NAME,
        resourceType: USER_ASSIGNED_IDENTITY_TYPE,
        list: (operationOptions) => clients.msi.userAssignedIdentities.listBySubscription(operationOptions),
      });
      for await (const item of inSubscription(USER_ASSIGNED_IDENTITY_TYPE, items)) {
        if (queue) {
          const location = typeof item.id === "string" ? identityLocation(item.id) : undefined;
          if (location) queue.push(location);
          else {
            // Its credentials cannot be listed: none of them may then be reported removed.
            context.coverage.incomplete(
              FEDERATED_CREDENTIAL_TYPE,
              `the managed identity id ${String(item.id)} has no resource group and name to list its federated credentials`,
            );
          }
        }
        yield item;
      }
      if (queue && incomplete.has(USER_ASSIGNED_IDENTITY_TYPE.toLowerCase())) {
        context.coverage.incomplete(
          FEDERATED_CREDENTIAL_TYPE,
          "federated identity credentials are listed per identity, and the identities' listing was incomplete",
        );
      }
    } finally {
      // Also on failure or early return, so the workers drain what is queued and end.
      queue?.close();
    }
  }

  async function* credentialWorker(queue: WorkQueue<IdentityLocation>): AsyncGenerator<JsonObject> {
    for (let identity = await queue.take(); identity; identity = await queue.take()) {
      const { resourceGroup, name } = identity;
      yield* inSubscription(
        FEDERATED_CREDENTIAL_TYPE,
        listRaw(context, {
          collector: NAME,
          resourceType: FEDERATED_CREDENTIAL_TYPE,
          list: (operationOptions) =>
            clients.msi.federatedIdentityCredentials.list(resourceGroup, name, operationOptions),
        }),
      );
    }
  }

  const streams: (() => AsyncIterable<JsonObject>)[] = [
    roleAssignments,
    customRoleDefinitions,
    denyAssignments,
    identitiesAndCredentials,
  ];
  if (options.builtInRoleDefinitions ?? true) streams.push(referencedRoleDefinitions);

  yield* mergeListings(streams.map((stream) => stream()));

  for (const [type, count] of outOfScope) {
    context.logger.debug("skipped objects inherited from above the subscription", {
      collector: NAME,
      subscriptionId,
      type,
      count,
    });
  }
}
