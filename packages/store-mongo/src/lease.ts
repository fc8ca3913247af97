/**
 * The sweep lease: while a prune sweeps a tenant's unreferenced documents, no writer may start
 * relying on documents it finds present. Writers register first (a `writing` snapshot document),
 * then wait while a lease is held; a sweep takes the lease first, then sweeps only when no writer
 * is registered. Whichever comes second sees the other. A lease expires, so a crashed prune
 * blocks nobody for long.
 */
import { randomBytes } from "node:crypto";
import { DriftError, throwIfAborted } from "@azure-drift/core";
import type { StoreContext } from "./context.js";
import { isDuplicateKey } from "./errors.js";

const KIND = "sweep";
/** A sweep lease lasts this long unless renewed. */
export const SWEEP_LEASE_MS = 60_000;
const POLL_MS = 200;

/** Resolves when no live sweep lease is held for the tenant; `E_STORE_LOCKED` after the store's lock timeout. */
export async function waitForNoSweep(
  context: StoreContext,
  tenantId: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const leases = context.collection("leases");
  const deadline = Date.now() + context.lockTimeoutMs;
  while (
    await leases.findOne({ tenantId, kind: KIND, until: { $gt: new Date() } }, { projection: { _id: 1 } })
  ) {
    throwIfAborted(signal);
    if (Date.now() >= deadline) {
      throw new DriftError(
        "E_STORE_LOCKED",
        `Another process has been sweeping tenant ${tenantId}'s documents for longer than ${context.lockTimeoutMs} ms. Wait and run the command again, or raise lockTimeoutMs; a crashed sweep's lease expires after ${SWEEP_LEASE_MS} ms.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A held sweep lease. */
export interface SweepLease {
  /** Extends the lease; a sweep calls it between batches so a long sweep keeps it. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

/** Takes the tenant's sweep lease, or answers `undefined` when another live sweep holds it. */
export async function takeSweepLease(
  context: StoreContext,
  tenantId: string,
): Promise<SweepLease | undefined> {
  const leases = context.collection("leases");
  const holder = randomBytes(8).toString("hex");
  const until = () => new Date(Date.now() + SWEEP_LEASE_MS);
  try {
    await leases.insertOne({ tenantId, kind: KIND, holder, until: until() });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const taken = await leases.updateOne(
      { tenantId, kind: KIND, until: { $lte: new Date() } },
      { $set: { holder, until: until() } },
    );
    if (taken.matchedCount !== 1) return undefined;
  }
  return {
    renew: async () => {
      await leases.updateOne({ tenantId, kind: KIND, holder }, { $set: { until: until() } });
    },
    release: async () => {
      await leases.deleteOne({ tenantId, kind: KIND, holder });
    },
  };
}
