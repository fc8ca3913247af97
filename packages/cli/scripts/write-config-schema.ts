// Writes azure-drift.config.schema.json from the configuration's zod schema (a test checks they agree).
import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../src/config/schema.js";

writeFileSync(
  new URL("../azure-drift.config.schema.json", import.meta.url),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
