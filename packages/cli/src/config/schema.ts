/**
 * The schema of `azure-drift.config.json` / `.mjs`: the one source of the file's checks, its
 * TypeScript type and the JSON Schema published for editors (`azure-drift.config.schema.json`).
 */
import { z } from "zod";

// Spelled without the `i` flag so the published JSON Schema checks the same (JSON Schema has no flags).
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// ARM's rule for a management group id (the CLI's --management-group checks the same).
export const MANAGEMENT_GROUP_ID = /^[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]$/;
const SEVERITY = z.enum(["critical", "high", "medium", "low", "info"]);

const guid = (what: string) =>
  z
    .string()
    .regex(GUID, { message: `expected ${what} (a GUID such as 00000000-0000-0000-0000-000000000000)` });

const suppression = z
  .object({
    id: z.string().min(1).describe("A name for the suppression, shown in reports."),
    match: z
      .object({
        type: z.string().optional(),
        resourceId: z.string().optional(),
        path: z.string().optional(),
        ruleId: z.string().optional(),
      })
      .strict()
      .describe("What to hide; every given field must match (globs)."),
    reason: z.string().min(1).describe("Why the finding is accepted; required."),
    expires: z.string().optional().describe("ISO date after which the suppression stops applying."),
  })
  .strict();

/** The configuration file's shape. */
export const configSchema = z
  .object({
    $schema: z.string().optional().describe("The JSON Schema of this file, for editors."),
    tenant: guid("a tenant id")
      .optional()
      .describe("The Microsoft Entra tenant id (default: from the subscriptions)."),
    subscriptions: z
      .array(guid("a subscription id"))
      .min(1)
      .optional()
      .describe(
        "The subscriptions to check (default: every subscription the credential can see). Not with managementGroup.",
      ),
    managementGroup: z
      .string()
      .regex(MANAGEMENT_GROUP_ID, {
        message:
          "expected a management group id (up to 90 letters, digits, -, _, ., ( or ), not ending with a period)",
      })
      .optional()
      .describe(
        "Check every subscription below this management group, at any depth (its id, not its display name). Not with subscriptions.",
      ),
    collectors: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        "Built-in collector names (network, identity, …), paths of modules exporting a collector, or package names; default: every built-in collector.",
      ),
    store: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Where snapshots and reports are kept: a directory (default ./.azure-drift) or a mongodb:// URI.",
      ),
    cloud: z.enum(["AzureCloud", "AzureChinaCloud", "AzureUSGovernment"]).optional(),
    armEndpoint: z.url({ message: "expected an https URL" }).optional().describe("A custom ARM endpoint."),
    caCert: z.string().min(1).optional().describe("A PEM CA certificate to trust for armEndpoint."),
    concurrency: z.number().int().min(1).max(1000).optional().describe("ARM requests in flight at once."),
    requestTimeout: z
      .number()
      .min(1)
      .max(3600)
      .optional()
      .describe(
        "Seconds after which an ARM request with no answer is abandoned and its listing reported unknown (default 90), as --request-timeout.",
      ),
    baseline: z
      .string()
      .min(1)
      .optional()
      .describe("Compare with this baseline instead of the previous snapshot."),
    attribution: z
      .boolean()
      .optional()
      .describe("Read the Activity Log for who changed each drifted resource (default true)."),
    rules: z
      .union([
        z.string().min(1),
        z
          .object({
            rules: z.array(z.looseObject({ id: z.string() })).optional(),
            overrides: z
              .record(z.string(), z.enum(["critical", "high", "medium", "low", "info", "off"]))
              .optional(),
            suppressions: z.array(suppression).optional(),
            defaultSeverity: SEVERITY.optional(),
          })
          .strict(),
      ])
      .optional()
      .describe(
        "A rules file (path) or the rules themselves: extra rules, severity overrides, suppressions.",
      ),
    suppressions: z
      .array(suppression)
      .optional()
      .describe("Findings to hide, each with a reason and an expiry."),
    minSeverity: SEVERITY.optional().describe("Report only changes at or above this severity."),
    ignore: z.array(z.string().min(1)).optional().describe("Change-path globs to ignore."),
    format: z
      .enum(["table", "json", "markdown", "html", "sarif", "junit"])
      .optional()
      .describe("The format printed on stdout (default: table on a terminal, else json)."),
    outputs: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "Files the report is also written to, in the format their extension names (.json, .md, .html, .sarif, .xml, .txt).",
      ),
    logFormat: z.enum(["json", "text"]).optional(),
    logLevel: z.enum(["error", "warn", "info", "debug"]).optional(),
  })
  .strict()
  .refine((config) => config.subscriptions === undefined || config.managementGroup === undefined, {
    path: ["managementGroup"],
    message: "give subscriptions or managementGroup, not both",
  });

/** A parsed configuration file. */
export type DriftConfig = z.infer<typeof configSchema>;

/** The JSON Schema of the configuration file, for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { target: "draft-7", io: "input" }),
    // The refinement above, which zod cannot express in JSON Schema.
    not: { required: ["subscriptions", "managementGroup"] },
    title: "azure-drift configuration",
    description:
      "azure-drift.config.json: what `azure-drift check`, `diff` and `report` use when a flag is not given.",
  };
}
