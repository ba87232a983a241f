import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { Ddclient } from "../../components/dns/ddclient";
import { HemmaDnsRecords, type AliasRecordArgs } from "../../components/dns/hemma-dns-records";
import type { HemmaConfig } from "../../config/schema";
import { HOST_DOMAIN_KEY } from "../../config/schema/dns";
import type { HemmaSecrets } from "../../config/secrets";
import { hostConnectionFromConfig } from "./host-connection";

/** Arguments of {@link buildDnsLayer}. */
export interface DnsLayerArgs {
  /** The validated stack config. */
  readonly config: HemmaConfig;
  /** The stack's secrets (`cloudflareApiToken`, `cloudflareDdnsToken`, `sshPrivateKey` are used). */
  readonly secrets: HemmaSecrets;
}

/** What the DNS layer created. */
export interface DnsLayer {
  /** The Cloudflare provider, configured from `hemma:cloudflareApiToken`. */
  readonly provider: cloudflare.Provider;
  /** The host record and the vhost CNAMEs. */
  readonly records: HemmaDnsRecords;
  /** ddclient on the host; absent when the stack does not manage the host (`features.host` false). */
  readonly ddclient?: Ddclient;
}

/**
 * The aliases (vhost CNAMEs) of a config: every `hemma:domains` value except the host's own
 * name that has an entry in `hemma:dns.records`, with its proxy mode and TTL. Pure; validation
 * guarantees a record for each vhost the stack serves and a vhost for each record.
 */
export function aliasRecords(config: HemmaConfig): AliasRecordArgs[] {
  const dns = config.dns;
  if (dns === undefined) throw new Error("aliasRecords: hemma:dns is not set");
  return Object.entries(config.domains)
    .filter(([key, name]) => key !== HOST_DOMAIN_KEY && dns.records[name] !== undefined)
    .map(([, name]) => ({ name, proxied: dns.records[name]!.proxied, ttl: dns.records[name]!.ttl }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The DNS layer: Cloudflare records for hemma and every public vhost, plus the ddclient that
 * keeps the host record's address current. Creates nothing when `features.dns` is false (dev).
 */
export function buildDnsLayer(
  args: DnsLayerArgs,
  opts?: pulumi.ComponentResourceOptions,
): DnsLayer | undefined {
  const { config, secrets } = args;
  if (!config.features.dns) return undefined;
  const dns = config.dns;
  if (dns === undefined) throw new Error("buildDnsLayer: features.dns is true but hemma:dns is not set");

  // An explicit provider: its token (and, in dev, its base URL) comes from hemma: config, never
  // from the ambient environment, so no stray CLOUDFLARE_* variable can redirect a stack.
  const provider = new cloudflare.Provider(
    "cloudflare",
    {
      apiToken: secrets.cloudflareApiToken,
      ...(dns.apiBaseUrl !== undefined ? { baseUrl: dns.apiBaseUrl } : {}),
    },
    opts?.parent ? { parent: opts.parent } : undefined,
  );
  const records = new HemmaDnsRecords(
    "dns",
    {
      zoneId: dns.zoneId,
      zone: dns.zone,
      host: { name: config.domains.host, initialAddress: dns.host.initialAddress, ttl: dns.host.ttl },
      aliases: aliasRecords(config),
      apiToken: secrets.cloudflareApiToken,
      ...(dns.apiBaseUrl !== undefined ? { apiBaseUrl: dns.apiBaseUrl } : {}),
    },
    { ...opts, providers: { cloudflare: provider } },
  );
  const ddclient = config.features.host
    ? new Ddclient(
        "ddclient",
        {
          connection: hostConnectionFromConfig(config, secrets),
          zone: dns.zone,
          hostname: config.domains.host,
          ttl: dns.host.ttl,
          checkIntervalSeconds: dns.host.checkIntervalSeconds,
          apiToken: secrets.cloudflareDdnsToken,
          hostRecordId: records.hostRecord.id,
          addressFrom: dns.ddclient.addressFrom,
          ...(dns.ddclient.server !== undefined ? { server: dns.ddclient.server } : {}),
          ...(dns.ddclient.caFile !== undefined ? { caFile: dns.ddclient.caFile } : {}),
        },
        opts,
      )
    : undefined;
  return { provider, records, ...(ddclient ? { ddclient } : {}) };
}
