/**
 * `@azure-drift/store-file`: the embedded default store of azure-drift. A folder on disk (default
 * `./.azure-drift`), no server: content-addressed resource documents in pack files, a column record
 * index per snapshot made visible by a single rename, reports and baselines, all under tenant folders.
 * See docs/store-file.md for the layout and its guarantees.
 *
 * @packageDocumentation
 */

export type { Compression } from "./codec.js";
export { STORE_FORMAT_VERSION } from "./layout.js";
export {
  createFileStore,
  type FileStore,
  type FileStoreOptions,
  type QuarantineResult,
} from "./store.js";
export { type VerifyProblem, type VerifyReport, verifyFileStore } from "./verify.js";
