export { type MongoConnectionOptions, openMongoConnection, redactUri } from "./connection.js";
