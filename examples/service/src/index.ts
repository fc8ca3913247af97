/**
 * azure-drift as a service: an authenticated HTTP API over the MongoDB store, scheduled and
 * event-driven checks as BullMQ jobs over Redis, run by any number of worker processes.
 */
export {};
