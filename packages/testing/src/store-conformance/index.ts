export {
  changeStoreRecords,
  fixtureHash,
  generateStoreRecords,
  type StoreRecordOptions,
} from "./records.js";
export {
  type ConformanceTestFunction,
  type StoreConformanceOptions,
  type StoreFactory,
  type StoreInspector,
  storeConformanceSuite,
} from "./suite.js";
