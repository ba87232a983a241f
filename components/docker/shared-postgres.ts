import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ContainerLogging } from "./container-logging";
import { type DockerHostAccess, MANAGED_LABEL, networkGuard, networksAdvanced } from "./managed-container";
import { protectedVolume } from "./protected-volume";

/** Arguments of {@link SharedPostgres}. */
export interface SharedPostgresArgs {
  /** Pinned PostgreSQL 16 image (e.g. `postgres:16-alpine` or a digest). */
  readonly image: string;
  /** Container name, also its DNS name on the network. Default `shared-postgres`. */
  readonly containerName?: string;
  /** Named data volume at `/var/lib/postgresql/data` (protected, retained). */
  readonly volumeName: string;
  /** Network the container joins (the `hule-network` output, so it is created first). */
  readonly network: pulumi.Input<string>;
  /** Superuser `postgres` password (secret). Only read by the image when the data directory is empty. */
  readonly adminPassword: pulumi.Input<string>;
  /** Log driver and options. */
  readonly logging: ContainerLogging;
  /**
   * Server settings passed as `postgres -c <key>=<value>` (e.g. `max_connections`). A change
   * replaces the container (delete first; the data volume stays). Default none.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /** How the network guard reaches the Docker host. */
  readonly access: DockerHostAccess;
  /** Resources the container is created after (the stray-container guard). Default none. */
  readonly after?: pulumi.Resource[];
}

/** Where the official image keeps the cluster; also the path the volume policy test watches. */
export const POSTGRES_DATA_PATH = "/var/lib/postgresql/data";

/**
 * The shared PostgreSQL server (spec §2.5, §9). Fixed name, so a replacement deletes the old
 * container first (a stated restart window); the data lives in an explicit protected volume, and
 * `removeVolumes: false` keeps even the image's anonymous volumes (docs/decisions/0011).
 */
export class SharedPostgres extends pulumi.ComponentResource {
  /** The data volume. */
  readonly volume: docker.Volume;
  /** The server container; healthy (pg_isready) once created. */
  readonly container: docker.Container;
  /** Container name, the host name apps connect to. */
  readonly containerName: pulumi.Output<string>;

  constructor(name: string, args: SharedPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:docker:SharedPostgres", name, {}, opts);
    const containerName = args.containerName ?? "shared-postgres";
    this.volume = protectedVolume(`${name}-data`, args.volumeName, this);
    const networks = [{ name: args.network }];
    const settings = Object.entries(args.settings ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.container = new docker.Container(
      name,
      {
        name: containerName,
        image: args.image,
        ...(settings.length > 0
          ? { command: ["postgres", ...settings.flatMap(([k, v]) => ["-c", `${k}=${v}`])] }
          : {}),
        labels: [{ label: MANAGED_LABEL.key, value: MANAGED_LABEL.value }],
        envs: [pulumi.interpolate`POSTGRES_PASSWORD=${pulumi.secret(args.adminPassword)}`],
        mounts: [{ type: "volume", source: this.volume.name, target: POSTGRES_DATA_PATH }],
        networksAdvanced: networksAdvanced(networks),
        healthcheck: {
          tests: ["CMD", "pg_isready", "-U", "postgres", "-d", "postgres"],
          interval: "10s",
          timeout: "5s",
          retries: 5,
          startPeriod: "30s",
        },
        restart: "unless-stopped",
        logDriver: args.logging.driver,
        logOpts: { ...args.logging.options },
        removeVolumes: false,
        wait: true,
        waitTimeout: 120,
        // Postgres needs time to write a checkpoint on shutdown; a SIGKILL means crash recovery.
        destroyGraceSeconds: 60,
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: args.after ?? [] },
    );
    networkGuard(name, this.container, networks, args.access, this);
    this.containerName = this.container.name;
    this.registerOutputs({ containerName: this.containerName });
  }
}
