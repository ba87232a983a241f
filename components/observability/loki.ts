import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { HostFile } from "../../providers/host-file";
import { CONTAINER_CHECKS, restartCommand, validateInContainer } from "../../render/observability/commands";
import {
  LOKI_CONFIG_DIR,
  LOKI_CONFIG_FILE,
  LOKI_DATA_PATH,
  LOKI_HTTP_PORT,
} from "../../render/observability/loki";
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
  serviceContainer,
  wgetSpider,
} from "./service";

/** Arguments of {@link Loki}. */
export interface LokiArgs extends ObservabilityServiceArgs {
  /** Named data volume at `/loki` (protected, retained). */
  readonly volumeName: string;
  /** Host directory bind-mounted read-only at `/etc/loki`. */
  readonly configDir: string;
  /** The rendered files under `configDir`. */
  readonly files: readonly RenderedFile[];
  /** Host port for the API (3100). Default none. */
  readonly publish?: PublishedPort;
}

/**
 * Loki (spec §2.4): the spec's command, chunks and index on a protected volume, its config
 * checked with `loki -verify-config` inside the running container before the swap; Loki reads
 * its config only at start, so a change restarts it. Not routed: it has no authentication, so
 * it is reachable on the network and, by default, on loopback only (docs/decisions/0100).
 */
export class Loki extends pulumi.ComponentResource {
  /** The data volume. */
  readonly volume: docker.Volume;
  /** `loki-config.yaml`. */
  readonly files: HostFile[];
  /** The container. */
  readonly container: docker.Container;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:observability:Loki", name, {}, opts);
    const c = serviceContainer(args);
    this.files = placeConfigFiles(
      name,
      args.configDir,
      args.files,
      args.access,
      () => ({ validate: validateInContainer(c, CONTAINER_CHECKS.lokiConfig), onChange: restartCommand(c) }),
      this,
    );
    this.volume = protectedVolume(`${name}-data`, args.volumeName, this);
    const networks = [{ name: args.network }];
    this.container = new docker.Container(
      name,
      {
        ...commonContainerArgs(args),
        command: [`-config.file=${LOKI_CONFIG_DIR}/${LOKI_CONFIG_FILE}`],
        ...publishedPorts(LOKI_HTTP_PORT, args.publish),
        mounts: [
          { type: "bind", source: args.configDir, target: LOKI_CONFIG_DIR, readOnly: true },
          { type: "volume", source: this.volume.name, target: LOKI_DATA_PATH },
        ],
        networksAdvanced: networksAdvanced(networks),
        healthcheck: httpHealthcheck(wgetSpider(`http://localhost:${LOKI_HTTP_PORT}/ready`)),
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [...this.files, ...(args.after ?? [])] },
    );
    networkGuard(name, this.container, networks, args.access, this);
    this.registerOutputs({ containerName: this.container.name });
  }
}
