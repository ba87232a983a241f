import type { RenderedFile } from "../types";
import { renderCrashCapture, type CrashCaptureArgs, type CrashCaptureFile } from "./crash-capture";
import { renderDatabaseBackups, type DatabaseBackupsArgs } from "./database-backups";
import { renderGpuServices, type GpuServicesArgs } from "./gpu-services";
import { renderHostConfigFiles, type HostConfigFilesArgs } from "./host-config-files";
import { renderMaintenanceTimers, type MaintenanceTimersArgs, type Switchable } from "./maintenance-timers";
import { renderWatchdog, type WatchdogArgs } from "./watchdog";

/** GPU services plus the stack's choice for `rocm-perf.service`. */
export interface GpuLayerArgs extends GpuServicesArgs {
  /** Enable (and start) `rocm-perf.service`. Default false (docs/decisions/0049). */
  readonly rocmPerfEnabled: boolean;
}

/** Everything the host layer renders, per concept, each switchable (the dev sandbox has no GPU, watchdog or GRUB). */
export interface HostRenderArgs {
  readonly watchdog: Switchable<WatchdogArgs>;
  readonly crashCapture: Switchable<CrashCaptureArgs>;
  readonly timers: MaintenanceTimersArgs;
  readonly backups: Switchable<DatabaseBackupsArgs>;
  readonly gpu: Switchable<GpuLayerArgs>;
  readonly files: HostConfigFilesArgs;
}

/** The rendered files of each host concept; a disabled concept renders nothing. */
export interface HostRender {
  readonly watchdog: RenderedFile[];
  readonly crashCapture: CrashCaptureFile[];
  readonly timers: RenderedFile[];
  readonly backups: RenderedFile[];
  readonly gpu: RenderedFile[];
  readonly files: RenderedFile[];
}

/** Render every host concept the stack enables. */
export function renderHost(a: HostRenderArgs): HostRender {
  return {
    watchdog: a.watchdog.enabled ? renderWatchdog(a.watchdog) : [],
    crashCapture: a.crashCapture.enabled ? renderCrashCapture(a.crashCapture) : [],
    timers: renderMaintenanceTimers(a.timers),
    backups: a.backups.enabled ? renderDatabaseBackups(a.backups) : [],
    gpu: a.gpu.enabled ? renderGpuServices(a.gpu) : [],
    files: renderHostConfigFiles(a.files),
  };
}

/** All files of a render, in concept order; throws on two concepts claiming one path. */
export function allHostFiles(r: HostRender): RenderedFile[] {
  const files = [...r.watchdog, ...r.crashCapture, ...r.timers, ...r.backups, ...r.gpu, ...r.files];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two host renderers produce ${f.path}`);
    seen.add(f.path);
  }
  return files;
}
