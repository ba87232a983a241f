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
      // EC P-256: an RSA key costs a quarter second of CPU per certificate, this a millisecond.
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
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
