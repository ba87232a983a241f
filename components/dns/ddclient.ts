import * as pulumi from "@pulumi/pulumi";
import { HostFile } from "../../providers/host-file";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { SystemdUnit } from "../../providers/systemd-unit";
import {
  DDCLIENT_CACHE_PATH,
  renderDdclientConf,
  renderDdclientDefaults,
  type DdclientAddressSource,
} from "../../render/dns/ddclient";

/** Arguments of {@link Ddclient}. */
export interface DdclientArgs {
  /** SSH connection to the host. */
  readonly connection: HostConnectionArgs;
  /** Cloudflare zone, e.g. `hule.education`. */
  readonly zone: string;
  /** Full name of the host record ddclient updates, e.g. `hemma.hule.education` (or the zone itself). */
  readonly hostname: string;
  /** TTL written with each update; the same as the Pulumi-declared host record's. */
  readonly ttl: number;
  /** Seconds between address checks. */
  readonly checkIntervalSeconds: number;
  /** Zone-scoped Cloudflare API token for ddclient (secret). */
  readonly apiToken: pulumi.Input<string>;
  /** Cloudflare's id of the host record (the record resource's `id`): a new record restarts ddclient with an empty cache. */
  readonly hostRecordId: pulumi.Input<string>;
  /** Where the host's address comes from. Default `{ web: "ipify-ipv4" }`. */
  readonly addressFrom?: DdclientAddressSource;
  /** The API as the host reaches it, `host[:port]/path` without a scheme. Default Cloudflare's own. */
  readonly server?: string;
  /** CA file on the host for `server`'s certificate. Default the system's CAs. */
  readonly caFile?: string;
  /** systemd unit of the daemon. Default `ddclient.service` (Debian/Ubuntu package). */
  readonly serviceName?: string;
}

/**
 * ddclient on the host, keeping the host's A record at its address: `/etc/ddclient.conf` (0600,
 * it holds the token), `/etc/default/ddclient` (the check interval the packaged unit passes on
 * its command line) and the packaged `ddclient.service` enabled and running. The package itself
 * is a precondition (it is installed on hemma today; spec §8).
 */
export class Ddclient extends pulumi.ComponentResource {
  /** `/etc/ddclient.conf`. */
  readonly config: HostFile;
  /** `/etc/default/ddclient`. */
  readonly defaults: HostFile;
  /** The daemon's unit state. */
  readonly service: SystemdUnit;

  constructor(name: string, args: DdclientArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:dns:Ddclient", name, {}, opts);
    const serviceName = args.serviceName ?? "ddclient.service";
    const fixed = {
      zone: args.zone,
      hostname: args.hostname,
      ttl: args.ttl,
      ...(args.addressFrom !== undefined ? { addressFrom: args.addressFrom } : {}),
      ...(args.server !== undefined ? { server: args.server } : {}),
      ...(args.caFile !== undefined ? { caFile: args.caFile } : {}),
    };

    // Rendered inside apply because token and record id are Outputs; only the content depends on them.
    const rendered = pulumi
      .all([args.apiToken, args.hostRecordId])
      .apply(([apiToken, hostRecordId]) => renderDdclientConf({ ...fixed, apiToken, hostRecordId }));
    // Shape-valid stand-ins: only path, mode and owner are read from this render, and it checks the
    // plain arguments before any resource exists.
    const file = renderDdclientConf({ ...fixed, apiToken: "x".repeat(40), hostRecordId: "0" });
    const defaults = renderDdclientDefaults(args.checkIntervalSeconds);

    this.config = new HostFile(
      `${name}-conf`,
      {
        connection: args.connection,
        path: file.path,
        content: pulumi.secret(rendered.content),
        mode: file.mode,
        owner: file.owner ?? "root",
        group: file.group ?? "root",
        // ddclient reads its config only at start, and skips an update while its cache holds the
        // current address: without the cache, a re-created record gets the address at once.
        onChange: `rm -f ${DDCLIENT_CACHE_PATH} && systemctl try-restart ${serviceName}`,
      },
      { parent: this },
    );
    this.defaults = new HostFile(
      `${name}-defaults`,
      {
        connection: args.connection,
        path: defaults.path,
        content: defaults.content,
        mode: defaults.mode,
        owner: defaults.owner ?? "root",
        group: defaults.group ?? "root",
        onChange: `systemctl try-restart ${serviceName}`,
      },
      { parent: this },
    );
    this.service = new SystemdUnit(
      `${name}-service`,
      { connection: args.connection, name: serviceName, enabled: true, active: true },
      { parent: this, dependsOn: [this.config, this.defaults] },
    );
    this.registerOutputs({ config: this.config, defaults: this.defaults, service: this.service });
  }
}
