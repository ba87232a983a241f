import type { RenderedFile } from "../types";

/** Where Debian's and Ubuntu's ddclient package reads its configuration. */
export const DDCLIENT_CONF_PATH = "/etc/ddclient.conf";

/** Arguments of {@link renderDdclientConf}. */
export interface DdclientConfArgs {
  /** Cloudflare zone holding the record, e.g. `hule.education`. */
  readonly zone: string;
  /** Full name of the A record ddclient keeps at the host's public IPv4 address, e.g. `hemma.hule.education`. */
  readonly hostname: string;
  /** TTL ddclient writes with each update (1 = automatic); the same value Pulumi declares. */
  readonly ttl: number;
  /** Seconds between checks of the public address. */
  readonly checkIntervalSeconds: number;
  /** Cloudflare API token scoped to the zone (Zone:DNS:Edit and Zone:Zone:Read). Secret: never echoed. */
  readonly apiToken: string;
}

/** Cloudflare API tokens are URL-safe base64-ish: letters, digits, `-` and `_`. */
const TOKEN_RE = /^[A-Za-z0-9_-]{20,200}$/;
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Renders `/etc/ddclient.conf` for Cloudflare's API: one host, an API token (`login=token`),
 * the address from a web lookup (hemma sits behind a NAT router, so no interface holds it).
 * Mode 0600 root:root because the file holds the token. Throws on values ddclient would
 * misread; the token's value never appears in an error.
 *
 * @param args zone, host name, TTL, interval and token
 * @returns the file, ready for a `HostFile`
 */
export function renderDdclientConf(args: DdclientConfArgs): RenderedFile {
  if (!NAME_RE.test(args.zone)) throw new Error(`ddclient: zone '${args.zone}' is not a lower-case DNS name`);
  if (!NAME_RE.test(args.hostname) || !args.hostname.endsWith(`.${args.zone}`)) {
    throw new Error(`ddclient: hostname '${args.hostname}' is not a lower-case DNS name inside ${args.zone}`);
  }
  if (!Number.isInteger(args.ttl) || !(args.ttl === 1 || (args.ttl >= 60 && args.ttl <= 86400))) {
    throw new Error(`ddclient: ttl ${args.ttl} is not 1 or 60-86400`);
  }
  if (!Number.isInteger(args.checkIntervalSeconds) || args.checkIntervalSeconds < 60) {
    throw new Error(
      `ddclient: checkIntervalSeconds ${args.checkIntervalSeconds} is not a whole number >= 60`,
    );
  }
  if (!TOKEN_RE.test(args.apiToken)) {
    throw new Error(
      "ddclient: the Cloudflare API token (hemma:cloudflareDdnsToken, value not shown) is not 20-200 letters, digits, '-' or '_'",
    );
  }
  const content = [
    "# Managed by hemma-infra (Pulumi): local edits show up as drift and are overwritten by the next up.",
    `# Keeps the A record ${args.hostname} at this host's public IPv4 address. Pulumi owns the`,
    "# record's existence, TTL and proxy mode; only its address belongs to ddclient.",
    `daemon=${args.checkIntervalSeconds}`,
    "syslog=yes",
    "ssl=yes",
    "usev4=webv4",
    "webv4=ipify-ipv4",
    "protocol=cloudflare",
    `zone=${args.zone}`,
    `ttl=${args.ttl}`,
    "login=token",
    `password='${args.apiToken}'`,
    args.hostname,
    "",
  ].join("\n");
  return { path: DDCLIENT_CONF_PATH, content, mode: "0600", owner: "root", group: "root", kind: "config" };
}
