import { DriftError } from "@azure-drift/core";
import type { Collection, Db } from "mongodb";
import type { Principal } from "./tokens.js";

/** What was done through the API; one name per kind of call. */
export type AuditAction =
  | "report.read"
  | "report.latest"
  | "report.list"
  | "snapshot.list"
  | "history.read"
  | "baseline.accept"
  | "check.trigger"
  | "events.deliver";

/**
 * How a call ended. A call that changes something is written twice: `attempted` before it acts (no
 * action without a trail), then its outcome.
 */
export type AuditOutcome = "attempted" | "succeeded" | "not-found" | "rejected" | "denied" | "failed";

/** One line of the audit log: who did what, when, from where, and how it ended. */
export interface AuditEntry {
  at: Date;
  action: AuditAction;
  outcome: AuditOutcome;
  /** The HTTP status answered (absent on `attempted`). */
  status?: number;
  /** Who: from the verified token (never the token itself). */
  actor: Principal;
  /** The Azure tenant the call was about. */
  tenantId?: string;
  /** What: the ids the call named or resolved (subscription, report, resource, baseline, job…). */
  target: Record<string, unknown>;
  /** From where: the client address (through trusted proxies only), the route and request id. */
  request: { ip: string; method: string; route: string; requestId: string; userAgent?: string };
}

/** Where audit entries go. A write that rejects fails the call it records. */
export interface AuditSink {
  write(entry: AuditEntry): Promise<void>;
}

/**
 * The audit log in a MongoDB collection (the store's database, so one backup holds both). Entries
 * are only ever inserted; give the service's database user no `remove` on it, and keep it with a
 * TTL index or an archive job as your retention policy requires.
 */
export function createMongoAuditSink(
  db: Db,
  collection = "audit",
): AuditSink & { ensureIndexes(): Promise<void> } {
  const entries: Collection<AuditEntry> = db.collection<AuditEntry>(collection);
  return {
    async write(entry) {
      try {
        // A copy: insertOne adds _id to what it is given. The write concern is the URI's (MongoDB's default: majority).
        await entries.insertOne({ ...entry });
      } catch (error) {
        throw new DriftError(
          "E_STORE",
          `The audit entry for ${entry.action} could not be written to ${collection}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
    async ensureIndexes() {
      await entries.createIndex({ tenantId: 1, at: -1 }, { name: "tenant_at" });
      await entries.createIndex({ "actor.subject": 1, at: -1 }, { name: "actor_at" });
    },
  };
}
