import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ContainerLogging } from "./container-logging";
import { type DockerHostAccess, MANAGED_LABEL, networkGuard, networksAdvanced } from "./managed-container";
import { protectedVolume } from "./protected-volume";
import { HostDirectory } from "../../providers/host-directory";

/** Arguments of {@link NginxProxy}. */
export interface NginxProxyArgs {
  /** Pinned nginx-proxy image (`nginxproxy/nginx-proxy:1.6` or a digest). */
  readonly image: string;
  /** Container name; acme-companion finds the proxy by it. Default `nginx-proxy`. */
  readonly containerName?: string;
  /** Network the proxy shares with every routed container. */
  readonly network: pulumi.Input<string>;
  /** Host port for HTTP. Default 80. */
  readonly httpPort?: number;
  /** Host port for HTTPS. Default 443. */
  readonly httpsPort?: number;
  /** `DEFAULT_HOST`: the vhost that answers requests for unknown names. */
  readonly defaultHost: string;
  /** Named volume for `/etc/nginx/certs` (protected, retained). */
  readonly certsVolumeName: string;
  /** Named volume for `/usr/share/nginx/html` (ACME challenges; protected, retained). */
  readonly htmlVolumeName: string;
  /** Host directory bind-mounted at `/etc/nginx/vhost.d` (hardening snippets placed by the host layer). */
  readonly vhostDir: string;
  /** Host directory bind-mounted read-only at `/etc/nginx/htpasswd`. */
  readonly htpasswdDir: string;
  /** Host directory bind-mounted at `/etc/nginx/conf.d` (extra server config; nginx-proxy writes default.conf there). */
  readonly confdDir: string;
  /** Log driver and options. */
  readonly logging: ContainerLogging;
  /** `KEY=value` entries added after `DEFAULT_HOST` (the edge's `NGINX_PROXY_EDGE_ENV`). Default none. */
  readonly env?: readonly string[];
  /** How the network guard reaches the Docker host. */
  readonly access: DockerHostAccess;
  /** Resources the container is created after (the stray-container guard). Default none. */
  readonly after?: pulumi.Resource[];
}

/** Container paths of the proxy's state; the volume policy test watches them. */
export const NGINX_CERTS_PATH = "/etc/nginx/certs";
/** ACME challenge web root shared with acme-companion. */
export const NGINX_HTML_PATH = "/usr/share/nginx/html";
/** vhost snippet directory. */
export const NGINX_VHOST_PATH = "/etc/nginx/vhost.d";

/**
 * nginx-proxy, the TLS edge (spec §2.5, §4): ports 80/443, docker.sock read-only (docker-gen
 * watches containers), certificates and challenge root on protected volumes, vhost.d, conf.d and
 * htpasswd from host directories. Fixed name with delete-before-replace: two proxies cannot bind
 * the same ports, so a replacement has a short stated outage (docs/decisions/0014).
 */
export class NginxProxy extends pulumi.ComponentResource {
  /** `/etc/nginx/certs` volume. */
  readonly certsVolume: docker.Volume;
  /** `/usr/share/nginx/html` volume. */
  readonly htmlVolume: docker.Volume;
  /** The host directories bind-mounted into the proxy (Docker refuses a missing bind source). */
  readonly directories: HostDirectory[];
  /** The proxy container. */
  readonly container: docker.Container;
  /** Container name. */
  readonly containerName: pulumi.Output<string>;

  constructor(name: string, args: NginxProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:docker:NginxProxy", name, {}, opts);
    this.certsVolume = protectedVolume(`${name}-certs`, args.certsVolumeName, this);
    this.htmlVolume = protectedVolume(`${name}-html`, args.htmlVolumeName, this);
    const networks = [{ name: args.network }];
    this.directories = [
      ["vhost", args.vhostDir],
      ["confd", args.confdDir],
      ["htpasswd", args.htpasswdDir],
    ].map(
      ([role, dir]) =>
        new HostDirectory(
          `${name}-${role}-dir`,
          { connection: args.access.connection, path: dir! },
          { parent: this },
        ),
    );
    this.container = new docker.Container(
      name,
      {
        name: args.containerName ?? "nginx-proxy",
        image: args.image,
        ports: [
          { internal: 80, external: args.httpPort ?? 80, protocol: "tcp" },
          { internal: 443, external: args.httpsPort ?? 443, protocol: "tcp" },
        ],
        envs: [`DEFAULT_HOST=${args.defaultHost}`, ...(args.env ?? [])],
        labels: [{ label: MANAGED_LABEL.key, value: MANAGED_LABEL.value }],
        mounts: [
          { type: "bind", source: "/var/run/docker.sock", target: "/tmp/docker.sock", readOnly: true },
          // Only acme-companion writes certificates; the proxy reads them.
          { type: "volume", source: this.certsVolume.name, target: NGINX_CERTS_PATH, readOnly: true },
          { type: "volume", source: this.htmlVolume.name, target: NGINX_HTML_PATH },
          { type: "bind", source: args.vhostDir, target: NGINX_VHOST_PATH },
          { type: "bind", source: args.confdDir, target: "/etc/nginx/conf.d" },
          { type: "bind", source: args.htpasswdDir, target: "/etc/nginx/htpasswd", readOnly: true },
        ],
        networksAdvanced: networksAdvanced(networks),
        // Any HTTP answer proves nginx is up and serving its generated config.
        healthcheck: {
          tests: ["CMD-SHELL", "curl -s -o /dev/null --max-time 5 http://127.0.0.1/ || exit 1"],
          interval: "30s",
          timeout: "10s",
          retries: 3,
          startPeriod: "10s",
        },
        restart: "unless-stopped",
        logDriver: args.logging.driver,
        logOpts: { ...args.logging.options },
        removeVolumes: false,
        wait: true,
        waitTimeout: 120,
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [...this.directories, ...(args.after ?? [])] },
    );
    networkGuard(name, this.container, networks, args.access, this);
    this.containerName = this.container.name;
    this.registerOutputs({ containerName: this.containerName });
  }
}
