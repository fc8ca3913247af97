/**
 * The ARM routes of the replay server, as a pure function from a request to a response: generic
 * over resource types (lists at any scope, child collections, GET by id), plus subscriptions,
 * resource groups and the Microsoft.Authorization specifics (built-in role definitions, `atScope()`).
 */
import type { JsonObject, JsonValue } from "@azure-drift/core";
import type { Tenant } from "../tenant/tenant.js";
import { ACTIVITY_LOG_TYPE, activityLogItems } from "./activity-log-route.js";
import { isSupportedApiVersion } from "./api-versions.js";
import { COLLECTION_ROUTES } from "./collection-routes.js";
import { envelope, isTopLevelResource, resourceTypesOf } from "./generic-resources.js";
import { EXACT_SCOPE_TYPES, isDirectlyAt, propertyFilter } from "./list-filters.js";
import { inListView, isUnpagedList, withServedId } from "./list-views.js";
import { DESCENDANTS_TYPE, descendantItems } from "./management-groups-route.js";
import type { TenantIndex } from "./tenant-index.js";

/** What the router needs to answer. */
export interface RouteContext {
  tenant: Tenant;
  index: TenantIndex;
  pageSize: number;
  /** `https://127.0.0.1:port`, for `nextLink`. */
  baseUrl: string;
  apiVersions: Readonly<Record<string, readonly string[]>>;
  /**
   * Whether reading `type` (lower-cased, or undefined for subscription-level routes) in a subscription
   * is denied; `resourceKey` is the lower-cased id of the resource a GET asks for.
   */
  forbidden(subscriptionId: string | undefined, type: string | undefined, resourceKey?: string): boolean;
}

/** A response before faults are applied. */
export interface RouteResult {
  status: number;
  body: JsonValue;
  /** A label for statistics, e.g. `list microsoft.network/networksecuritygroups`. */
  route: string;
  /** Whether this is one page of a list. */
  page?: boolean;
}

const ROLE_DEFINITIONS = "microsoft.authorization/roledefinitions";
const BUILT_IN_PREFIX = "/providers/microsoft.authorization/roledefinitions/";

function armError(status: number, code: string, message: string, route = "error"): RouteResult {
  return { status, body: { error: { code, message } }, route };
}

interface ListItem {
  key: string;
  value: () => JsonObject | undefined;
}

/** Answers one request. */
export function routeRequest(context: RouteContext, method: string, url: URL): RouteResult {
  const segments = url.pathname
    .split("/")
    .filter(Boolean)
    .map((segment) => decodeURIComponent(segment));
  const lower = segments.map((segment) => segment.toLowerCase());
  if (method !== "GET") {
    return armError(
      405,
      "MethodNotAllowed",
      `The replay server is read-only: ${method} is not supported. Change the tenant object instead.`,
    );
  }
  const providersAt = lower.lastIndexOf("providers");
  const namespace = providersAt >= 0 ? (lower[providersAt + 1] ?? "") : "microsoft.resources";

  const apiVersion = url.searchParams.get("api-version");
  if (!apiVersion) {
    return armError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  }
  if (!isSupportedApiVersion(context.apiVersions, namespace, apiVersion)) {
    const supported = context.apiVersions[namespace]?.join(", ") ?? "";
    return armError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${apiVersion}' is invalid. The supported versions are '${supported}'.`,
    );
  }

  const subscriptionId = lower[0] === "subscriptions" ? lower[1] : undefined;
  if (lower[0] === "subscriptions") {
    if (segments.length === 1) return listSubscriptions(context, url);
    const subscription = context.tenant.subscriptions.find(
      (candidate) => candidate.subscriptionId === subscriptionId,
    );
    if (!subscription) {
      return armError(404, "SubscriptionNotFound", `The subscription '${segments[1]}' could not be found.`);
    }
    if (context.forbidden(subscriptionId, undefined))
      return forbidden(url.pathname, "Microsoft.Resources/subscriptions");
    if (segments.length === 2)
      return { status: 200, body: subscriptionBody(context, subscription), route: "get subscription" };
    if (lower[2] === "resources" && segments.length === 3)
      return listGenericResources(context, url, subscription.subscriptionId);
    if (lower[2] === "resourcegroups" && providersAt < 0) {
      if (segments.length === 3) return listResourceGroups(context, url, subscription.subscriptionId);
      if (segments.length === 4) {
        const group = context.index.groupsOf(subscription.subscriptionId).get(lower[3] ?? "");
        if (!group) return groupNotFound(segments[3] ?? "");
        return {
          status: 200,
          body: groupBody(subscription.subscriptionId, group.name, group.location),
          route: "get resourcegroup",
        };
      }
    }
    if (lower[2] === "resourcegroups" && lower[3]) {
      if (!context.index.groupsOf(subscription.subscriptionId).has(lower[3]))
        return groupNotFound(segments[3] ?? "");
    }
  } else if (lower[0] !== "providers") {
    return armError(404, "NotFound", `The replay server serves no route for '${url.pathname}'.`);
  }

  if (providersAt < 0)
    return armError(404, "NotFound", `The replay server serves no route for '${url.pathname}'.`);
  const scope = segments.slice(0, providersAt);
  const rest = segments.slice(providersAt + 1);
  if (rest.length < 2)
    return armError(404, "NotFound", `The replay server serves no route for '${url.pathname}'.`);
  const typeParts = [rest[0] ?? "", ...rest.filter((_, i) => i % 2 === 1)];
  const displayType = typeParts.join("/");
  const type = displayType.toLowerCase();
  const isList = rest.length % 2 === 0;
  const collectionType = isList ? COLLECTION_ROUTES[type] : undefined;
  const resourceKey = isList ? undefined : `/${segments.join("/").toLowerCase()}`;
  if (
    context.forbidden(subscriptionId, type, resourceKey) ||
    (collectionType !== undefined && context.forbidden(subscriptionId, collectionType))
  )
    return forbidden(url.pathname, displayType);

  if (type === ACTIVITY_LOG_TYPE && subscriptionId && rest.length === 4) {
    const items = activityLogItems(
      context.tenant.activityLog ?? [],
      subscriptionId,
      url.searchParams.get("$filter"),
    );
    if (typeof items === "string") return armError(400, "BadRequest", items, `list ${type}`);
    return page(context, url, items, `list ${type}`);
  }
  if (type === DESCENDANTS_TYPE && !subscriptionId && rest.length === 4) {
    const items = descendantItems(context.tenant, rest[2] ?? "");
    // ARM cannot tell a group that does not exist from one the caller may not read: 403 for both.
    if (!items) return forbidden(url.pathname, displayType);
    return page(context, url, items, `list ${type}`);
  }

  if (isList) return listResources(context, url, segments, scope, rest, type, collectionType ?? type);
  return getResource(context, segments, scope, type);
}

function forbidden(path: string, type: string): RouteResult {
  const client = "00000000-0000-0000-0000-00000000c0de";
  return armError(
    403,
    "AuthorizationFailed",
    `The client '${client}' with object id '${client}' does not have authorization to perform action '${type}/read' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

function groupNotFound(name: string): RouteResult {
  return armError(404, "ResourceGroupNotFound", `Resource group '${name}' could not be found.`);
}

function subscriptionBody(context: RouteContext, subscription: Tenant["subscriptions"][number]): JsonObject {
  return {
    id: `/subscriptions/${subscription.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: subscription.subscriptionId,
    tenantId: context.tenant.tenantId,
    displayName: subscription.displayName,
    state: subscription.state ?? "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

function groupBody(subscriptionId: string, name: string, location: string): JsonObject {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
    name,
    type: "Microsoft.Resources/resourceGroups",
    location,
    properties: { provisioningState: "Succeeded" },
  };
}

function listSubscriptions(context: RouteContext, url: URL): RouteResult {
  const items = context.tenant.subscriptions.map((subscription) => ({
    key: `/subscriptions/${subscription.subscriptionId}`,
    value: () => subscriptionBody(context, subscription),
  }));
  return page(context, url, items, "list subscriptions");
}

function listResourceGroups(context: RouteContext, url: URL, subscriptionId: string): RouteResult {
  const items = [...context.index.groupsOf(subscriptionId)]
    .map(([key, group]) => ({
      key: `/subscriptions/${subscriptionId}/resourcegroups/${key}`,
      value: () => groupBody(subscriptionId, group.name, group.location),
    }))
    .sort((a, b) => compare(a.key, b.key));
  return page(context, url, items, "list resourcegroups");
}

function listGenericResources(context: RouteContext, url: URL, subscriptionId: string): RouteResult {
  const prefix = `/subscriptions/${subscriptionId}/`;
  const types = resourceTypesOf(url.searchParams.get("$filter"));
  const keys: string[] = [];
  for (const type of types ?? context.index.types()) {
    for (const key of context.index.keysOfType(type))
      if (key.startsWith(prefix) && isTopLevelResource(key)) keys.push(key);
  }
  const items = keys.sort(compare).map((key) => ({
    key,
    value: () => {
      const resource = context.index.get(key);
      return resource && envelope(resource);
    },
  }));
  return page(context, url, items, "list resources");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The child resources embedded under `properties` in an array whose name matches `name`
 * case-insensitively (a VNet's `subnets`, an NSG's `securityRules`). Elements without a `name` are
 * references to resources elsewhere (an NSG's `subnets: [{ id }]`), not children: ARM has no child
 * collection for them.
 */
function embeddedCollection(parent: JsonObject, name: string): JsonObject[] | undefined {
  const properties = parent.properties;
  if (!properties || typeof properties !== "object" || Array.isArray(properties)) return undefined;
  const found = Object.entries(properties).find(([key]) => key.toLowerCase() === name.toLowerCase());
  const value = found?.[1];
  return Array.isArray(value)
    ? (value.filter(
        (item) => item && typeof item === "object" && !Array.isArray(item) && typeof item.name === "string",
      ) as JsonObject[])
    : undefined;
}

function listResources(
  context: RouteContext,
  url: URL,
  segments: string[],
  scope: string[],
  rest: string[],
  type: string,
  itemType: string,
): RouteResult {
  const route = `list ${type}`;
  let items: ListItem[];
  if (rest.length === 2) {
    const prefix = scope.length ? `/${scope.join("/").toLowerCase()}/` : "/";
    if (scope.length > 4 && !context.index.get(prefix.slice(0, -1))) {
      return armError(404, "ResourceNotFound", `The Resource '${scope.slice(5).join("/")}' was not found.`);
    }
    const above = ASSIGNMENTS.has(type) ? ancestorScopes(context, scope) : [];
    const expand = url.searchParams.get("$expand");
    items = context.index
      .keysOfType(type)
      .filter((key) => key.startsWith(prefix) || above.some((ancestor) => isAssignmentAt(key, ancestor)))
      .map((key) => ({ key, value: () => listed(context.index.get(key), type, expand) }));
    if (above.length > 0) items.sort((a, b) => compare(a.key, b.key));
    if (type === ROLE_DEFINITIONS) items = roleDefinitionItems(context, url, scope, items);
    else items = filterAssignments(context, url, scope, items, above);
    if (EXACT_SCOPE_TYPES.has(type)) items = items.filter((item) => isDirectlyAt(item.key, prefix));
    const keep = propertyFilter(type, url);
    if (keep) items = items.filter((item) => keep(context.index.get(item.key)));
  } else {
    const parentKey = `/${segments.slice(0, -1).join("/").toLowerCase()}`;
    const parent = context.index.get(parentKey);
    if (!parent) {
      return armError(
        404,
        "ParentResourceNotFound",
        `Can not perform requested operation on nested resource. Parent resource '${segments.at(-2)}' not found.`,
      );
    }
    items = context.index
      .keysOfType(itemType)
      .filter((key) => key.startsWith(`${parentKey}/`))
      .map((key) => ({ key, value: () => context.index.get(key) }));
    if (items.length === 0) {
      // Child collections that ARM embeds in the parent (subnets, security rules, routes) are served from there.
      const embedded = embeddedCollection(parent, segments.at(-1) ?? "") ?? [];
      items = embedded.map((child, i) => ({
        key: typeof child.id === "string" ? child.id.toLowerCase() : `${parentKey}/${i}`,
        value: () => child,
      }));
      items.sort((a, b) => compare(a.key, b.key));
    }
  }
  return page(context, url, items, route, isUnpagedList(type) ? Number.POSITIVE_INFINITY : context.pageSize);
}

/** A resource as a list of its type returns it (list-views.ts: what lists leave out). */
function listed(
  resource: JsonObject | undefined,
  type: string,
  expand: string | null,
): JsonObject | undefined {
  return resource && inListView(type, resource, expand);
}

// Listed at a subscription with those of the management groups above it and the root, as ARM does.
const ASSIGNMENTS = new Set([
  "microsoft.authorization/roleassignments",
  "microsoft.authorization/denyassignments",
  "microsoft.authorization/policyassignments",
  "microsoft.authorization/policyexemptions",
]);

/**
 * The scopes above a subscription-level `scope` whose assignments apply to it, lower-cased: its
 * management groups (nearest first) and the root `/`. ARM lists those with the scope's own.
 */
function ancestorScopes(context: RouteContext, scope: string[]): string[] {
  if (scope[0]?.toLowerCase() !== "subscriptions" || scope.length < 2) return [];
  const subscriptionId = scope[1]?.toLowerCase();
  const subscription = context.tenant.subscriptions.find((each) => each.subscriptionId === subscriptionId);
  const groups = (subscription?.managementGroups ?? []).map(
    (name) => `/providers/microsoft.management/managementgroups/${name.toLowerCase()}`,
  );
  return [...groups, ""];
}

/** Whether an assignment's key (lower-cased id) is an assignment made at `scope` itself (`""` = root). */
function isAssignmentAt(key: string, scope: string): boolean {
  if (!key.startsWith(`${scope}/providers/microsoft.authorization/`)) return false;
  // Exactly `{scope}/providers/Microsoft.Authorization/{type}/{name}`.
  return key.slice(scope.length).split("/").length === 5;
}

/** Role definitions at a scope: the custom ones there, plus the built-in ones (as ARM lists them, re-scoped) unless filtered out. */
function roleDefinitionItems(
  context: RouteContext,
  url: URL,
  scope: string[],
  custom: ListItem[],
): ListItem[] {
  const filter = url.searchParams.get("$filter") ?? "";
  const builtIns: ListItem[] = [];
  if (!/type\s+eq\s+'CustomRole'/i.test(filter)) {
    const scopePath = scope.length ? `/${scope.join("/")}` : "";
    for (const key of context.index.keysOfType(ROLE_DEFINITIONS)) {
      if (!key.startsWith(BUILT_IN_PREFIX)) continue;
      const guid = key.slice(BUILT_IN_PREFIX.length);
      builtIns.push({
        key: `${scopePath}${BUILT_IN_PREFIX}${guid}`.toLowerCase(),
        value: () => rescopeRoleDefinition(context.index.get(key), scopePath),
      });
    }
  }
  let items = scope.length ? [...custom, ...builtIns] : custom;
  const roleName = /roleName\s+eq\s+'([^']*)'/i.exec(filter)?.[1];
  if (roleName !== undefined) {
    items = items.filter(
      (item) => String((item.value()?.properties as JsonObject | undefined)?.roleName) === roleName,
    );
  }
  return items.sort((a, b) => compare(a.key, b.key));
}

function rescopeRoleDefinition(
  definition: JsonObject | undefined,
  scopePath: string,
): JsonObject | undefined {
  if (!definition || !scopePath) return definition;
  return {
    ...definition,
    id: `${scopePath}/providers/Microsoft.Authorization/roleDefinitions/${definition.name}`,
  };
}

/** `$filter=atScope()` and `principalId eq '…'` on role and deny assignments. */
function filterAssignments(
  context: RouteContext,
  url: URL,
  scope: string[],
  items: ListItem[],
  above: string[],
): ListItem[] {
  const filter = url.searchParams.get("$filter");
  if (!filter) return items;
  const scopePath = `/${scope.join("/")}`.toLowerCase();
  const principal = /principalId\s+eq\s+'([^']*)'/i.exec(filter)?.[1]?.toLowerCase();
  const atScope = /atScope\(\)/i.test(filter);
  return items.filter((item) => {
    const properties = (context.index.get(item.key)?.properties ?? {}) as JsonObject;
    if (principal !== undefined && String(properties.principalId).toLowerCase() !== principal) return false;
    if (atScope) {
      const assignmentScope = String(properties.scope ?? "").toLowerCase();
      const inherited = above.includes(assignmentScope.replace(/\/$/, ""));
      if (
        !inherited &&
        assignmentScope !== scopePath &&
        !scopePath.startsWith(`${assignmentScope.replace(/\/$/, "")}/`)
      )
        return false;
    }
    return true;
  });
}

function getResource(context: RouteContext, segments: string[], scope: string[], type: string): RouteResult {
  const route = `get ${type}`;
  const key = `/${segments.join("/").toLowerCase()}`;
  const found = context.index.get(key);
  if (found) return { status: 200, body: withServedId(found), route };
  if (type === ROLE_DEFINITIONS) {
    const guid = (segments.at(-1) ?? "").toLowerCase();
    const builtIn = context.index.get(`${BUILT_IN_PREFIX}${guid}`);
    if (builtIn) {
      const body = rescopeRoleDefinition(builtIn, scope.length ? `/${scope.join("/")}` : "");
      if (body) return { status: 200, body, route };
    }
  }
  if (segments.length >= 2) {
    const parent = context.index.get(`/${segments.slice(0, -2).join("/").toLowerCase()}`);
    const name = (segments.at(-1) ?? "").toLowerCase();
    const child =
      parent &&
      embeddedCollection(parent, segments.at(-2) ?? "")?.find(
        (item) => String(item.name).toLowerCase() === name,
      );
    if (child) return { status: 200, body: child, route };
  }
  const group = segments[2]?.toLowerCase() === "resourcegroups" ? segments[3] : undefined;
  const providersAt = segments.map((segment) => segment.toLowerCase()).lastIndexOf("providers");
  const what = segments.slice(providersAt + 1).join("/");
  return {
    ...armError(
      404,
      "ResourceNotFound",
      `The Resource '${what}' ${group ? `under resource group '${group}' ` : ""}was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
    route,
  };
}

function page(
  context: RouteContext,
  url: URL,
  items: ListItem[],
  route: string,
  pageSize = context.pageSize,
): RouteResult {
  const token = url.searchParams.get("$skiptoken") ?? url.searchParams.get("$skipToken");
  let start = 0;
  if (token) {
    const after = Buffer.from(token, "base64url").toString("utf8");
    start = items.findIndex((item) => item.key > after);
    if (start < 0) start = items.length;
  }
  const value: JsonObject[] = [];
  let next = start;
  while (next < items.length && value.length < pageSize) {
    const item = items[next++] as ListItem;
    const resource = item.value();
    if (resource) value.push(withServedId(resource));
  }
  const body: JsonObject = { value };
  if (next < items.length) {
    const params = new URLSearchParams(url.searchParams);
    params.delete("$skipToken");
    params.set("$skiptoken", Buffer.from((items[next - 1] as ListItem).key, "utf8").toString("base64url"));
    body.nextLink = `${context.baseUrl}${url.pathname}?${params.toString()}`;
  }
  return { status: 200, body, route, page: true };
}
