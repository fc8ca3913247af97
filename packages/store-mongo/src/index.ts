export { type MongoConnectionOptions, openMongoConnection, redactUri } from "./connection.js";
export { COLLECTIONS, INDEXES, STORE_FORMAT_VERSION } from "./layout.js";
export { createMongoStore, type MongoStore, type MongoStoreOptions } from "./store.js";
