import type * as pulumi from "@pulumi/pulumi";
import type { ContainerLogging } from "../../components/docker/container-logging";
import type { DockerHostAccess } from "../../components/docker/managed-container";
import { Grafana } from "../../components/observability/grafana";
import { Jaeger } from "../../components/observability/jaeger";
import { Loki } from "../../components/observability/loki";
import { Prometheus } from "../../components/observability/prometheus";
import { Promtail } from "../../components/observability/promtail";
import type { PublishedPort } from "../../components/observability/service";
import type { HemmaConfig } from "../../config/schema";
import { enabledServices, type PublishConfig } from "../../config/schema/observability";
import type { HemmaSecrets } from "../../config/secrets";
import { observabilityRenderArgs } from "../../render/observability/from-config";
import { renderObservability, serviceConfigDir } from "../../render/observability";
import type { ContainerClaims } from "../../providers/stray-containers";
import type { DockerLayer } from "./docker";
import { hostConnectionFromConfig } from "./host-connection";

/** Arguments of {@link buildObservabilityLayer}. */
export interface ObservabilityLayerArgs {
  /** The validated stack config. */
  readonly config: HemmaConfig;
  /** The stack's secrets (`sshPrivateKey`, `grafanaAdminPassword`). */
  readonly secrets: HemmaSecrets;
  /** The docker layer: its provider, network and stray-container guard. */
  readonly docker: DockerLayer;
  /** The edge layer's basic-auth files by vhost: a routed container starts only after its file exists. Default none. */
  readonly basicAuthFiles?: Readonly<Record<string, pulumi.Resource>>;
}

/** What the observability layer created, each service only when the stack runs it. */
export interface ObservabilityLayer {
  readonly prometheus?: Prometheus;
  readonly jaeger?: Jaeger;
  readonly loki?: Loki;
  readonly promtail?: Promtail;
  readonly grafana?: Grafana;
  /** Stack outputs: container names and the public URLs of the routed services. */
  readonly outputs: {
    readonly containers: Readonly<Record<string, pulumi.Output<string>>>;
    readonly urls: Readonly<Record<string, string>>;
  };
}

/** Whether the stack builds the layer: containers need the docker layer, their config files the host layer. */
export function observabilityLayerEnabled(config: HemmaConfig): boolean {
  return config.features.docker && config.features.host && enabledServices(config.observability).length > 0;
}

/**
 * What the running services claim on the Docker host, for the stray-container guard: their
 * fixed names, those names as aliases on the network (Grafana's datasources and Prometheus's
 * targets resolve them) and the routed public names (docs/decisions/0036).
 */
export function observabilityClaims(config: HemmaConfig): Omit<ContainerClaims, "labels"> {
  const o = config.observability;
  const on = enabledServices(o);
  const names = on.map((s) => o[s].containerName);
  const routed = (["prometheus", "jaeger", "grafana"] as const).filter((s) => o[s].enabled && o[s].route);
  return {
    names,
    aliases: names.map((alias) => ({ network: config.docker.network, alias })),
    virtualHosts: routed.map((s) => config.domains[s]),
  };
}

function published(p: PublishConfig | null): { publish?: PublishedPort } {
  return p ? { publish: { address: p.address, port: p.port } } : {};
}

/**
 * The observability layer (spec §2.4, §3, §4): Prometheus, Jaeger, Loki, Promtail and Grafana,
 * each with its rendered config files on the host, on the docker layer's network and provider,
 * created after its stray guard. Returns undefined when no service runs or the docker or host
 * layer is off.
 */
export function buildObservabilityLayer(
  args: ObservabilityLayerArgs,
  opts?: pulumi.ComponentResourceOptions,
): ObservabilityLayer | undefined {
  const { config, secrets, docker } = args;
  if (!observabilityLayerEnabled(config)) return undefined;
  const o = config.observability;
  const files = renderObservability(observabilityRenderArgs(config));
  const logging: ContainerLogging = { driver: config.docker.logDriver, options: config.docker.logOpts };
  const access: DockerHostAccess = {
    connection: hostConnectionFromConfig(config, secrets),
    dockerBinary: config.docker.binary,
  };
  const common = { network: docker.network.name, logging, access, after: [docker.strays] };
  // nginx-proxy writes a vhost's auth_basic only if its htpasswd file exists when the container
  // starts (docker-gen regenerates on container events, not on file changes), so a routed
  // container is created after its file: otherwise the route would stay open until the next event.
  const routed = (domain: string) => {
    const auth = args.basicAuthFiles?.[domain];
    return { domain, after: [docker.strays, ...(auth ? [auth] : [])] };
  };
  const resOpts: pulumi.ComponentResourceOptions = {
    ...opts,
    providers: { docker: docker.provider },
  };
  const dir = (s: Parameters<typeof serviceConfigDir>[1]) => serviceConfigDir(o.configDir, s);

  const prometheus = o.prometheus.enabled
    ? new Prometheus(
        "prometheus",
        {
          ...common,
          image: o.prometheus.image,
          containerName: o.prometheus.containerName,
          volumeName: o.prometheus.volume,
          retention: o.prometheus.retention,
          configDir: dir("prometheus"),
          files: files.prometheus,
          ...published(o.prometheus.publish),
          ...(o.prometheus.route ? routed(config.domains.prometheus) : {}),
        },
        resOpts,
      )
    : undefined;
  const jaeger = o.jaeger.enabled
    ? new Jaeger(
        "jaeger",
        {
          ...common,
          image: o.jaeger.image,
          containerName: o.jaeger.containerName,
          ...(o.jaeger.route ? routed(config.domains.jaeger) : {}),
        },
        resOpts,
      )
    : undefined;
  const loki = o.loki.enabled
    ? new Loki(
        "loki",
        {
          ...common,
          image: o.loki.image,
          containerName: o.loki.containerName,
          volumeName: o.loki.volume,
          configDir: dir("loki"),
          files: files.loki,
          ...published(o.loki.publish),
        },
        resOpts,
      )
    : undefined;
  if (o.promtail.enabled && !loki) throw new Error("buildObservabilityLayer: promtail needs loki");
  const promtail =
    o.promtail.enabled && loki
      ? new Promtail(
          "promtail",
          {
            ...common,
            image: o.promtail.image,
            containerName: o.promtail.containerName,
            positionsVolumeName: o.promtail.positionsVolume,
            configDir: dir("promtail"),
            files: files.promtail,
            loki: loki.container,
          },
          resOpts,
        )
      : undefined;
  const grafana = o.grafana.enabled
    ? new Grafana(
        "grafana",
        {
          ...common,
          image: o.grafana.image,
          containerName: o.grafana.containerName,
          volumeName: o.grafana.volume,
          configDir: dir("grafana"),
          files: files.grafana,
          adminUser: o.grafana.adminUser,
          adminPassword: secrets.grafanaAdminPassword,
          anonymousViewer: o.grafana.anonymousViewer,
          ...published(o.grafana.publish),
          ...(o.grafana.route ? routed(config.domains.grafana) : {}),
          datasources: [prometheus, loki, jaeger].flatMap((s) => (s ? [s.container] : [])),
        },
        resOpts,
      )
    : undefined;

  const services = { prometheus, jaeger, loki, promtail, grafana };
  const containers: Record<string, pulumi.Output<string>> = {};
  for (const [key, s] of Object.entries(services)) if (s) containers[key] = s.container.name;
  const urls: Record<string, string> = {};
  for (const s of ["grafana", "prometheus", "jaeger"] as const) {
    if (o[s].enabled && o[s].route) urls[s] = `https://${config.domains[s]}`;
  }
  return {
    ...(prometheus ? { prometheus } : {}),
    ...(jaeger ? { jaeger } : {}),
    ...(loki ? { loki } : {}),
    ...(promtail ? { promtail } : {}),
    ...(grafana ? { grafana } : {}),
    outputs: { containers, urls },
  };
}
