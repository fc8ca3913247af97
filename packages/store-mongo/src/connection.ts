import { DriftError } from "@azure-drift/core";
import type { MongoClient, MongoClientOptions } from "mongodb";

/** Where a {@link MongoConnection} comes from: the caller's client, a URI, or `MONGODB_URI`. */
export interface MongoConnectionOptions {
  /**
   * A connected (or connectable) `MongoClient` of the caller's. The store uses it as given and
   * never closes it: its owner does.
   */
  client?: MongoClient;
  /** A `mongodb://` or `mongodb+srv://` URI; default: the `MONGODB_URI` environment variable. */
  uri?: string;
  /** Passed to `new MongoClient(uri, options)` as given: TLS files, auth mechanism, pool size, timeouts. */
  clientOptions?: MongoClientOptions;
  /** The database; default: the URI's path (`mongodb://host/NAME`), else `azure_drift`. */
  database?: string;
}

/** A client and database name, and whether the store owns (and so closes) the client. */
export interface MongoConnection {
  client: MongoClient;
  database: string;
  owned: boolean;
}

const DEFAULT_DATABASE = "azure_drift";

/** The URI without its user information, for messages and logs (a password must never reach one). */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/i, "$1***@");
}

/** The database named in a URI's path, if any (the driver itself falls back to "test"). */
function databaseOfUri(uri: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/i.exec(uri)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}

/**
 * Resolves the connection options to a client. The driver is imported here, on first use, so that
 * loading the package costs nothing until a store is opened.
 */
export async function openMongoConnection(options: MongoConnectionOptions): Promise<MongoConnection> {
  if (options.database !== undefined && !/^[A-Za-z0-9_-]{1,63}$/.test(String(options.database))) {
    throw new DriftError(
      "E_INPUT",
      `database must be 1–63 letters, digits, "_" or "-"; got ${JSON.stringify(options.database)}.`,
    );
  }
  if (options.client) {
    return {
      client: options.client,
      database: options.database ?? DEFAULT_DATABASE,
      owned: false,
    };
  }
  const uri = options.uri ?? process.env.MONGODB_URI;
  if (typeof uri !== "string" || !/^mongodb(\+srv)?:\/\//i.test(uri)) {
    throw new DriftError(
      "E_INPUT",
      uri === undefined || uri === ""
        ? "No MongoDB to connect to: pass `client` or `uri`, or set MONGODB_URI (mongodb://host:27017/azure_drift)."
        : `Not a MongoDB URI (it starts with ${JSON.stringify(String(uri).split(/[:@/]/)[0])}): it must start with mongodb:// or mongodb+srv://.`,
    );
  }
  const { MongoClient } = await import("mongodb");
  let client: MongoClient;
  try {
    client = new MongoClient(uri, { appName: "azure-drift", ...options.clientOptions });
  } catch (error) {
    throw new DriftError(
      "E_INPUT",
      `The MongoDB URI ${redactUri(uri)} or its client options are invalid: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return {
    client,
    database: options.database ?? databaseOfUri(uri) ?? DEFAULT_DATABASE,
    owned: true,
  };
}
