/** What `collect` and the targeted reads share: listings, the TDE id rule, the clients. */
import type { TokenCredential as AzureTokenCredential } from "@azure/core-auth";
import { type ArmClientOptions, type ListOperationOptions, listRaw, type PagedList } from "@azure-drift/arm";
import type { CollectorContext, JsonObject } from "@azure-drift/core";
import { NAME } from "./name.js";
import { ENCRYPTION_TYPES, type EncryptionResourceKind } from "./resource-types.js";

export type Listing = (operationOptions: ListOperationOptions) => PagedList;

/** One listing of `kind`, each item given its declared `type` if ARM left it out. */
export async function* list(context: CollectorContext, kind: EncryptionResourceKind, listing: Listing) {
  const resourceType = ENCRYPTION_TYPES[kind];
  for await (const item of listRaw(context, { collector: NAME, resourceType, list: listing })) {
    if (typeof item.type !== "string") item.type = resourceType;
    yield item;
  }
}

/** A listing of parents this collector does not emit (their coverage goes to the fan-out). */
export function listParents(context: CollectorContext, resourceType: string, listing: Listing) {
  return listRaw(context, { collector: NAME, resourceType, list: listing });
}

/** Whether a database is a user database: `master` (kind `…,system`) cannot be encrypted with TDE. */
export function isUserDatabase(database: JsonObject): boolean {
  const system = String(database.kind ?? "")
    .toLowerCase()
    .includes("system");
  return !system && String(database.name).toLowerCase() !== "master";
}

/** User databases only. */
export async function* userDatabases(databases: AsyncIterable<JsonObject>): AsyncIterable<JsonObject> {
  for await (const database of databases) if (isUserDatabase(database)) yield database;
}

/**
 * The record id of a TDE item. ARM's list (and GET) can carry the database's own id with the name
 * `current`; the record must not share the database's key, so its id ends in `/transparentDataEncryption/current`.
 */
export function transparentDataEncryptionId(item: JsonObject, databaseId: string): string {
  const id = typeof item.id === "string" ? item.id : databaseId;
  if (/\/transparentDataEncryption\/[^/]+$/i.test(id)) return id;
  const name = typeof item.name === "string" && item.name !== "" ? item.name : "current";
  return `${id}/transparentDataEncryption/${name}`;
}

/** An `@azure/arm-*` client class: they all take a credential, a subscription and options. */
export type ArmClientClass<T> = new (
  credential: AzureTokenCredential,
  subscriptionId: string,
  options: ArmClientOptions,
) => T;

/**
 * A client of the SDK `load` imports. The SDKs are imported on first use, so loading this package
 * stays cheap. Core's TokenCredential is the structural subset of @azure/core-auth's that the SDKs call.
 */
export async function createClient<T>(
  context: CollectorContext,
  options: ArmClientOptions,
  load: () => Promise<ArmClientClass<T>>,
): Promise<T> {
  const Client = await load();
  return new Client(context.credential as AzureTokenCredential, context.subscriptionId, options);
}
