import { execFileSync } from "node:child_process";
import { join } from "node:path";

/**
 * Writes a throw-away self-signed certificate as `<dir>/key.pem` and `<dir>/cert.pem`, valid one
 * day, for `commonName` (default `app.test`) and optionally a `subjectAltName` such as `IP:127.0.0.1`.
 */
export function writeSelfSignedCert(
  dir: string,
  opts: { readonly commonName?: string; readonly subjectAltName?: string } = {},
): void {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${opts.commonName ?? "app.test"}`,
      ...(opts.subjectAltName ? ["-addext", `subjectAltName=${opts.subjectAltName}`] : []),
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
}
