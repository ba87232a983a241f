import type * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import { HostFile } from "../../providers/host-file";
import type { ServiceContainer } from "../../render/observability/commands";
import type { RenderedFile } from "../../render/types";
import type { ContainerLogging } from "../docker/container-logging";
import { type DockerHostAccess, MANAGED_LABEL } from "../docker/managed-container";

/** What every observability service takes. */
export interface ObservabilityServiceArgs {
  /** Pinned image. */
  readonly image: string;
  /** Container name, also its DNS name on the network (Grafana's datasources and Prometheus's targets use it). */
  readonly containerName: string;
  /** Network the container joins (the `hule-network` output, so it is created first). */
  readonly network: pulumi.Input<string>;
  /** Log driver and options. */
  readonly logging: ContainerLogging;
  /** How the network guard and the config files reach the Docker host. */
  readonly access: DockerHostAccess;
  /** Resources the container is created after (the stray-container guard). Default none. */
  readonly after?: pulumi.Resource[];
}

/** A host port a container port is published on. */
export interface PublishedPort {
  /** Host address (loopback unless the config says otherwise). */
  readonly address: string;
  /** Host port. */
  readonly port: number;
}

/** `docker.Container` ports for an optional published port: nothing, or exactly one binding. */
export function publishedPorts(
  internal: number,
  publish: PublishedPort | undefined,
): { ports?: docker.types.input.ContainerPort[] } {
  return publish
    ? { ports: [{ internal, external: publish.port, ip: publish.address, protocol: "tcp" }] }
    : {};
}

/** nginx-proxy's routing env for a public name (the same three keys the app carries). */
export function routeEnv(domain: string | undefined, port: number): string[] {
  return domain === undefined
    ? []
    : [`VIRTUAL_HOST=${domain}`, `VIRTUAL_PORT=${port}`, `LETSENCRYPT_HOST=${domain}`];
}

/** The spec's healthcheck of every observability container: an HTTP probe every 30 s, 10 s timeout, 3 retries. */
export function httpHealthcheck(tests: string[]): docker.types.input.ContainerHealthcheck {
  return { tests, interval: "30s", timeout: "10s", retries: 3, startPeriod: "30s" };
}

/** `wget -q --spider <url>`, as the spec's compose probes (spec §2.4). */
export function wgetSpider(url: string): string[] {
  return ["CMD", "wget", "-q", "--spider", url];
}

/** Inputs every observability container shares: label, restart policy, logging, volumes kept, wait for healthy. */
export function commonContainerArgs(a: ObservabilityServiceArgs) {
  return {
    name: a.containerName,
    image: a.image,
    labels: [{ label: MANAGED_LABEL.key, value: MANAGED_LABEL.value }],
    restart: "unless-stopped",
    logDriver: a.logging.driver,
    logOpts: { ...a.logging.options },
    removeVolumes: false,
    wait: true,
    waitTimeout: 120,
  };
}

/** The docker CLI and container a service's config commands act on. */
export function serviceContainer(a: ObservabilityServiceArgs): ServiceContainer {
  return { dockerBin: a.access.dockerBinary, container: a.containerName };
}

/** How one config file is checked before the swap and applied after. */
export interface FileHandling {
  /** HostFile `validate`. Default none. */
  readonly validate?: string;
  /** HostFile `onChange`. Default none. */
  readonly onChange?: string;
}

/**
 * The service's rendered config files as host files (content secret in state like every host
 * file; read back on refresh, so a hand edit is drift). Named `<component>-<path below the
 * service directory>`.
 */
export function placeConfigFiles(
  component: string,
  serviceDir: string,
  files: readonly RenderedFile[],
  access: DockerHostAccess,
  handling: (f: RenderedFile) => FileHandling,
  parent: pulumi.Resource,
): HostFile[] {
  return files.map((f) => {
    if (!f.path.startsWith(`${serviceDir}/`))
      throw new Error(`${component}: ${f.path} is not under the service's config directory ${serviceDir}`);
    const rel = f.path.slice(serviceDir.length + 1).replace(/[/.]/g, "-");
    const h = handling(f);
    return new HostFile(
      `${component}-${rel}`,
      {
        connection: access.connection,
        path: f.path,
        content: f.content,
        mode: f.mode,
        ...(h.validate ? { validate: h.validate } : {}),
        ...(h.onChange ? { onChange: h.onChange } : {}),
        createDirectories: true,
      },
      { parent },
    );
  });
}
