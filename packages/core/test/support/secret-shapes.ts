import { generateKeyPairSync, randomBytes } from "node:crypto";

// Credentials of every shape redaction must recognise by value, generated at run time (none is a
// real credential, and none sits in the repository for a secret scanner to trip on), and ordinary
// Azure values that look a little like them but must stay visible.

const alnum = (length: number) =>
  Array.from(
    randomBytes(length),
    (byte) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[byte % 62],
  ).join("");
const upperAlnum = (length: number) =>
  Array.from(randomBytes(length), (byte) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[byte % 32]).join("");
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Secrets by shape, each to be planted under a neutral property name. */
export function secretShapes(): Record<string, string> {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pemKey = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const certificate = `-----BEGIN CERTIFICATE-----\n${randomBytes(600).toString("base64")}\n-----END CERTIFICATE-----\n`;
  const jwt = `${base64url({ alg: "RS256", typ: "JWT" })}.${base64url({ aud: "https://management.azure.com", oid: "x", exp: 1 })}.${randomBytes(64).toString("base64url")}`;
  // PKCS#12 starts SEQUENCE, INTEGER 3 (its version): a certificate bundled with its private key.
  const pfx = Buffer.concat([
    Buffer.from([0x30, 0x82, 0x0a, 0x3c, 0x02, 0x01, 0x03, 0x30, 0x82]),
    randomBytes(900),
  ]);
  return {
    pemPrivateKey: pemKey,
    pemRsaKey: rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    pemEcKey: ec.privateKey.export({ type: "sec1", format: "pem" }).toString(),
    pemCertificateWithKey: `${certificate}${pemKey}`,
    derPrivateKey: rsa.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64"),
    derEcKey: ec.privateKey.export({ type: "sec1", format: "der" }).toString("base64"),
    pfxBase64: pfx.toString("base64"),
    jwt,
    bearer: `Bearer ${jwt}`,
    bearerOpaque: `Authorization: Bearer ${alnum(40)}`,
    storageAccountKey: randomBytes(64).toString("base64"),
    awsAccessKeyId: `AKIA${upperAlnum(16)}`,
    githubToken: `ghp_${alnum(36)}`,
    githubFineGrained: `github_pat_${alnum(22)}_${alnum(59)}`,
    slackToken: `xoxb-${alnum(12)}-${alnum(24)}`,
    googleApiKey: `AIza${alnum(35)}`,
    passwordInString: `Server=tcp:sql.example.net,1433;User ID=app;Password=${alnum(16)};`,
    accountKeyInString: `DefaultEndpointsProtocol=https;AccountName=stdata;AccountKey=${randomBytes(64).toString("base64")};EndpointSuffix=core.windows.net`,
    clientSecretInString: `client_id=abc&client_secret=${alnum(34)}`,
    urlWithPassword: `https://deploy:${alnum(20)}@git.example.net/repo.git`,
  };
}

/** Ordinary Azure values that must never be redacted. */
export function ordinaryValues(): Record<string, string> {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
  // An X.509 certificate in DER starts SEQUENCE, SEQUENCE, [0] version: `MII…CCA…`, no key in it.
  const der = Buffer.concat([
    Buffer.from([0x30, 0x82, 0x03, 0x0a, 0x30, 0x82, 0x01, 0xf2, 0xa0, 0x03, 0x02, 0x01, 0x02]),
    randomBytes(700),
  ]);
  return {
    armId:
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.KeyVault/vaults/kv-prod",
    guid: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    resourceName: "stcontosoprodweu001",
    hexThumbprint: randomBytes(20).toString("hex").toUpperCase(),
    base64Thumbprint: randomBytes(20).toString("base64url"),
    sha256Base64: randomBytes(32).toString("base64"),
    publicCertificate: der.toString("base64"),
    publicCertificatePem: `-----BEGIN CERTIFICATE-----\n${der.toString("base64")}\n-----END CERTIFICATE-----\n`,
    publicKey: rsa.publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    sshPublicKey: `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${alnum(300)} azureuser@vm-jump`,
    secretUri: "https://kv-prod.vault.azure.net/secrets/db-password/0123456789abcdef0123456789abcdef",
    blobEndpoint: "https://stcontosoprodweu001.blob.core.windows.net/",
    prose: "Bearer token authentication is required for this API; see the runbook.",
    email: "platform-team@contoso.com",
  };
}
