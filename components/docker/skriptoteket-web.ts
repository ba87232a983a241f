import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import { remoteAction } from "../actions/remote-action";
import type { AppImage } from "./app-image";
import type { ContainerLogging } from "./container-logging";
import { type DockerHostAccess, MANAGED_LABEL, networkGuard, networksAdvanced } from "./managed-container";
import { ContainerHealthGate } from "../../providers/container-health-gate";
import { ServiceContainers } from "../../providers/service-containers";
import { renderMigrationScript } from "./migration-script";
import { protectedVolume } from "./protected-volume";
import {
  PROXY_ENV_KEYS,
  SKRIPTOTEKET_PORT,
  type SkriptoteketSecretEnv,
  dockerEnvs,
  envFileContent,
  skriptoteketEnv,
} from "./skriptoteket-env";

/** Label every skriptoteket container carries; timers and operators find containers by it. */
export const SERVICE_LABEL = "education.hule.hemma.service";
/** Label carrying the deployed commit. */
export const COMMIT_LABEL = "education.hule.hemma.commit";
/** Where the artifacts volume is mounted (ARTIFACTS_ROOT). */
export const ARTIFACTS_PATH = "/app/.artifacts";

/** Seconds a stopping web or worker container gets for in-flight requests and jobs after SIGTERM. */
export const STOP_GRACE_SECONDS = 30;

/** The health gate of a new container (docs/decisions/0013). */
function healthGate(
  name: string,
  container: docker.Container,
  timeoutSeconds: number,
  access: DockerHostAccess,
  parent: pulumi.Resource,
): ContainerHealthGate {
  return new ContainerHealthGate(
    `${name}-health`,
    {
      connection: access.connection,
      dockerBinary: access.dockerBinary,
      container: container.name,
      timeoutSeconds,
      stopGraceSeconds: STOP_GRACE_SECONDS,
    },
    { parent, dependsOn: [container] },
  );
}

/** Web healthcheck (spec §2.2): Python `urllib` GET of `/healthz`, healthy only on 200. */
export const WEB_HEALTHCHECK: readonly string[] = [
  "CMD",
  "python",
  "-c",
  `import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://localhost:${SKRIPTOTEKET_PORT}/healthz', timeout=8).status == 200 else 1)`,
];

/**
 * Worker healthcheck: healthy while a `run-execution-worker` process runs. The health gate needs a
 * healthcheck, and the worker has no HTTP endpoint and the image no procps, so /proc is read;
 * a process that exits mid-scan is skipped rather than failing the check.
 */
export const WORKER_HEALTHCHECK: readonly string[] = [
  "CMD",
  "python",
  "-c",
  [
    "import os, sys",
    "def worker(pid):",
    "    try:",
    "        with open(f'/proc/{pid}/cmdline', 'rb') as f:",
    "            return b'run-execution-worker' in f.read()",
    "    except OSError:",
    "        return False",
    "me = str(os.getpid())",
    "sys.exit(0 if any(worker(p) for p in os.listdir('/proc') if p.isdigit() and p != me) else 1)",
  ].join("\n"),
];

/** Arguments of {@link SkriptoteketWeb}. */
export interface SkriptoteketWebArgs {
  /** SSH connection from `sshConnection` (for the migration step). */
  readonly connection: command.types.input.remote.ConnectionArgs;
  /** Absolute path of the docker CLI on the host. */
  readonly dockerBinary: string;
  /** The web image (`skriptoteket-web:<commit>`). */
  readonly image: AppImage;
  /** The runner image; RUNNER_IMAGE names exactly its tag. */
  readonly runnerImage: AppImage;
  /** Deployed commit (40 hex); its first 7 characters name the containers. */
  readonly commit: string;
  /** Network name, plain (the migration script names it). */
  readonly networkName: string;
  /** The network resource, so containers are created after it. */
  readonly network: docker.Network;
  /** Service name: network alias, label value and name prefix. Default `skriptoteket-web`. */
  readonly serviceName?: string;
  /** Public host name (VIRTUAL_HOST, LETSENCRYPT_HOST). */
  readonly domain: string;
  /** Named volume for `/app/.artifacts` (protected, retained). */
  readonly artifactsVolumeName: string;
  /** Non-secret env settings keyed by env name. */
  readonly settings: Readonly<Record<string, string>>;
  /** Secret env values. */
  readonly secrets: SkriptoteketSecretEnv;
  /** Database coordinates for DATABASE_URL. */
  readonly database: {
    readonly host: string;
    readonly port: number;
    readonly name: string;
    readonly user: string;
  };
  /**
   * Resource that makes the database and role exist (the PostgresAppDatabase's command);
   * migrations wait for it and run again when it is replaced: a new database server may hold an
   * empty database.
   */
  readonly databaseReady: pulumi.CustomResource;
  /** Run an execution-queue worker container; RUNNER_QUEUE_ENABLED follows this. */
  readonly worker: boolean;
  /** Log driver and options. */
  readonly logging: ContainerLogging;
  /** Seconds the migration may run. Default 600. */
  readonly migrationTimeoutSeconds?: number;
  /**
   * Seconds a new web or worker container may take to report healthy before the update fails
   * (the old containers keep serving). Default 180.
   */
  readonly healthTimeoutSeconds?: number;
  /** How the network guards reach the Docker host. */
  readonly access: DockerHostAccess;
  /** Resources the containers are created after (the stray-container guard). Default none. */
  readonly after?: pulumi.Resource[];
}

/**
 * Skriptoteket's web container (spec §2.2), its database migration and, optionally, the
 * execution-queue worker. A deploy (new commit) runs `db-upgrade` from the new image in a
 * one-shot container first; the containers depend on it, so a failed build or migration leaves
 * the running containers untouched. Containers are named per commit and joined to the network
 * under the stable alias `serviceName`; Pulumi's create-before-delete starts the new container,
 * waits until it is healthy, and only then removes the old one (docs/decisions/0013).
 */
export class SkriptoteketWeb extends pulumi.ComponentResource {
  /** The artifacts volume. */
  readonly artifactsVolume: docker.Volume;
  /** The migration step. */
  readonly migration: command.remote.Command;
  /** The web container. */
  readonly container: docker.Container;
  /** The worker container, when enabled. */
  readonly workerContainer: docker.Container | undefined;
  /** Passes once the new web container is healthy; the old one is retired only after it. */
  readonly healthGate: ContainerHealthGate;
  /** The worker's health gate, when a worker runs. */
  readonly workerHealthGate: ContainerHealthGate | undefined;
  /** Retires every other web and worker container once the new ones passed their gates. */
  readonly retire: ServiceContainers;
  /** Physical container name (per deploy). */
  readonly containerName: pulumi.Output<string>;
  /** `https://<domain>`. */
  readonly url: string;

  constructor(name: string, args: SkriptoteketWebArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:docker:SkriptoteketWeb", name, {}, opts);
    const service = args.serviceName ?? "skriptoteket-web";
    const sha7 = args.commit.slice(0, 7);
    if (!/^[0-9a-f]{40}$/.test(args.commit))
      throw new Error(`SkriptoteketWeb: commit ${args.commit} is not a 40-hex sha`);

    const env = skriptoteketEnv({
      settings: args.settings,
      domain: args.domain,
      runnerImage: args.runnerImage.ref,
      runnerQueueEnabled: args.worker,
      database: args.database,
      secrets: args.secrets,
    });
    const internalEnv = env.filter((e) => !PROXY_ENV_KEYS.includes(e.key));

    this.artifactsVolume = protectedVolume(`${name}-artifacts`, args.artifactsVolumeName, this);

    this.migration = remoteAction(
      `${name}-migrate`,
      {
        connection: args.connection,
        script: renderMigrationScript({
          dockerBinary: args.dockerBinary,
          network: args.networkName,
          image: args.image.ref,
        }),
        timeoutSeconds: args.migrationTimeoutSeconds ?? 600,
        stdin: envFileContent(internalEnv),
        // The database ensure's id changes when it runs again (a new server, role or database):
        // an empty database gets its schema even when the image is the same.
        triggers: [args.image.ref, args.databaseReady.id],
        logOutput: false,
      },
      { parent: this, dependsOn: [args.image.build, args.databaseReady, args.network] },
    );

    const common = {
      image: args.image.ref,
      mounts: [
        { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
        { type: "volume", source: this.artifactsVolume.name, target: ARTIFACTS_PATH },
      ],
      hosts: [{ host: "host.docker.internal", ip: "host-gateway" }],
      restart: "unless-stopped",
      logDriver: args.logging.driver,
      logOpts: { ...args.logging.options },
      removeVolumes: false,
      // Not the provider's wait: the health gate below removes a container that never turns
      // healthy, and a killed `up` cannot leave an untracked container behind (0013).
      wait: false,
      // Lets uvicorn and the worker finish in-flight work after SIGTERM before Docker kills them.
      destroyGraceSeconds: STOP_GRACE_SECONDS,
    };
    // Deployed after the migration and after both images exist (RUNNER_IMAGE must resolve at run time).
    const after = {
      parent: this,
      dependsOn: [
        this.migration,
        args.image.build,
        args.runnerImage.build,
        args.network,
        ...(args.after ?? []),
      ],
    };
    const healthTimeout = args.healthTimeoutSeconds ?? 180;
    const webNetworks = [{ name: args.networkName, aliases: [service] }];

    // No `name`: each replacement gets a fresh name, so create-before-delete never collides.
    this.container = new docker.Container(
      `${service}-${sha7}`,
      {
        ...common,
        envs: dockerEnvs(env),
        networksAdvanced: networksAdvanced(webNetworks),
        labels: [
          { label: MANAGED_LABEL.key, value: MANAGED_LABEL.value },
          { label: SERVICE_LABEL, value: service },
          { label: COMMIT_LABEL, value: args.commit },
        ],
        healthcheck: {
          tests: [...WEB_HEALTHCHECK],
          interval: "30s",
          timeout: "10s",
          retries: 3,
          startPeriod: "10s",
        },
      },
      after,
    );
    networkGuard(`${service}-${sha7}`, this.container, webNetworks, args.access, this);
    this.healthGate = healthGate(`${service}-${sha7}`, this.container, healthTimeout, args.access, this);
    this.containerName = this.container.name;

    const workerService = service.replace(/-web$/, "") + "-worker";
    if (args.worker) {
      const workerNetworks = [{ name: args.networkName }];
      this.workerContainer = new docker.Container(
        `${workerService}-${sha7}`,
        {
          ...common,
          command: ["pdm", "run", "run-execution-worker"],
          envs: dockerEnvs(internalEnv),
          networksAdvanced: networksAdvanced(workerNetworks),
          labels: [
            { label: MANAGED_LABEL.key, value: MANAGED_LABEL.value },
            { label: SERVICE_LABEL, value: workerService },
            { label: COMMIT_LABEL, value: args.commit },
          ],
          healthcheck: {
            tests: [...WORKER_HEALTHCHECK],
            interval: "30s",
            timeout: "10s",
            retries: 3,
            startPeriod: "20s",
          },
        },
        // Only once the new web container proved healthy: a release that fails its gate must
        // not leave its worker running the queue with the new code.
        { ...after, dependsOn: [...after.dependsOn, this.healthGate] },
      );
      networkGuard(`${workerService}-${sha7}`, this.workerContainer, workerNetworks, args.access, this);
      this.workerHealthGate = healthGate(
        `${workerService}-${sha7}`,
        this.workerContainer,
        healthTimeout,
        args.access,
        this,
      );
    }
    // The retire step: after the gates, every other container of these services goes (the old
    // release, and anything a killed run started but never recorded). Pulumi's own delete of the
    // old containers at the end of the update then finds them gone.
    this.retire = new ServiceContainers(
      `${service}-retire`,
      {
        connection: args.access.connection,
        dockerBinary: args.access.dockerBinary,
        serviceLabel: SERVICE_LABEL,
        services: [service, ...(this.workerContainer ? [workerService] : [])],
        keep: [this.container.id, ...(this.workerContainer ? [this.workerContainer.id] : [])],
        stopGraceSeconds: STOP_GRACE_SECONDS,
      },
      {
        parent: this,
        dependsOn: [this.healthGate, ...(this.workerHealthGate ? [this.workerHealthGate] : [])],
      },
    );
    this.url = `https://${args.domain}`;
    this.registerOutputs({ containerName: this.containerName, url: this.url, image: args.image.ref });
  }
}
