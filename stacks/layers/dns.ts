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
 * name, with proxy mode and TTL from `hemma:dns.records`. Pure; validation guarantees a record
 * for each vhost.
 */
export function aliasRecords(config: HemmaConfig): AliasRecordArgs[] {
  const dns = config.dns;
  if (dns === undefined) throw new Error("aliasRecords: hemma:dns is not set");
  return Object.entries(config.domains)
    .filter(([key]) => key !== HOST_DOMAIN_KEY)
    .map(([key, name]) => {
      const record = dns.records[name];
      if (record === undefined)
        throw new Error(`aliasRecords: no hemma:dns.records entry for domains.${key} (${name})`);
      return { name, proxied: record.proxied, ttl: record.ttl };
    })
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

  // An explicit provider: its token comes from hemma: secret config, never from ambient environment.
  const provider = new cloudflare.Provider(
    "cloudflare",
    { apiToken: secrets.cloudflareApiToken },
    opts?.parent ? { parent: opts.parent } : undefined,
  );
  const records = new HemmaDnsRecords(
    "dns",
    {
      zoneId: dns.zoneId,
      zone: dns.zone,
      host: { name: config.domains.host, initialAddress: dns.host.initialAddress, ttl: dns.host.ttl },
      aliases: aliasRecords(config),
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
        },
        opts,
      )
    : undefined;
  return { provider, records, ...(ddclient ? { ddclient } : {}) };
}
