import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ContainerLogging } from "./container-logging";
import { type DockerHostAccess, MANAGED_LABEL, networkGuard, networksAdvanced } from "./managed-container";
import { NGINX_CERTS_PATH, NGINX_HTML_PATH, NGINX_VHOST_PATH } from "./nginx-proxy";
import { protectedVolume } from "./protected-volume";

/** Let's Encrypt staging directory: untrusted certificates, generous rate limits. */
export const LETSENCRYPT_STAGING_URI = "https://acme-staging-v02.api.letsencrypt.org/directory";
/** acme-companion's account and renewal state. */
export const ACME_STATE_PATH = "/etc/acme.sh";

/** Arguments of {@link AcmeCompanion}. */
export interface AcmeCompanionArgs {
  /** Pinned acme-companion image (`nginxproxy/acme-companion:2.4` or a digest). */
  readonly image: string;
  /** Container name. Default `acme-companion`. */
  readonly containerName?: string;
  /** The nginx-proxy container (NGINX_PROXY_CONTAINER names it; created first). */
  readonly proxy: docker.Container;
  /** Its name, plain. */
  readonly proxyContainerName: string;
  /** Network to join (the same as the proxy's). */
  readonly network: pulumi.Input<string>;
  /** The proxy's certificate volume name (written here). */
  readonly certsVolume: pulumi.Input<string>;
  /** The proxy's challenge web-root volume name. */
  readonly htmlVolume: pulumi.Input<string>;
  /** Host directory of vhost.d (the same the proxy mounts). */
  readonly vhostDir: string;
  /** Named volume for `/etc/acme.sh` (protected, retained). */
  readonly acmeVolumeName: string;
  /** Account e-mail (`DEFAULT_EMAIL`). */
  readonly email: string;
  /** Use the staging CA (`ACME_CA_URI`). */
  readonly staging: boolean;
  /** Log driver and options. */
  readonly logging: ContainerLogging;
  /** How the network guard reaches the Docker host. */
  readonly access: DockerHostAccess;
  /** Resources the container is created after (the stray-container guard). Default none. */
  readonly after?: pulumi.Resource[];
}

/**
 * acme-companion: issues and renews certificates for every `LETSENCRYPT_HOST` container
 * (spec §4). Its account state is on a protected volume, because losing it re-registers and can
 * hit Let's Encrypt rate limits (peers §d.9). Fixed name, delete-before-replace.
 */
export class AcmeCompanion extends pulumi.ComponentResource {
  /** `/etc/acme.sh` volume. */
  readonly acmeVolume: docker.Volume;
  /** The companion container. */
  readonly container: docker.Container;

  constructor(name: string, args: AcmeCompanionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:docker:AcmeCompanion", name, {}, opts);
    this.acmeVolume = protectedVolume(`${name}-state`, args.acmeVolumeName, this);
    const envs = [`DEFAULT_EMAIL=${args.email}`, `NGINX_PROXY_CONTAINER=${args.proxyContainerName}`];
    if (args.staging) envs.push(`ACME_CA_URI=${LETSENCRYPT_STAGING_URI}`);
    const networks = [{ name: args.network }];
    this.container = new docker.Container(
      name,
      {
        name: args.containerName ?? "acme-companion",
        image: args.image,
        envs,
        labels: [{ label: MANAGED_LABEL.key, value: MANAGED_LABEL.value }],
        mounts: [
          { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
          { type: "volume", source: args.certsVolume, target: NGINX_CERTS_PATH },
          { type: "volume", source: args.htmlVolume, target: NGINX_HTML_PATH },
          { type: "bind", source: args.vhostDir, target: NGINX_VHOST_PATH },
          { type: "volume", source: this.acmeVolume.name, target: ACME_STATE_PATH },
        ],
        networksAdvanced: networksAdvanced(networks),
        // Healthy while both background services of the image (renewal loop, docker-gen) run.
        healthcheck: {
          tests: ["CMD-SHELL", "pgrep -f letsencrypt_service >/dev/null && pgrep -f docker-gen >/dev/null"],
          interval: "30s",
          timeout: "10s",
          retries: 3,
          startPeriod: "30s",
        },
        restart: "unless-stopped",
        logDriver: args.logging.driver,
        logOpts: { ...args.logging.options },
        removeVolumes: false,
        wait: true,
        waitTimeout: 120,
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [args.proxy, ...(args.after ?? [])] },
    );
    networkGuard(name, this.container, networks, args.access, this);
    this.registerOutputs({ containerName: this.container.name });
  }
}
