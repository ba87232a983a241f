import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { HostFile } from "../../providers/host-file";
import { CONTAINER_CHECKS, restartCommand, validateInContainer } from "../../render/observability/commands";
import {
  PROMTAIL_CONFIG_DIR,
  PROMTAIL_CONFIG_FILE,
  PROMTAIL_HTTP_PORT,
} from "../../render/observability/promtail";
import type { RenderedFile } from "../../render/types";
import { networkGuard, networksAdvanced } from "../docker/managed-container";
import { protectedVolume } from "../docker/protected-volume";
import {
  type ObservabilityServiceArgs,
  commonContainerArgs,
  httpHealthcheck,
  placeConfigFiles,
  serviceContainer,
} from "./service";

/** Where the positions volume is mounted (spec §2.4: `promtail_positions` → `/tmp`). */
export const PROMTAIL_POSITIONS_PATH = "/tmp";

/**
 * Promtail's healthcheck: `GET /ready` over bash's `/dev/tcp`, because the image (Debian slim)
 * has neither wget nor curl; the spec has none, and `wait: true` needs one.
 */
export const PROMTAIL_HEALTHCHECK: readonly string[] = [
  "CMD",
  "bash",
  "-c",
  `exec 3<>/dev/tcp/127.0.0.1/${PROMTAIL_HTTP_PORT} && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`,
];

/** Arguments of {@link Promtail}. */
export interface PromtailArgs extends ObservabilityServiceArgs {
  /** Named volume for the positions file (protected, retained). */
  readonly positionsVolumeName: string;
  /** Host directory bind-mounted read-only at `/etc/promtail`. */
  readonly configDir: string;
  /** The rendered files under `configDir`. */
  readonly files: readonly RenderedFile[];
  /** The Loki container it pushes to (created first, as the spec's `depends_on`). */
  readonly loki: docker.Container;
}

/**
 * Promtail (spec §2.4): reads every container's log through the Docker socket (read-only) and
 * pushes to Loki; its config is checked with `promtail -check-syntax` inside the running
 * container before the swap, and a change restarts it (it resumes from the positions file).
 */
export class Promtail extends pulumi.ComponentResource {
  /** The positions volume. */
  readonly volume: docker.Volume;
  /** `promtail-config.yaml`. */
  readonly files: HostFile[];
  /** The container. */
  readonly container: docker.Container;

  constructor(name: string, args: PromtailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:observability:Promtail", name, {}, opts);
    const c = serviceContainer(args);
    this.files = placeConfigFiles(
      name,
      args.configDir,
      args.files,
      args.access,
      () => ({
        validate: validateInContainer(c, CONTAINER_CHECKS.promtailConfig),
        onChange: restartCommand(c),
      }),
      this,
    );
    this.volume = protectedVolume(`${name}-positions`, args.positionsVolumeName, this);
    const networks = [{ name: args.network }];
    this.container = new docker.Container(
      name,
      {
        ...commonContainerArgs(args),
        command: [`-config.file=${PROMTAIL_CONFIG_DIR}/${PROMTAIL_CONFIG_FILE}`],
        mounts: [
          { type: "bind", source: args.configDir, target: PROMTAIL_CONFIG_DIR, readOnly: true },
          { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
          { type: "volume", source: this.volume.name, target: PROMTAIL_POSITIONS_PATH },
        ],
        networksAdvanced: networksAdvanced(networks),
        healthcheck: httpHealthcheck([...PROMTAIL_HEALTHCHECK]),
      },
      {
        parent: this,
        deleteBeforeReplace: true,
        dependsOn: [args.loki, ...this.files, ...(args.after ?? [])],
      },
    );
    networkGuard(name, this.container, networks, args.access, this);
    this.registerOutputs({ containerName: this.container.name });
  }
}
