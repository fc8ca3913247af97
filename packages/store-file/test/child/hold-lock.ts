// A child process that takes a tenant's lock and holds it until killed (for E_STORE_LOCKED and
// stale-lock recovery tests). Prints "locked" once it holds the lock.
import { noopLogger } from "@azure-drift/core";
import { TenantLayout } from "../../src/layout.js";
import { withTenantLock } from "../../src/lock.js";

const [directory, tenantId] = process.argv.slice(2);
const layout = new TenantLayout(directory ?? "", tenantId ?? "");
await withTenantLock(
  layout.lockTarget,
  { timeoutMs: 10_000, staleMs: 2000, logger: noopLogger },
  async () => {
    process.stdout.write("locked\n");
    // The lock refresh timer is unref()ed; this interval keeps the process alive until it is killed.
    await new Promise(() => setInterval(() => {}, 1000));
  },
);
