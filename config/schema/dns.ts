import { z } from "zod";
import type { CrossAreaIssue } from "./cross-checks";
import { absolutePathSchema } from "./fields";
import { isHostname, isIpv4 } from "./hostname";
import { ROUTED_SERVICES, observabilitySchema } from "./observability";

/**
 * Cloudflare's TTL rule: 1 means "automatic", otherwise 60-86400 seconds (30 only on
 * Enterprise zones, which hule.education is not).
 */
export const ttlSchema = z
  .number({ error: "a TTL: 1 (automatic) or 60-86400 seconds" })
  .int({ error: "a TTL: 1 (automatic) or 60-86400 seconds" })
  .refine((v) => v === 1 || (v >= 60 && v <= 86400), { error: "a TTL: 1 (automatic) or 60-86400 seconds" });

/**
 * Longest TTL allowed on the host record. Its address is dynamic: after a change, resolvers
 * (Let's Encrypt's validation resolvers included) keep the old address for up to the TTL, so a
 * long TTL turns each address change into an outage and failed HTTP-01 renewals. See
 * docs/decisions/0080-cloudflare-dns-records.md.
 */
export const MAX_HOST_TTL = 600;

/** One public name that points at the host (a CNAME to the host record). */
export const dnsRecordSchema = z.strictObject({
  /**
   * Serve the name through Cloudflare's proxy. Default false. Only for names one label below the
   * zone, and only with `ttl: 1` (see {@link dnsRecordIssues}).
   */
  proxied: z.boolean({ error: "true or false" }).default(false),
  /** TTL in seconds, or 1 for automatic. Default 300. */
  ttl: ttlSchema.default(300),
});

/**
 * A base URL of Cloudflare's v4 API (or a stand-in for it): `http(s)://host[:port][/path]`, no
 * credentials, query or fragment.
 */
const apiBaseUrlSchema = z
  .string({ error: "an http(s) URL such as https://api.cloudflare.com/client/v4" })
  .refine(isApiBaseUrl, {
    error: "an http(s) URL without credentials, query or fragment, such as http://172.18.0.1:8787/client/v4",
  });

/** Whether `value` is an http(s) URL with a host and nothing after the path. */
function isApiBaseUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === "http:" || url.protocol === "https:") &&
    url.hostname !== "" &&
    url.username === "" &&
    url.password === "" &&
    url.search === "" &&
    url.hash === "" &&
    !value.includes("?") &&
    !value.includes("#")
  );
}

/** How ddclient learns the host's IPv4 address. */
export const ddclientAddressSchema = z.union(
  [
    z.strictObject({
      /**
       * A lookup service that answers with the caller's public address: one of ddclient's
       * built-in names (`ipify-ipv4`) or an http(s) URL. For a host behind NAT (hemma).
       */
      web: z
        .string({ error: "a ddclient web service name such as ipify-ipv4, or an http(s) URL" })
        .regex(/^(?:[a-z0-9][a-z0-9-]*|https?:\/\/[^\s'"]+)$/, {
          error: "a ddclient web service name such as ipify-ipv4, or an http(s) URL",
        }),
    }),
    z.strictObject({
      /** A network interface whose first global IPv4 address is the host's address (the sandbox's `eth0`). */
      interface: z
        .string({ error: "a network interface name such as eth0" })
        .regex(/^[A-Za-z0-9_.-]{1,15}$/, {
          error: "a network interface name such as eth0 (1-15 characters)",
        }),
    }),
  ],
  { error: "{ web: <service or URL> } or { interface: <name> }" },
);

/** `hemma:dns.ddclient`: where ddclient on the host finds its address and the API. */
export const ddclientSchema = z.strictObject({
  /** Where the host's address comes from. Default `{ web: ipify-ipv4 }`: hemma is behind NAT. */
  addressFrom: ddclientAddressSchema.default({ web: "ipify-ipv4" }),
  /**
   * ddclient's `server=`: `host[:port]/path` of the API, without a scheme, because ddclient 3.10
   * always speaks HTTPS to Cloudflare. Default Cloudflare's own (`api.cloudflare.com/client/v4`).
   */
  server: z
    .string({ error: "host[:port]/path of the API without a scheme, e.g. 172.18.0.1:8443/client/v4" })
    .regex(/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*\/?$/, {
      error:
        "host[:port]/path without a scheme, e.g. 172.18.0.1:8443/client/v4: ddclient always uses https for Cloudflare",
    })
    .optional(),
  /** PEM file on the host with the CA ddclient trusts for `server` (`ssl_ca_file=`). Default the system's CAs. */
  caFile: absolutePathSchema.optional(),
});

/** Parsed `hemma:dns.ddclient`. */
export type DdclientConfig = z.output<typeof ddclientSchema>;

/** `hemma:dns`: the Cloudflare zone and the records of every public name. Present only when `features.dns` is true. */
export const dnsSchema = z.strictObject({
  /** The Cloudflare zone the names live in, e.g. `hule.education`. */
  zone: z
    .string({ error: "a DNS zone such as hule.education" })
    .refine((v) => isHostname(v) && v.includes("."), { error: "a DNS zone such as hule.education" }),
  /** The zone's Cloudflare id (dashboard: Overview, "Zone ID"): 32 lower-case hex digits. */
  zoneId: z
    .string({ error: "the zone's Cloudflare id (32 hex digits)" })
    .regex(/^[0-9a-f]{32}$/, { error: "the zone's Cloudflare id: 32 lower-case hex digits" }),
  /** The host record (`hemma:domains.host`), whose address ddclient on the host keeps current. */
  host: z.strictObject({
    /**
     * Address the A record is created with. ddclient replaces it within one interval and Pulumi
     * ignores the address from then on, so it only matters on the first `up`.
     */
    initialAddress: z
      .string({ error: "an IPv4 address" })
      .refine(isIpv4, { error: "an IPv4 address such as 83.252.61.217" }),
    /** TTL of the A record, seconds (1 = automatic). Default 300; at most 600 (the address is dynamic). */
    ttl: ttlSchema
      .refine((v) => v <= MAX_HOST_TTL, {
        error: `at most ${MAX_HOST_TTL} seconds (or 1): the address is dynamic, and resolvers keep an old one for the whole TTL`,
      })
      .default(300),
    /** Seconds between ddclient's checks of the public address. Default 300. */
    checkIntervalSeconds: z
      .number({ error: "a whole number of seconds, 60-3600" })
      .int({ error: "a whole number of seconds, 60-3600" })
      .min(60, { error: "a whole number of seconds, 60-3600 (the address service limits lookups)" })
      .max(3600, { error: "a whole number of seconds, 60-3600" })
      .default(300),
  }),
  /**
   * Public vhost names (values of `hemma:domains` except `host`) that get a record, keyed by the
   * full name; each becomes a CNAME to the host record. Every vhost the stack serves needs one;
   * an unserved one may have one (see {@link dnsCrossIssues}).
   */
  records: z.record(z.string(), dnsRecordSchema, {
    error: "a mapping from each public vhost name to its record",
  }),
  /**
   * Base URL of the Cloudflare API the Pulumi provider talks to (its `baseUrl`). Default
   * Cloudflare's own. The dev stack's points at the sandbox's local API (docs/decisions/0093).
   */
  apiBaseUrl: apiBaseUrlSchema.optional(),
  /** ddclient on the host. Default: address from ipify, Cloudflare's API, the system's CAs. */
  ddclient: ddclientSchema.default({ addressFrom: { web: "ipify-ipv4" } }),
});

/** Parsed `hemma:dns`. */
export type DnsConfig = z.output<typeof dnsSchema>;

/** Parsed `hemma:dns.records.<name>`. */
export type DnsRecordConfig = z.output<typeof dnsRecordSchema>;

/** The `hemma:domains` key that names the host itself; every other key names a vhost. */
export const HOST_DOMAIN_KEY = "host";

/**
 * Problems with one record's proxy mode and TTL that would break the ACME HTTP-01 challenge
 * acme-companion uses (or make every preview show a change). Pure; works on parsed values.
 *
 * - proxied with a TTL other than 1: Cloudflare answers proxied names with its own TTL, rejects
 *   or overrides a fixed one, and the record then differs from the stack on every refresh;
 * - proxied more than one label below the zone (`grafana.hemma.hule.education`): Cloudflare's
 *   Universal SSL certificate covers only the zone and `*.zone`, so the edge cannot complete TLS
 *   for the name. The HTTP-01 validation request follows nginx-proxy's (or Cloudflare's)
 *   redirect to HTTPS and fails there, and so does every visitor.
 *
 * @param name the record's full name
 * @param zone the zone the record lives in
 * @param record proxy mode and TTL
 * @returns one message per problem, keyed by the record field it concerns
 */
export function dnsRecordIssues(
  name: string,
  zone: string,
  record: { readonly proxied: boolean; readonly ttl: number },
): { field: "proxied" | "ttl"; received: unknown; message: string }[] {
  if (!record.proxied) return [];
  const issues: { field: "proxied" | "ttl"; received: unknown; message: string }[] = [];
  if (record.ttl !== 1) {
    issues.push({
      field: "ttl",
      received: record.ttl,
      message: "1 (automatic) for a proxied record: Cloudflare sets the TTL of proxied names itself",
    });
  }
  const labelsBelowZone = name.endsWith(`.${zone}`) ? name.slice(0, -zone.length - 1).split(".").length : 0;
  if (labelsBelowZone > 1) {
    issues.push({
      field: "proxied",
      received: true,
      message:
        `false: Cloudflare's edge certificate covers ${zone} and *.${zone} only, so a proxied ${name} ` +
        "fails TLS at the edge and the ACME HTTP-01 challenge (redirected to HTTPS) fails with it",
    });
  }
  return issues;
}

/**
 * Checks between `hemma:dns`, `hemma:domains` and `hemma:features`, on raw or parsed config:
 * with `features.dns` true, `dns` must exist, every vhost the stack serves needs a record and
 * every record a vhost name, the host is the zone or lies in it and every record lies in it,
 * proxy mode/TTL must not break HTTP-01, and a reserved zone (`hemma.test`) needs a local API.
 * With `features.dns` false, `dns` must be absent (a stack that manages no DNS says so once).
 * Parts without the expected shape are skipped: the area schemas report those.
 */
export function dnsCrossIssues(config: unknown): CrossAreaIssue[] {
  if (!isPlainObject(config)) return [];
  const features = isPlainObject(config.features) ? config.features : undefined;
  const dnsEnabled = features?.dns;
  const dns = config.dns;
  if (dnsEnabled === false) {
    return dns === undefined
      ? []
      : [
          {
            path: ["dns"],
            input: dns,
            message: "no hemma:dns while features.dns is false (or set features.dns: true)",
          },
        ];
  }
  if (dnsEnabled !== true) return [];
  if (dns === undefined) {
    return [
      { path: ["dns"], input: undefined, message: "the Cloudflare zone and records (features.dns is true)" },
    ];
  }
  if (!isPlainObject(dns)) return [];

  const issues: CrossAreaIssue[] = [];
  const zone = typeof dns.zone === "string" ? dns.zone : undefined;
  const domains = isPlainObject(config.domains) ? config.domains : {};
  const vhosts = Object.entries(domains).filter(
    (entry): entry is [string, string] => entry[0] !== HOST_DOMAIN_KEY && typeof entry[1] === "string",
  );
  const hostName = domains[HOST_DOMAIN_KEY];

  if (zone !== undefined && typeof hostName === "string" && !inZoneOrApex(hostName, zone)) {
    issues.push({
      path: ["domains", HOST_DOMAIN_KEY],
      input: hostName,
      message: `the zone ${zone} itself or a name inside it (dns.zone), so its record can be managed there`,
    });
  }
  issues.push(...localApiIssues(dns, zone, features?.host !== false));

  const records = isPlainObject(dns.records) ? dns.records : undefined;
  if (records === undefined) return issues;
  const vhostNames = new Set(vhosts.map(([, name]) => name));
  for (const [key, name] of vhosts) {
    if (!(name in records) && servesVhost(config, key)) {
      issues.push({
        path: ["dns", "records"],
        input: records,
        message: `a record for domains.${key} (${name}): every vhost this stack serves needs its DNS name`,
      });
    }
  }
  for (const [name, record] of Object.entries(records)) {
    if (!vhostNames.has(name)) {
      issues.push({
        path: ["dns", "records", name],
        input: record,
        message:
          `a record only for a vhost name in hemma:domains (${[...vhostNames].join(", ")}); ` +
          "a record without a vhost would be answered by nginx-proxy's default host",
      });
      continue;
    }
    if (zone !== undefined && !inZone(name, zone)) {
      issues.push({
        path: ["dns", "records", name],
        input: name,
        message: `a name inside the zone ${zone} (dns.zone)`,
      });
      continue;
    }
    if (zone === undefined || !isPlainObject(record)) continue;
    const parsed = dnsRecordSchema.safeParse(record);
    if (!parsed.success) continue;
    for (const issue of dnsRecordIssues(name, zone, parsed.data)) {
      issues.push({
        path: ["dns", "records", name, issue.field],
        input: issue.received,
        message: issue.message,
      });
    }
  }
  return issues;
}

/** Whether `name` lies strictly below `zone`. */
export function inZone(name: string, zone: string): boolean {
  return name.endsWith(`.${zone}`);
}

/** Whether `name` is `zone` itself (its apex) or lies below it. */
export function inZoneOrApex(name: string, zone: string): boolean {
  return name === zone || inZone(name, zone);
}

/**
 * Top-level domains reserved for testing and documentation (RFC 2606, RFC 6761): no registrar
 * sells them, so no zone under them can be on Cloudflare.
 */
export const RESERVED_TLDS = ["test", "example", "invalid", "localhost"] as const;

/** Whether `zone` lies under a {@link RESERVED_TLDS reserved top-level domain}. */
export function isReservedZone(zone: string): boolean {
  const tld = zone.split(".").pop() ?? "";
  return (RESERVED_TLDS as readonly string[]).includes(tld);
}

/**
 * A zone under a reserved TLD (dev's `hemma.test`) can only live on a local stand-in for
 * Cloudflare, so the provider and (when the host layer runs ddclient) ddclient must be pointed at
 * one: without those keys they would send the stack's tokens to the real Cloudflare.
 */
function localApiIssues(
  dns: Record<string, unknown>,
  zone: string | undefined,
  ddclientRuns: boolean,
): CrossAreaIssue[] {
  if (zone === undefined || !isReservedZone(zone)) return [];
  const why = `${zone} is under a reserved top-level domain, so only a local Cloudflare API can serve it`;
  const issues: CrossAreaIssue[] = [];
  if (dns.apiBaseUrl === undefined)
    issues.push({
      path: ["dns", "apiBaseUrl"],
      input: undefined,
      message: `the local API's base URL: ${why}`,
    });
  if (!ddclientRuns) return issues;
  const ddclient = isPlainObject(dns.ddclient) ? dns.ddclient : {};
  if (ddclient.server === undefined)
    issues.push({
      path: ["dns", "ddclient", "server"],
      input: undefined,
      message: `the local API as ddclient reaches it from the host (host:port/path): ${why}`,
    });
  if (ddclient.caFile === undefined)
    issues.push({
      path: ["dns", "ddclient", "caFile"],
      input: undefined,
      message: `the CA file on the host for the local API's certificate: ${why}, and its certificate is not from a public CA`,
    });
  return issues;
}

/**
 * Whether the stack serves `domains.<key>` through nginx-proxy: the app whenever the docker layer
 * runs, an observability service when it is enabled and routed. On values that do not parse, true:
 * a broken config never hides a missing record.
 */
export function servesVhost(config: Record<string, unknown>, key: string): boolean {
  const features = isPlainObject(config.features) ? config.features : {};
  if (features.docker === false) return false;
  const service = Object.entries(ROUTED_SERVICES).find(([, domainKey]) => domainKey === key)?.[0] as
    keyof typeof ROUTED_SERVICES | undefined;
  if (service === undefined) return true;
  const parsed = observabilitySchema.safeParse(config.observability ?? {});
  if (!parsed.success) return true;
  return parsed.data[service].enabled && parsed.data[service].route;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
