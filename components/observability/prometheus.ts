import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { HostFile } from "../../providers/host-file";
import {
  CONTAINER_CHECKS,
  prometheusReloadCommand,
  validateInContainer,
} from "../../render/observability/commands";
import { PROMETHEUS_CONFIG_DIR, PROMETHEUS_PORT } from "../../render/observability/prometheus";
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

/** Where the TSDB lives in the container (the volume's mount point). */
export const PROMETHEUS_DATA_PATH = "/prometheus";

/** Arguments of {@link Prometheus}. */
export interface PrometheusArgs extends ObservabilityServiceArgs {
  /** Named TSDB volume (protected, retained). */
  readonly volumeName: string;
  /** `--storage.tsdb.retention.time` (`30d`). */
  readonly retention: string;
  /** Host directory bind-mounted read-only at `/etc/prometheus` (holds `prometheus.yml` and `rules/`). */
  readonly configDir: string;
  /** The rendered files under `configDir` (`renderObservability(...).prometheus`). */
  readonly files: readonly RenderedFile[];
  /** Host port for 9090. Default none. */
  readonly publish?: PublishedPort;
  /** Public name routed by nginx-proxy (also `--web.external-url`). Default none: not routed. */
  readonly domain?: string;
}

/**
 * Prometheus (spec §2.4): the spec's command with `--web.enable-lifecycle`, the TSDB on a
 * protected volume, its config directory bind-mounted read-only. A changed config file is
 * checked with `promtool` inside the running container before the swap and applied with
 * `POST /-/reload`, so Prometheus never restarts for a config change (docs/decisions/0104).
 * Fixed name, delete-before-replace.
 */
export class Prometheus extends pulumi.ComponentResource {
  /** The TSDB volume. */
  readonly volume: docker.Volume;
  /** `prometheus.yml` and the rule files. */
  readonly files: HostFile[];
  /** The container. */
  readonly container: docker.Container;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:observability:Prometheus", name, {}, opts);
    const c = serviceContainer(args);
    this.files = placeConfigFiles(
      name,
      args.configDir,
      args.files,
      args.access,
      (f) => ({
        validate: validateInContainer(
          c,
          f.path.includes("/rules/") ? CONTAINER_CHECKS.prometheusRules : CONTAINER_CHECKS.prometheusConfig,
        ),
        onChange: prometheusReloadCommand(c),
      }),
      this,
    );
    this.volume = protectedVolume(`${name}-data`, args.volumeName, this);
    const networks = [{ name: args.network }];
    this.container = new docker.Container(
      name,
      {
        ...commonContainerArgs(args),
        command: [
          `--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
          `--storage.tsdb.path=${PROMETHEUS_DATA_PATH}`,
          `--storage.tsdb.retention.time=${args.retention}`,
          "--web.enable-lifecycle",
          ...(args.domain ? [`--web.external-url=https://${args.domain}`] : []),
        ],
        envs: routeEnv(args.domain, PROMETHEUS_PORT),
        ...publishedPorts(PROMETHEUS_PORT, args.publish),
        mounts: [
          { type: "bind", source: args.configDir, target: PROMETHEUS_CONFIG_DIR, readOnly: true },
          { type: "volume", source: this.volume.name, target: PROMETHEUS_DATA_PATH },
        ],
        networksAdvanced: networksAdvanced(networks),
        healthcheck: httpHealthcheck(wgetSpider(`http://localhost:${PROMETHEUS_PORT}/-/healthy`)),
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [...this.files, ...(args.after ?? [])] },
    );
    networkGuard(name, this.container, networks, args.access, this);
    this.registerOutputs({ containerName: this.container.name });
  }
}
