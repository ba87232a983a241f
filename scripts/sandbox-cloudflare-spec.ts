/**
 * Pure parts of the sandbox's local Cloudflare API (docs/decisions/0093): where it listens, its
 * files, its command line, the dev stack keys that point at it, and the fingerprint that tells
 * `sandbox up` whether a running one can stay.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";

/** Port of the plain-HTTP listener the Pulumi provider uses, on the sandbox network's gateway. */
export const CLOUDFLARE_API_HTTP_PORT = 8787;

/** Port of the HTTPS listener ddclient uses (it only speaks HTTPS to Cloudflare), on the same address. */
export const CLOUDFLARE_API_HTTPS_PORT = 8443;

/** Where the sandbox keeps the CA that signed the API's certificate; ddclient's `ssl_ca_file=`. */
export const SANDBOX_CA_FILE = "/etc/hemma-sandbox/cloudflare-api-ca.pem";

/** Environment variable the supervisor passes the tokens in (never on a command line). */
export const TOKENS_ENV = "HEMMA_CLOUDFLARE_API_TOKENS";

/** The dev stack's secrets that are the API's tokens. */
export const TOKEN_KEYS = ["hemma:cloudflareApiToken", "hemma:cloudflareDdnsToken"] as const;

/** Files of one sandbox's API, under its sandbox directory. */
export interface CloudflareApiFiles {
  /** The directory. */
  readonly dir: string;
  /** The records (the API's `--state`); kept by `sandbox down`, so the zone outlives the container. */
  readonly stateFile: string;
  /** Request log of the API and its supervisor (no token is ever logged). */
  readonly logFile: string;
  /** What `sandbox up` started: pid, fingerprint, URLs. */
  readonly processFile: string;
  /** The CA's key, made once per sandbox directory. */
  readonly caKey: string;
  /** The CA's certificate: what ddclient in the sandbox trusts. */
  readonly caCert: string;
  /** The server's key. */
  readonly serverKey: string;
  /** The server's certificate, for the gateway address in `serverSanFile`, signed by the CA. */
  readonly serverCert: string;
  /** The address the server certificate was made for. */
  readonly serverSanFile: string;
}

/** The API's files under the sandbox directory `sandboxDir`. */
export function cloudflareApiFiles(sandboxDir: string): CloudflareApiFiles {
  const dir = path.join(sandboxDir, "cloudflare-api");
  return {
    dir,
    stateFile: path.join(dir, "state.json"),
    logFile: path.join(dir, "api.log"),
    processFile: path.join(dir, "process.json"),
    caKey: path.join(dir, "ca.key"),
    caCert: path.join(dir, "ca.pem"),
    serverKey: path.join(dir, "server.key"),
    serverCert: path.join(dir, "server.pem"),
    serverSanFile: path.join(dir, "server.san"),
  };
}

/** The zone the dev stack declares (`hemma:dns.zone`, `hemma:dns.zoneId`). */
export interface ServedZone {
  /** Zone name, `hemma.test`. */
  readonly name: string;
  /** Zone id, 32 hex digits. */
  readonly id: string;
}

/** The API's base URLs on the gateway address `gateway`. */
export function cloudflareApiUrls(gateway: string): { readonly url: string; readonly tlsUrl: string } {
  return {
    url: `http://${gateway}:${CLOUDFLARE_API_HTTP_PORT}/client/v4`,
    tlsUrl: `https://${gateway}:${CLOUDFLARE_API_HTTPS_PORT}/client/v4`,
  };
}

/**
 * Arguments of `sandbox/cloudflare-api/cli.ts` for one sandbox: the zone, plain HTTP and HTTPS on
 * the gateway, the state file, the certificate, and the tokens from {@link TOKENS_ENV}.
 */
export function cloudflareApiArgs(zone: ServedZone, gateway: string, files: CloudflareApiFiles): string[] {
  return [
    "--zone",
    `${zone.name}=${zone.id}`,
    "--tokens-from-env",
    TOKENS_ENV,
    "--host",
    gateway,
    "--port",
    String(CLOUDFLARE_API_HTTP_PORT),
    "--tls-port",
    String(CLOUDFLARE_API_HTTPS_PORT),
    "--tls-cert",
    files.serverCert,
    "--tls-key",
    files.serverKey,
    "--state",
    files.stateFile,
  ];
}

/** The value of {@link TOKENS_ENV}: each token scoped to the zone, one per line. */
export function tokensEnvValue(tokens: readonly string[], zone: ServedZone): string {
  return tokens.map((t) => `${t}:${zone.name}`).join("\n");
}

/**
 * What a running API must match to be kept: its arguments, its tokens, its certificate and its
 * code. Only a digest is stored, never the tokens.
 */
export function cloudflareApiFingerprint(
  args: readonly string[],
  tokens: readonly string[],
  serverCert: string,
  code: readonly { readonly path: string; readonly content: string }[],
): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(args));
  for (const t of tokens) hash.update(`\0token\0${t}`);
  hash.update(`\0cert\0${serverCert}`);
  for (const c of [...code].sort((a, b) => (a.path < b.path ? -1 : 1)))
    hash.update(`\0${c.path}\0${c.content}`);
  return hash.digest("hex").slice(0, 16);
}

/** The `hemma:dns` keys the dev stack takes from `sandbox up`: the provider's and ddclient's way to the API. */
export function dnsOverrides(gateway: string): {
  apiBaseUrl: string;
  ddclient: { server: string; caFile: string };
} {
  const { url, tlsUrl } = cloudflareApiUrls(gateway);
  return {
    apiBaseUrl: url,
    ddclient: { server: tlsUrl.replace(/^https:\/\//, ""), caFile: SANDBOX_CA_FILE },
  };
}
