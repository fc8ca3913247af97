/** JSON schemas of the path and query parameters the routes share (validated before any handler runs). */

/** An Azure tenant id as the store keys it (a GUID in Azure; letters, digits, `.`, `_`, `-`). */
export const TENANT_ID = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" } as const;

/** A subscription id: a GUID, any case (lower-cased before use). */
export const SUBSCRIPTION_ID = {
  type: "string",
  pattern: "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
} as const;

/** A store-made id (snapshot, report) or a baseline name. */
export const STORED_ID = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$" } as const;

/** How many entries a listing answers: 50 unless asked, 500 at most. */
export const LIST_LIMIT = { type: "integer", minimum: 1, maximum: 500, default: 50 } as const;

/** An ISO 8601 time. */
export const TIME = { type: "string", format: "date-time" } as const;

export const tenantParams = {
  type: "object",
  required: ["tenantId"],
  properties: { tenantId: TENANT_ID },
} as const;
