/**
 * Redaction: secret values become a marker before anything is hashed, stored, logged or reported.
 *
 * What counts as a secret (only string values are ever redacted, so `disablePasswordAuthentication:
 * true` stays visible and objects such as `keyVaultProperties` are walked, not hidden):
 * - a property whose name matches {@link defaultSecretKeys} or a user's `secretKeys`;
 * - a value at a type's declared `secrets` path or a user's `secretPaths`;
 * - `value` next to a `keyName` (the shape of `listKeys`), or next to a `name` that looks like a
 *   secret (app settings: `{ name: "DB_PASSWORD", value: … }`);
 * - a string that carries a credential itself, whatever its property's name (see
 *   {@link looksLikeSecretValue}): `AccountKey=`, `SharedAccessKey=`, `Password=`, `sig=` of a SAS
 *   URL; a PEM private key (alone or bundled with a certificate) or a base64 DER private key or PFX;
 *   a JWT or `Bearer` token; a storage account key; AWS, GitHub, Slack and Google API keys;
 *   credentials in a URL (`https://user:pass@host`).
 * Deliberately NOT secrets: `publicKey`, `keyData` (SSH public keys: who may log in is drift worth
 * seeing), `keyName`, `keySource`, `keyVaultProperties`, `keyUrl`, `*SecretId`, `*SecretUri` (references).
 */
import { createHmac } from "node:crypto";
import type { JsonObject, JsonValue } from "./model.js";
import { REDACTED } from "./model.js";
import {
  addPattern,
  type HintState,
  mergeFlags,
  newNode,
  rootState,
  stateFlags,
  stepState,
} from "./normalize/paths.js";

/**
 * Property-name patterns whose string values are secrets, tested on the name as written and with
 * `-`, `_`, `.` and spaces removed (so `STRIPE_API_KEY` matches like `apiKey`).
 */
export const defaultSecretKeys: readonly RegExp[] = [
  /(password|passwd|passphrase)$/i,
  /^pwd$/i,
  /secret(value)?$/i,
  /^key$/i,
  /(primary|secondary|access|account|shared|master|auth|api|admin|subscription|signing|private|function|host|system|readonly|readwrite)key$/i,
  /connectionstrings?$/i,
  /^sas$|sas(token|url|uri)$/i,
  /(^|access|refresh|bearer|auth|id|session|git|personalaccess)token$/i,
  /^credentials?$/i,
];

/** Values that carry a credential themselves, whatever the property's name. */
const SECRET_VALUE =
  /(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|client_secret|aws_secret_access_key)\s*=|[?&]sig=/i;

/**
 * Credential shapes recognised by value, each behind a cheap substring test so the common value (a
 * name, an id, a GUID) costs a few `includes` calls and no regular expression.
 */
const SECRET_SHAPES: readonly { hint: (value: string) => boolean; pattern: RegExp }[] = [
  // PEM private keys of every kind (PKCS#1/#8, EC, OpenSSH, encrypted), alone or after a certificate.
  {
    hint: (value) => value.includes("-----BEGIN"),
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/,
  },
  { hint: (value) => value.includes("PuTTY-User-Key-File-"), pattern: /PuTTY-User-Key-File-\d/ },
  // Base64 DER: PKCS#8 and PKCS#1 RSA private keys and PKCS#12 (a certificate with its key), EC keys.
  // A certificate or public key alone (`MII…CCA…`, `MII…ANBgkq…`) does not match.
  {
    hint: (value) => value.startsWith("MI") || value.startsWith("MHcCAQEE"),
    pattern: /^(?:MII[A-Za-z0-9+/]{3}IB(?:ADAN|AAKC|AzCC)|MIG[A-Za-z0-9+/]AgEAMBMG|MHcCAQEE)/,
  },
  // A JWT: base64url JSON header and payload (both start `{"`, so `eyJ`), then a signature.
  {
    hint: (value) => value.includes("eyJ"),
    pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/,
  },
  {
    hint: (value) => value.includes("earer") || value.includes("EARER"),
    pattern: /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*/i,
  },
  // A storage account key: 64 random bytes in base64, nothing around them.
  {
    hint: (value) => value.length >= 88 && value.includes("=="),
    pattern: /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/,
  },
  {
    hint: (value) => value.includes("AKIA") || value.includes("ASIA"),
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  },
  {
    hint: (value) => value.includes("gh") || value.includes("github_pat_"),
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/,
  },
  { hint: (value) => value.includes("xox"), pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { hint: (value) => value.includes("AIza"), pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  // Credentials in a URL: `scheme://user:password@host`.
  {
    hint: (value) => value.includes("@") && value.includes("://"),
    pattern: /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i,
  },
];

/**
 * Whether a string carries a credential by its shape alone, whatever the property it sits in:
 * what redaction replaces even under a neutral name such as `bootstrap` or `note`. Ordinary Azure
 * values (ids, GUIDs, names, thumbprints, public certificates and SSH public keys) do not match.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 16) return value.length > 4 && value.includes("=") && SECRET_VALUE.test(value);
  if (!SECRET_TRIGGER.test(value)) return false;
  if (value.includes("=") && SECRET_VALUE.test(value)) return true;
  for (const shape of SECRET_SHAPES) if (shape.hint(value) && shape.pattern.test(value)) return true;
  return false;
}

// One pass that every shape above needs to match: most strings (names, ids, GUIDs) stop here.
const SECRET_TRIGGER =
  /=|-----BEGIN|PuTTY|^M[IH]|eyJ|earer|EARER|AKIA|ASIA|gh[pousr]_|github_pat_|xox|AIza|@/;

/** How secrets are found and marked. */
export interface RedactionOptions {
  /** Extra property names (exact, case-insensitive) or patterns whose string values are secrets. */
  secretKeys?: Array<string | RegExp>;
  /** Extra hint paths (dot-separated, arrays transparent, `*`/`**`) whose values are secrets. */
  secretPaths?: string[];
  /** Use {@link defaultSecretKeys} and the value patterns. Default true; turning it off is rarely wise. */
  defaults?: boolean;
  /**
   * A salt. With it a secret becomes `[REDACTED:<16 hex of HMAC-SHA256(salt, value)>]`, so a changed
   * secret shows up as a change without its value; without it, the plain `[REDACTED]` marker, and a
   * changed secret is not drift. Keep the salt secret and stable across snapshots.
   */
  salt?: string | Uint8Array;
}

/** Redaction compiled once per option object. Internal. */
export interface CompiledRedaction {
  isSecretKey(name: string): boolean;
  isSecretValue(value: string): boolean;
  marker(value: string): string;
  paths: HintState;
}

const nameCacheLimit = 20_000;

/** Compiles redaction options. Internal: callers pass {@link RedactionOptions}. */
export function compileRedaction(options: RedactionOptions = {}): CompiledRedaction {
  const useDefaults = options.defaults !== false;
  const exact = new Set<string>();
  const patterns: RegExp[] = useDefaults ? [...defaultSecretKeys] : [];
  for (const key of options.secretKeys ?? []) {
    if (typeof key === "string") exact.add(key.toLowerCase());
    else patterns.push(key);
  }
  // Property names repeat across resources: remember the verdict instead of running every pattern again.
  const verdicts = new Map<string, boolean>();
  const isSecretKey = (name: string): boolean => {
    let verdict = verdicts.get(name);
    if (verdict === undefined) {
      // `STRIPE_API_KEY`, `db-password`: separators do not hide a secret's name.
      const joined = name.replace(/[-_.\s]/g, "");
      verdict =
        exact.has(name.toLowerCase()) ||
        patterns.some((pattern) => pattern.test(name) || pattern.test(joined));
      if (verdicts.size < nameCacheLimit) verdicts.set(name, verdict);
    }
    return verdict;
  };
  const isSecretValue = useDefaults ? looksLikeSecretValue : () => false;
  const salt = options.salt;
  const marker =
    salt === undefined || salt.length === 0
      ? () => REDACTED
      : (value: string) =>
          `[REDACTED:${createHmac("sha256", salt).update(value).digest("hex").slice(0, 16)}]`;
  const root = newNode();
  for (const path of options.secretPaths ?? [])
    addPattern(root, path).flags = mergeFlags(undefined, { secret: true });
  return { isSecretKey, isSecretValue, marker, paths: rootState(root) };
}

const compiledOptions = new WeakMap<RedactionOptions, CompiledRedaction>();
const defaultCompiled = compileRedaction();

/** The compiled form of options, cached per options object. Internal. */
export function redactionFor(options: RedactionOptions | undefined): CompiledRedaction {
  if (!options) return defaultCompiled;
  let compiled = compiledOptions.get(options);
  if (!compiled) {
    compiled = compileRedaction(options);
    compiledOptions.set(options, compiled);
  }
  return compiled;
}

/** Whether a marker string is a redaction marker (plain or salted). */
export function isRedactionMarker(value: unknown): boolean {
  return typeof value === "string" && (value === REDACTED || /^\[REDACTED:[0-9a-f]{16}\]$/.test(value));
}

/**
 * Whether `value`, the value of property `name` in `parent`, is a secret by the sibling rules:
 * `value` next to `keyName`, or next to a `name` that looks like a secret. Internal.
 */
export function isSecretBySibling(name: string, parent: JsonObject, redaction: CompiledRedaction): boolean {
  if (name !== "value") return false;
  if (typeof parent.keyName === "string") return true;
  return typeof parent.name === "string" && redaction.isSecretKey(parent.name);
}

/**
 * Returns a copy of `value` with every secret replaced by a marker (see the module comment for what
 * counts). Normalization already redacts; use this for JSON that does not go through it.
 */
export function redactSecrets<T extends JsonValue>(value: T, options?: RedactionOptions): T {
  const redaction = redactionFor(options);
  return redactValue(value, redaction, redaction.paths) as T;
}

function redactValue(value: JsonValue, redaction: CompiledRedaction, state: HintState): JsonValue {
  if (typeof value === "string") return redaction.isSecretValue(value) ? redaction.marker(value) : value;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((element) => redactValue(element, redaction, state));
  const out: JsonObject = {};
  for (const name of Object.keys(value)) {
    const child = value[name]!;
    const childState = stepState(state, name);
    if (stateFlags(childState)?.secret && child !== null) {
      out[name] = redaction.marker(typeof child === "string" ? child : JSON.stringify(child));
    } else if (
      typeof child === "string" &&
      (redaction.isSecretKey(name) || isSecretBySibling(name, value, redaction))
    ) {
      out[name] = redaction.marker(child);
    } else {
      out[name] = redactValue(child, redaction, childState);
    }
  }
  return out;
}
