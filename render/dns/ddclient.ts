import type { RenderedFile } from "../types";

/** Where Debian's and Ubuntu's ddclient package reads its configuration. */
export const DDCLIENT_CONF_PATH = "/etc/ddclient.conf";

/** Where the package's `ddclient.service` reads `daemon_interval` (its `EnvironmentFile`). */
export const DDCLIENT_DEFAULTS_PATH = "/etc/default/ddclient";

/** Where ddclient remembers the address it last wrote (the package's default, named in the config). */
export const DDCLIENT_CACHE_PATH = "/var/cache/ddclient/ddclient.cache";

/** Where ddclient learns the host's IPv4 address. */
export type DdclientAddressSource = { readonly web: string } | { readonly interface: string };

/** Arguments of {@link renderDdclientConf}. */
export interface DdclientConfArgs {
  /** Cloudflare zone holding the record, e.g. `hule.education`. */
  readonly zone: string;
  /** Full name of the A record ddclient keeps at the host's IPv4 address: the zone or a name inside it. */
  readonly hostname: string;
  /** TTL ddclient writes with each update (1 = automatic); the same value Pulumi declares. */
  readonly ttl: number;
  /** Cloudflare API token scoped to the zone (Zone:DNS:Edit and Zone:Zone:Read). Secret: never echoed. */
  readonly apiToken: string;
  /** Cloudflare's id of the A record. A new id (the record was created again) changes the file. */
  readonly hostRecordId: string;
  /** Where the address comes from. Default `{ web: "ipify-ipv4" }` (hemma is behind NAT). */
  readonly addressFrom?: DdclientAddressSource;
  /** `server=`: `host[:port]/path` of the API without a scheme. Default ddclient's, Cloudflare's own. */
  readonly server?: string;
  /** `ssl_ca_file=`: CA file for the API's certificate. Default the system's CAs. */
  readonly caFile?: string;
}

/** Cloudflare API tokens are URL-safe base64-ish: letters, digits, `-` and `_`. */
const TOKEN_RE = /^[A-Za-z0-9_-]{20,200}$/;
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const SERVER_RE = /^[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*\/?$/;
const PATH_RE = /^\/[A-Za-z0-9._@+/-]+$/;
const WEB_RE = /^(?:[a-z0-9][a-z0-9-]*|https?:\/\/[^\s'"]+)$/;
const INTERFACE_RE = /^[A-Za-z0-9_.-]{1,15}$/;
const RECORD_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Renders `/etc/ddclient.conf` for Cloudflare's API: one host, an API token (`login=token`), the
 * address from a web lookup (hemma sits behind a NAT router) or an interface. Mode 0600 root:root
 * because the file holds the token. Throws on values ddclient would misread; the token's value
 * never appears in an error.
 *
 * No `daemon=`: the packaged unit passes `-daemon` from {@link renderDdclientDefaults}, and with
 * `daemon=` here the runbook's `ddclient -force` would fork a second daemon instead of running once.
 *
 * @param args zone, host name, TTL, token, the record's id, and where ddclient finds address and API
 * @returns the file, ready for a `HostFile`
 */
export function renderDdclientConf(args: DdclientConfArgs): RenderedFile {
  if (!NAME_RE.test(args.zone)) throw new Error(`ddclient: zone '${args.zone}' is not a lower-case DNS name`);
  if (
    !NAME_RE.test(args.hostname) ||
    !(args.hostname === args.zone || args.hostname.endsWith(`.${args.zone}`))
  ) {
    throw new Error(
      `ddclient: hostname '${args.hostname}' is not ${args.zone} or a lower-case DNS name inside it`,
    );
  }
  if (!Number.isInteger(args.ttl) || !(args.ttl === 1 || (args.ttl >= 60 && args.ttl <= 86400))) {
    throw new Error(`ddclient: ttl ${args.ttl} is not 1 or 60-86400`);
  }
  if (!TOKEN_RE.test(args.apiToken)) {
    throw new Error(
      "ddclient: the Cloudflare API token (hemma:cloudflareDdnsToken, value not shown) is not 20-200 letters, digits, '-' or '_'",
    );
  }
  if (!RECORD_ID_RE.test(args.hostRecordId))
    throw new Error(`ddclient: host record id '${args.hostRecordId}' is not an identifier`);
  const address = args.addressFrom ?? { web: "ipify-ipv4" };
  if ("web" in address && !WEB_RE.test(address.web))
    throw new Error(`ddclient: web address service '${address.web}' is not a service name or URL`);
  if ("interface" in address && !INTERFACE_RE.test(address.interface))
    throw new Error(`ddclient: interface '${address.interface}' is not an interface name`);
  if (args.server !== undefined && !SERVER_RE.test(args.server))
    throw new Error(`ddclient: server '${args.server}' is not host[:port]/path without a scheme`);
  if (args.caFile !== undefined && !PATH_RE.test(args.caFile))
    throw new Error(`ddclient: caFile '${args.caFile}' is not an absolute path`);

  const content = [
    "# Managed by hemma-infra (Pulumi): local edits show up as drift and are overwritten by the next up.",
    `# Keeps the A record ${args.hostname} at this host's public IPv4 address. Pulumi owns the`,
    "# record's existence, TTL and proxy mode; only its address belongs to ddclient.",
    `# Record id ${args.hostRecordId}: when Pulumi creates the record again, this line changes and the`,
    "# restart that follows empties the cache, so ddclient writes the address at once.",
    "syslog=yes",
    "ssl=yes",
    `cache=${DDCLIENT_CACHE_PATH}`,
    ...("web" in address
      ? ["usev4=webv4", `webv4=${address.web}`]
      : ["usev4=ifv4", `ifv4=${address.interface}`]),
    "protocol=cloudflare",
    ...(args.server !== undefined ? [`server=${args.server}`] : []),
    ...(args.caFile !== undefined ? [`ssl_ca_file=${args.caFile}`] : []),
    `zone=${args.zone}`,
    `ttl=${args.ttl}`,
    "login=token",
    `password='${args.apiToken}'`,
    args.hostname,
    "",
  ].join("\n");
  return { path: DDCLIENT_CONF_PATH, content, mode: "0600", owner: "root", group: "root", kind: "config" };
}

/**
 * Renders `/etc/default/ddclient`, the environment file of the package's `ddclient.service`
 * (`ExecStart=ddclient -daemon $daemon_interval ...`): the check interval lives here, because the
 * command line wins over the config file. Neither the DHCP nor the PPP hook runs ddclient.
 *
 * @param checkIntervalSeconds seconds between address checks, at least 60
 */
export function renderDdclientDefaults(checkIntervalSeconds: number): RenderedFile {
  if (!Number.isInteger(checkIntervalSeconds) || checkIntervalSeconds < 60) {
    throw new Error(`ddclient: checkIntervalSeconds ${checkIntervalSeconds} is not a whole number >= 60`);
  }
  const content = [
    "# Managed by hemma-infra (Pulumi): local edits show up as drift and are overwritten by the next up.",
    'run_dhclient="false"',
    'run_ipup="false"',
    `daemon_interval="${checkIntervalSeconds}"`,
    "",
  ].join("\n");
  return {
    path: DDCLIENT_DEFAULTS_PATH,
    content,
    mode: "0644",
    owner: "root",
    group: "root",
    kind: "config",
  };
}
