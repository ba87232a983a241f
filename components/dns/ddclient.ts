import * as pulumi from "@pulumi/pulumi";
import { HostFile } from "../../providers/host-file";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { SystemdUnit } from "../../providers/systemd-unit";
import { renderDdclientConf } from "../../render/dns/ddclient";

/** Arguments of {@link Ddclient}. */
export interface DdclientArgs {
  /** SSH connection to the host. */
  readonly connection: HostConnectionArgs;
  /** Cloudflare zone, e.g. `hule.education`. */
  readonly zone: string;
  /** Full name of the host record ddclient updates, e.g. `hemma.hule.education`. */
  readonly hostname: string;
  /** TTL written with each update; the same as the Pulumi-declared host record's. */
  readonly ttl: number;
  /** Seconds between address checks. */
  readonly checkIntervalSeconds: number;
  /** Zone-scoped Cloudflare API token for ddclient (secret). */
  readonly apiToken: pulumi.Input<string>;
  /** systemd unit of the daemon. Default `ddclient.service` (Debian/Ubuntu package). */
  readonly serviceName?: string;
}

/**
 * ddclient on the host, keeping the host's A record at its public address: `/etc/ddclient.conf`
 * (0600, it holds the token) and the packaged `ddclient.service` enabled and running. The
 * package itself is a precondition (it is installed on hemma today; spec §8).
 */
export class Ddclient extends pulumi.ComponentResource {
  /** `/etc/ddclient.conf`. */
  readonly config: HostFile;
  /** The daemon's unit state. */
  readonly service: SystemdUnit;

  constructor(name: string, args: DdclientArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:dns:Ddclient", name, {}, opts);
    const serviceName = args.serviceName ?? "ddclient.service";

    // Rendered inside apply because the token is an Output; only the content depends on it.
    const rendered = pulumi.output(args.apiToken).apply((apiToken) =>
      renderDdclientConf({
        zone: args.zone,
        hostname: args.hostname,
        ttl: args.ttl,
        checkIntervalSeconds: args.checkIntervalSeconds,
        apiToken,
      }),
    );
    const file = renderDdclientConf({
      zone: args.zone,
      hostname: args.hostname,
      ttl: args.ttl,
      checkIntervalSeconds: args.checkIntervalSeconds,
      // Shape-valid stand-in: only path, mode and owner are read from this render.
      apiToken: "x".repeat(40),
    });

    this.config = new HostFile(
      `${name}-conf`,
      {
        connection: args.connection,
        path: file.path,
        content: pulumi.secret(rendered.content),
        mode: file.mode,
        owner: file.owner ?? "root",
        group: file.group ?? "root",
        // ddclient reads its config only at start.
        onChange: `systemctl try-restart ${serviceName}`,
      },
      { parent: this },
    );
    this.service = new SystemdUnit(
      `${name}-service`,
      { connection: args.connection, name: serviceName, enabled: true, active: true },
      { parent: this, dependsOn: [this.config] },
    );
    this.registerOutputs({ config: this.config, service: this.service });
  }
}
