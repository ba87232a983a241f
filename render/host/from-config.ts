import type { AppConfig, DockerConfig, PostgresConfig } from "../../config/schema";
import type { HostConfig } from "../../config/schema/host";
import type { HostRenderArgs } from "./index";

/** The config areas the host layer reads. */
export interface HostLayerConfig {
  readonly host: HostConfig;
  readonly docker: Pick<DockerConfig, "binary" | "serviceUnit">;
  readonly postgres: Pick<PostgresConfig, "containerName" | "databases">;
  readonly app: Pick<AppConfig, "containerName">;
}

/**
 * Renderer arguments from the stack config: the host area plus the shared facts it borrows
 * (docker CLI path and daemon unit, postgres container and databases, web container name), so
 * those are set once per stack.
 */
export function hostRenderArgs(c: HostLayerConfig): HostRenderArgs {
  const { host, docker } = c;
  const dockerUnit = docker.serviceUnit;
  return {
    watchdog: host.watchdog,
    crashCapture: host.crashCapture,
    timers: {
      appCleanup: {
        ...host.timers.appCleanup,
        dockerBinary: docker.binary,
        dockerUnit,
        webContainerName: c.app.containerName,
      },
      heartbeat: host.timers.heartbeat,
      incidentCapture: host.timers.incidentCapture,
      logCleanup: host.timers.logCleanup,
      powerRails: host.timers.powerRails,
      amdgpuReleaseWatch: host.timers.amdgpuReleaseWatch,
    },
    backups: {
      ...host.backups,
      databases: host.backups.databases ?? c.postgres.databases.map((d) => d.name),
      execPrefix: `${docker.binary} exec -i ${c.postgres.containerName}`,
      requires: [dockerUnit],
    },
    gpu: { ...host.gpu, dockerBinary: docker.binary, dockerUnit },
    files: {
      netconsole: host.files.netconsole.enabled ? host.files.netconsole : null,
      pstore: host.files.pstore,
      it87: host.files.it87,
      cloudInitNetworkDisabled: host.files.cloudInitNetworkDisabled,
      netplan: host.files.netplan.enabled ? host.files.netplan : null,
      cronDefaults: host.files.cronDefaults,
    },
  };
}
