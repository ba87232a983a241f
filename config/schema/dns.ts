import { z } from "zod";
import type { CrossAreaIssue } from "./cross-checks";
import { isHostname, isIpv4 } from "./hostname";

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
   * One entry per public vhost name (the values of `hemma:domains` except `host`), keyed by the
   * full name. Each becomes a CNAME to the host record.
   */
  records: z.record(z.string(), dnsRecordSchema, {
    error: "a mapping from each public vhost name to its record",
  }),
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
 * with `features.dns` true, `dns` must exist, every vhost name needs exactly one record and every
 * record a vhost, all names must lie in the zone, and proxy mode/TTL must not break HTTP-01.
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

  if (zone !== undefined && typeof hostName === "string" && !inZone(hostName, zone)) {
    issues.push({
      path: ["domains", HOST_DOMAIN_KEY],
      input: hostName,
      message: `a name inside the zone ${zone} (dns.zone), so its record can be managed there`,
    });
  }

  const records = isPlainObject(dns.records) ? dns.records : undefined;
  if (records === undefined) return issues;
  const vhostNames = new Set(vhosts.map(([, name]) => name));
  for (const [key, name] of vhosts) {
    if (!(name in records)) {
      issues.push({
        path: ["dns", "records"],
        input: records,
        message: `a record for domains.${key} (${name}): every vhost needs its DNS name`,
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
