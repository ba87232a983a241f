import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { UndeclaredDnsRecords } from "../../providers/undeclared-dns-records";

/** The host's own A record, whose address ddclient on the host keeps current. */
export interface HostRecordArgs {
  /** Full name, e.g. `hemma.hule.education`, or the zone itself (dev's `hemma.test`). */
  readonly name: string;
  /** Address the record is created with; ignored after creation (ddclient owns it). */
  readonly initialAddress: string;
  /** TTL in seconds (1 = automatic). */
  readonly ttl: number;
}

/** One public name that follows the host record. */
export interface AliasRecordArgs {
  /** Full name, e.g. `grafana.hemma.hule.education`. */
  readonly name: string;
  /** Serve the name through Cloudflare's proxy. */
  readonly proxied: boolean;
  /** TTL in seconds (1 = automatic; must be 1 when proxied). */
  readonly ttl: number;
}

/** Arguments of {@link HemmaDnsRecords}. Plain values: they decide which records exist. */
export interface HemmaDnsRecordsArgs {
  /** Cloudflare zone id (32 hex digits). */
  readonly zoneId: string;
  /** Zone name, e.g. `hule.education`; every record lies below it. */
  readonly zone: string;
  /** The host's A record. */
  readonly host: HostRecordArgs;
  /** The vhost names, each a CNAME to the host record. Order does not matter. */
  readonly aliases: readonly AliasRecordArgs[];
  /** A token that may list the zone's records, for the report of undeclared ones (secret). */
  readonly apiToken: pulumi.Input<string>;
  /** Base URL of the API, as the provider's `baseUrl`. Default Cloudflare's own. */
  readonly apiBaseUrl?: string;
}

/** Comment put on every record so a person in the Cloudflare dashboard knows who owns it. */
export const MANAGED_COMMENT = "managed by hemma-infra (Pulumi)";
/** Comment on the host record: its address is the one field Pulumi leaves alone. */
export const HOST_COMMENT = "managed by hemma-infra (Pulumi); address kept current by ddclient on the host";

/**
 * Child resource name of a record: the component name plus the record's labels below the zone,
 * dot-free (`dns-grafana-hemma`), or `-apex` for the zone itself. Stable for a given name, so
 * renaming a vhost replaces its record.
 */
export function recordResourceName(component: string, fullName: string, zone: string): string {
  if (fullName === zone) return `${component}-apex`;
  if (!fullName.endsWith(`.${zone}`)) throw new Error(`DNS name ${fullName} is not inside the zone ${zone}`);
  return `${component}-${fullName.slice(0, -zone.length - 1).replace(/\./g, "-")}`;
}

/**
 * Cloudflare records of hemma: the host's A record plus one CNAME per public vhost name.
 *
 * The host's address is dynamic and kept current by ddclient on the host, so Pulumi creates the
 * A record with a placeholder address and ignores `content` from then on (it still owns the
 * record's existence, TTL and proxy mode, and drift in those is reported). The vhost names are
 * CNAMEs to the host record, so they follow every address change without a second updater.
 * Names are full names: Cloudflare returns full names, and a relative one would differ on every
 * refresh. See docs/decisions/0080-cloudflare-dns-records.md. Every other record of the zone is
 * left alone and reported once as undeclared (docs/decisions/0095).
 */
export class HemmaDnsRecords extends pulumi.ComponentResource {
  /** The host's A record. */
  readonly hostRecord: cloudflare.DnsRecord;
  /** The vhost CNAMEs, keyed by full name. */
  readonly aliasRecords: Readonly<Record<string, cloudflare.DnsRecord>>;
  /** The zone's records this component does not declare. */
  readonly undeclared: UndeclaredDnsRecords;

  constructor(name: string, args: HemmaDnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:dns:HemmaDnsRecords", name, {}, opts);

    const seen = new Set<string>([args.host.name]);
    for (const alias of args.aliases) {
      if (seen.has(alias.name))
        throw new Error(`HemmaDnsRecords ${name}: DNS name ${alias.name} is declared twice`);
      seen.add(alias.name);
      if (alias.name === args.zone)
        throw new Error(`HemmaDnsRecords ${name}: ${alias.name} is the zone apex, which cannot be a CNAME`);
      if (alias.proxied && alias.ttl !== 1) {
        throw new Error(
          `HemmaDnsRecords ${name}: ${alias.name} is proxied, so its ttl must be 1 (automatic), not ${alias.ttl}`,
        );
      }
    }

    this.hostRecord = new cloudflare.DnsRecord(
      recordResourceName(name, args.host.name, args.zone),
      {
        zoneId: args.zoneId,
        name: args.host.name,
        type: "A",
        content: args.host.initialAddress,
        ttl: args.host.ttl,
        // ddclient updates the record through the API; proxying would hand out Cloudflare's
        // addresses instead of the host's and hide the origin the CNAMEs rely on.
        proxied: false,
        comment: HOST_COMMENT,
      },
      { parent: this, ignoreChanges: ["content"] },
    );

    const aliasRecords: Record<string, cloudflare.DnsRecord> = {};
    for (const alias of [...args.aliases].sort((a, b) => a.name.localeCompare(b.name))) {
      aliasRecords[alias.name] = new cloudflare.DnsRecord(
        recordResourceName(name, alias.name, args.zone),
        {
          zoneId: args.zoneId,
          name: alias.name,
          type: "CNAME",
          content: args.host.name,
          ttl: alias.ttl,
          proxied: alias.proxied,
          comment: MANAGED_COMMENT,
        },
        // The target record must exist first, or Cloudflare serves a dangling CNAME meanwhile.
        { parent: this, dependsOn: [this.hostRecord] },
      );
    }
    this.aliasRecords = aliasRecords;
    this.undeclared = new UndeclaredDnsRecords(
      `${name}-undeclared`,
      {
        zoneId: args.zoneId,
        apiToken: args.apiToken,
        ...(args.apiBaseUrl !== undefined ? { apiBaseUrl: args.apiBaseUrl } : {}),
        declaredIds: [this.hostRecord.id, ...Object.values(aliasRecords).map((r) => r.id)],
      },
      { parent: this },
    );

    this.registerOutputs({
      hostRecord: this.hostRecord,
      aliasRecords: this.aliasRecords,
      undeclared: this.undeclared,
    });
  }
}
