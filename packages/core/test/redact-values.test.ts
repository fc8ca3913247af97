import { describe, expect, test } from "vitest";
import { looksLikeSecretValue, REDACTED, redactSecrets } from "../src/index.js";
import { createTypeRegistry } from "../src/normalize/hints.js";
import { normalizeResource } from "../src/normalize/normalize.js";
import { ordinaryValues, secretShapes } from "./support/secret-shapes.js";

// Redaction by value: a credential is hidden whatever its property is called.
describe("secrets are recognised by their shape, under neutral names", () => {
  const secrets = secretShapes();
  const ordinary = ordinaryValues();

  test.each(Object.entries(secrets))("%s", (_, value) => {
    expect(looksLikeSecretValue(value)).toBe(true);
    expect(redactSecrets({ bootstrap: value, note: [value] })).toEqual({
      bootstrap: REDACTED,
      note: [REDACTED],
    });
  });

  test.each(Object.entries(ordinary))("not a secret: %s", (_, value) => {
    expect(looksLikeSecretValue(value)).toBe(false);
    expect(redactSecrets({ note: value })).toEqual({ note: value });
  });

  test("normalization redacts them before hashing, and keeps the ordinary values", () => {
    const resource = {
      id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Web/sites/app",
      type: "Microsoft.Web/sites",
      properties: { planted: secrets, ordinary },
    };
    const config = normalizeResource(resource, createTypeRegistry()) as {
      properties: Record<string, Record<string, string>>;
    };
    const text = JSON.stringify(config);
    for (const value of Object.values(secrets)) expect(text).not.toContain(value.slice(8, 40));
    expect(Object.values(config.properties.planted!)).toEqual(Object.values(secrets).map(() => REDACTED));
    expect(config.properties.ordinary!.guid).toBe(ordinary.guid);
    expect(config.properties.ordinary!.publicCertificatePem).toBe(ordinary.publicCertificatePem);
    expect(config.properties.ordinary!.sshPublicKey).toBe(ordinary.sshPublicKey);
  });
});
