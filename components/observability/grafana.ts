import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { HostFile } from "../../providers/host-file";
import { restartCommand } from "../../render/observability/commands";
import { GRAFANA_PORT, GRAFANA_PROVISIONING_DIR } from "../../render/observability/grafana";
import type { RenderedFile } from "../../render/types";
import { networkGuard, networksAdvanced } from "../docker/managed-container";
import { protectedVolume } from "../docker/protected-volume";
import {
  type ObservabilityServiceArgs,
  type PublishedPort,
  commonContainerArgs,
  httpHealthcheck,
  placeConfigFiles,
  publishedPorts,
  routeEnv,
  serviceContainer,
  wgetSpider,
} from "./service";

/** Grafana's state (users, sessions, the admin password once set). */
export const GRAFANA_DATA_PATH = "/var/lib/grafana";

/**
 * The admin password, refused when shorter than 8 characters: an empty value would leave
 * Grafana's built-in `admin` password on a public login page. The error never shows the value.
 */
export function checkAdminPassword(password: string): string {
  if (password.length < 8)
    throw new Error("hemma:grafanaAdminPassword: at least 8 characters (value not shown)");
  return password;
}

/** The admin password as a secret Output, checked where its value is known. */
export function adminPassword(password: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(password).apply(checkAdminPassword));
}

/** Arguments of {@link Grafana}. */
export interface GrafanaArgs extends ObservabilityServiceArgs {
  /** Named data volume (protected, retained). */
  readonly volumeName: string;
  /** Host directory bind-mounted read-only at `/etc/grafana/provisioning`. */
  readonly configDir: string;
  /** The rendered provisioning files under `configDir`. */
  readonly files: readonly RenderedFile[];
  /** `GF_SECURITY_ADMIN_USER`. */
  readonly adminUser: string;
  /** `GF_SECURITY_ADMIN_PASSWORD` (secret); Grafana reads it only while its data volume is empty. */
  readonly adminPassword: pulumi.Input<string>;
  /** Anonymous Viewer access. */
  readonly anonymousViewer: boolean;
  /** Host port for the UI (3000). Default none. */
  readonly publish?: PublishedPort;
  /** Public name routed by nginx-proxy (also `GF_SERVER_ROOT_URL`). Default none: not routed. */
  readonly domain?: string;
  /** The datasources' containers, started first (the spec's `depends_on`). Default none. */
  readonly datasources?: docker.Container[];
}

/**
 * Grafana (spec §2.4) with its provisioning directory bind-mounted read-only and its state on a
 * protected volume. Anonymous access is what the config says (off by default,
 * docs/decisions/0101). A changed datasource or provider file restarts Grafana (it reads them
 * at start); dashboard JSON is rescanned every 30 s by the provider, so it needs nothing.
 */
export class Grafana extends pulumi.ComponentResource {
  /** The data volume. */
  readonly volume: docker.Volume;
  /** Provisioning files. */
  readonly files: HostFile[];
  /** The container. */
  readonly container: docker.Container;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:observability:Grafana", name, {}, opts);
    const c = serviceContainer(args);
    this.files = placeConfigFiles(
      name,
      args.configDir,
      args.files,
      args.access,
      (f) => (f.path.endsWith(".json") ? {} : { onChange: restartCommand(c) }),
      this,
    );
    this.volume = protectedVolume(`${name}-data`, args.volumeName, this);
    const networks = [{ name: args.network }];
    const envs: pulumi.Input<string>[] = [
      `GF_SECURITY_ADMIN_USER=${args.adminUser}`,
      pulumi.interpolate`GF_SECURITY_ADMIN_PASSWORD=${adminPassword(args.adminPassword)}`,
      `GF_AUTH_ANONYMOUS_ENABLED=${args.anonymousViewer}`,
      ...(args.anonymousViewer ? ["GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer"] : []),
      ...(args.domain ? [`GF_SERVER_ROOT_URL=https://${args.domain}`] : []),
      ...routeEnv(args.domain, GRAFANA_PORT),
    ];
    this.container = new docker.Container(
      name,
      {
        ...commonContainerArgs(args),
        envs,
        ...publishedPorts(GRAFANA_PORT, args.publish),
        mounts: [
          { type: "bind", source: args.configDir, target: GRAFANA_PROVISIONING_DIR, readOnly: true },
          { type: "volume", source: this.volume.name, target: GRAFANA_DATA_PATH },
        ],
        networksAdvanced: networksAdvanced(networks),
        healthcheck: httpHealthcheck(wgetSpider(`http://localhost:${GRAFANA_PORT}/api/health`)),
      },
      {
        parent: this,
        deleteBeforeReplace: true,
        dependsOn: [...(args.datasources ?? []), ...this.files, ...(args.after ?? [])],
      },
    );
    networkGuard(name, this.container, networks, args.access, this);
    this.registerOutputs({ containerName: this.container.name });
  }
}
