import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { sshConnection } from "../../components/actions/ssh-connection";
import { AcmeCompanion } from "../../components/docker/acme-companion";
import { AppImage } from "../../components/docker/app-image";
import type { ContainerLogging } from "../../components/docker/container-logging";
import { dockerProviderSettings } from "../../components/docker/docker-provider-args";
import { HuleNetwork } from "../../components/docker/hule-network";
import { type DockerHostAccess, MANAGED_LABEL } from "../../components/docker/managed-container";
import { SERVICE_LABEL } from "../../components/docker/skriptoteket-web";
import { StrayContainers } from "../../providers/stray-containers";
import { hostConnectionFromConfig } from "./host-connection";
import { observabilityClaims } from "./observability";
import { NginxProxy } from "../../components/docker/nginx-proxy";
import { NGINX_PROXY_EDGE_ENV } from "../../render/edge/nginx-hardening";
import { PostgresAppDatabase } from "../../components/docker/postgres-app-database";
import { SharedPostgres } from "../../components/docker/shared-postgres";
import { SkriptoteketWeb } from "../../components/docker/skriptoteket-web";
import type { AppEnvConfig, HemmaConfig } from "../../config/schema";
import { envVarName } from "../../config/schema/app-env";
import type { HemmaSecrets } from "../../config/secrets";

/** Arguments of {@link buildDockerLayer}. */
export interface DockerLayerArgs {
  /** The validated stack config. */
  readonly config: HemmaConfig;
  /** The stack's secrets. */
  readonly secrets: HemmaSecrets;
}

/** What the docker layer created. */
export interface DockerLayer {
  /** The docker provider for the configured daemon. */
  readonly provider: docker.Provider;
  /** `hule-network`. */
  readonly network: HuleNetwork;
  /** `shared-postgres`. */
  readonly postgres: SharedPostgres;
  /** One ensure step per app database. */
  readonly databases: readonly PostgresAppDatabase[];
  /** The web image. */
  readonly webImage: AppImage;
  /** The runner image. */
  readonly runnerImage: AppImage;
  /** skriptoteket-web (+ migration, + worker). */
  readonly web: SkriptoteketWeb;
  /** nginx-proxy. */
  readonly proxy: NginxProxy;
  /** acme-companion. */
  readonly acme: AcmeCompanion;
  /** The guard that removes containers claiming what this layer's containers own. */
  readonly strays: StrayContainers;
}

/** The database the web app connects to. */
export const APP_DATABASE = "skriptoteket";

/**
 * `hemma:app.env` as container env: camelCase keys become env names, booleans `true`/`false`,
 * numbers their decimal form. Pure.
 */
export function appEnvSettings(env: AppEnvConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    out[envVarName(key)] = typeof value === "string" ? value : String(value);
  }
  return out;
}

/** The secret holding the password of a database role; only roles this program owns have one. */
export function rolePassword(role: string, secrets: HemmaSecrets): pulumi.Output<string> {
  if (role === "skriptoteket") return secrets.skriptoteketDbPassword;
  throw new Error(
    `hemma:postgres.databases: role ${role} has no password secret; only the skriptoteket role is managed here (co-tenant roles are not)`,
  );
}

/**
 * The docker layer (spec §1-3, §9-10): network, postgres and its app databases, the two app
 * images built on the host, skriptoteket-web with its migration (and worker), nginx-proxy and
 * acme-companion. Returns undefined when `features.docker` is false.
 */
export function buildDockerLayer(
  args: DockerLayerArgs,
  opts?: pulumi.ComponentResourceOptions,
): DockerLayer | undefined {
  const { config, secrets } = args;
  if (!config.features.docker) return undefined;
  const ssh = config.ssh;
  if (ssh.hostKey === undefined) throw new Error("buildDockerLayer: hemma:ssh.hostKey is not set");

  const settings = dockerProviderSettings({
    host: config.docker.host,
    hostKey: ssh.hostKey,
    connectTimeoutSeconds: ssh.connectTimeoutSeconds,
    ...(config.docker.sshIdentityFile === undefined ? {} : { identityFile: config.docker.sshIdentityFile }),
  });
  const provider = new docker.Provider(
    "docker",
    { host: settings.host, sshOpts: settings.sshOpts },
    opts?.parent ? { parent: opts.parent } : undefined,
  );
  const o: pulumi.ComponentResourceOptions = {
    ...opts,
    providers: { ...asProviderMap(opts?.providers), docker: provider },
  };

  const connection = sshConnection({
    host: ssh.host,
    port: ssh.port,
    user: ssh.user,
    hostKey: ssh.hostKey,
    privateKey: secrets.sshPrivateKey,
    connectTimeoutSeconds: ssh.connectTimeoutSeconds,
  });
  const dockerBinary = config.docker.binary;
  const logging: ContainerLogging = { driver: config.docker.logDriver, options: config.docker.logOpts };

  const access: DockerHostAccess = {
    connection: hostConnectionFromConfig(config, secrets),
    dockerBinary,
  };
  const app = config.app;
  const workerService = app.containerName.replace(/-web$/, "") + "-worker";
  // Before any container is created: a hand-made container holding a fixed name or taking the
  // app's traffic would otherwise make the create fail or serve next to the managed one. The
  // observability layer's containers wait for this guard too, so their names are claimed here.
  const obsClaims = observabilityClaims(config);
  const strays = new StrayContainers(
    "stray-containers",
    {
      connection: access.connection,
      dockerBinary,
      claims: {
        names: [
          config.postgres.containerName,
          config.proxy.containerName,
          config.proxy.acmeContainerName,
          ...obsClaims.names,
        ],
        labels: [app.containerName, workerService].map((value) => ({ key: SERVICE_LABEL, value })),
        aliases: [
          ...[app.containerName, config.postgres.containerName].map((alias) => ({
            network: config.docker.network,
            alias,
          })),
          ...obsClaims.aliases,
        ],
        virtualHosts: [config.domains.app, ...obsClaims.virtualHosts],
      },
      managedLabel: MANAGED_LABEL,
      backupDir: config.docker.strayBackupDir,
    },
    { ...(opts?.parent ? { parent: opts.parent } : {}) },
  );
  const after = [strays];

  const network = new HuleNetwork("hule-network", { name: config.docker.network }, o);

  const postgres = new SharedPostgres(
    "shared-postgres",
    {
      image: config.images.postgres,
      containerName: config.postgres.containerName,
      volumeName: config.postgres.volumeName,
      network: network.name,
      adminPassword: secrets.postgresAdminPassword,
      logging,
      settings: config.postgres.settings,
      access,
      after,
    },
    o,
  );
  const databases = config.postgres.databases.map(
    (db) =>
      new PostgresAppDatabase(
        `db-${db.name}`,
        {
          connection,
          dockerBinary,
          server: postgres.container,
          containerName: config.postgres.containerName,
          database: db.name,
          role: db.owner,
          password: rolePassword(db.owner, secrets),
          timeoutSeconds: ssh.commandTimeoutSeconds,
        },
        o,
      ),
  );
  const appDbIndex = config.postgres.databases.findIndex((db) => db.name === APP_DATABASE);
  if (appDbIndex < 0)
    throw new Error(`hemma:postgres.databases must include the app database ${APP_DATABASE}`);
  const appDb = config.postgres.databases[appDbIndex]!;

  const image = (name: string, repository: string, dockerfile: string, target: string) =>
    new AppImage(
      name,
      {
        access,
        repoUrl: app.repoUrl,
        commit: app.commit,
        buildDir: app.buildDir,
        dockerfile,
        target,
        repository,
      },
      o,
    );
  const webImage = image("skriptoteket-web-image", app.webImageRepository, "Dockerfile", "production");
  const runnerImage = image(
    "skriptoteket-runner-image",
    app.runnerImageRepository,
    "Dockerfile.runner",
    "runner",
  );

  const web = new SkriptoteketWeb(
    "skriptoteket",
    {
      connection,
      dockerBinary,
      image: webImage,
      runnerImage,
      commit: app.commit,
      networkName: config.docker.network,
      network: network.network,
      serviceName: app.containerName,
      domain: config.domains.app,
      artifactsVolumeName: app.artifactsVolume,
      settings: appEnvSettings(app.env),
      secrets: {
        databasePassword: rolePassword(appDb.owner, secrets),
        secretKey: secrets.skriptoteketSecretKey,
        smtpUsername: secrets.emailSmtpUsername,
        smtpPassword: secrets.emailSmtpPassword,
        openaiCompletionApiKey: secrets.openaiLlmCompletionApiKey,
        openaiChatApiKey: secrets.openaiLlmChatApiKey,
        openaiChatOpsApiKey: secrets.openaiLlmChatOpsApiKey,
      },
      database: { host: config.postgres.containerName, port: 5432, name: appDb.name, user: appDb.owner },
      databaseReady: databases[appDbIndex]!.command,
      worker: app.runExecutionWorker,
      logging,
      healthTimeoutSeconds: app.healthTimeoutSeconds,
      access,
      after,
    },
    o,
  );

  const proxyCfg = config.proxy;
  const proxy = new NginxProxy(
    "nginx-proxy",
    {
      image: config.images.nginxProxy,
      containerName: proxyCfg.containerName,
      network: network.name,
      httpPort: proxyCfg.httpPort,
      httpsPort: proxyCfg.httpsPort,
      defaultHost: proxyCfg.defaultHost,
      certsVolumeName: proxyCfg.certsVolume,
      htmlVolumeName: proxyCfg.htmlVolume,
      vhostDir: proxyCfg.vhostDir,
      htpasswdDir: proxyCfg.htpasswdDir,
      confdDir: proxyCfg.confdDir,
      logging,
      env: NGINX_PROXY_EDGE_ENV,
      access,
      after,
    },
    o,
  );
  if (config.letsencrypt.email === undefined)
    throw new Error("buildDockerLayer: hemma:letsencrypt.email is not set");
  const acme = new AcmeCompanion(
    "acme-companion",
    {
      image: config.images.acmeCompanion,
      containerName: proxyCfg.acmeContainerName,
      proxy: proxy.container,
      proxyContainerName: proxyCfg.containerName,
      network: network.name,
      certsVolume: proxy.certsVolume.name,
      htmlVolume: proxy.htmlVolume.name,
      vhostDir: proxyCfg.vhostDir,
      acmeVolumeName: proxyCfg.acmeVolume,
      email: config.letsencrypt.email,
      staging: config.letsencrypt.staging,
      logging,
      access,
      after,
    },
    o,
  );
  return { provider, network, postgres, databases, webImage, runnerImage, web, proxy, acme, strays };
}

function asProviderMap(
  providers: pulumi.ComponentResourceOptions["providers"],
): Record<string, pulumi.ProviderResource> {
  if (providers === undefined) return {};
  if (Array.isArray(providers)) {
    return Object.fromEntries(
      providers.map((p) => [(p as unknown as { getPackage(): string }).getPackage(), p]),
    );
  }
  return { ...(providers as Record<string, pulumi.ProviderResource>) };
}
