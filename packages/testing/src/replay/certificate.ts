import { generate } from "selfsigned";

/** A key pair and self-signed certificate (PEM) for the replay server. */
export interface ServerCertificate {
  key: string;
  cert: string;
}

/**
 * A fresh self-signed certificate for `127.0.0.1` and `localhost`, valid for a day. It is its own
 * CA: clients trust it by passing `cert` as their TLS `ca`, never by turning verification off.
 */
export async function createServerCertificate(): Promise<ServerCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 24 * 60 * 60 * 1000);
  const pems = await generate([{ name: "commonName", value: "azure-drift ARM replay server" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
