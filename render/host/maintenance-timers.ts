import type { RenderedFile } from "../types";
import { renderAmdgpuReleaseWatch, type AmdgpuReleaseWatchArgs } from "./amdgpu-release-watch";
import { renderAppCleanupTimers, type AppCleanupTimersArgs } from "./app-cleanup-timers";
import { renderHeartbeat, type HeartbeatArgs } from "./heartbeat";
import { renderIncidentCapture, type IncidentCaptureArgs } from "./incident-capture";
import { renderLogCleanup, type LogCleanupArgs } from "./log-cleanup";
import { renderPowerRails, type PowerRailsArgs } from "./power-rails";

/** A job's settings plus whether this stack places it. */
export type Switchable<T> = T & { readonly enabled: boolean };

/** The scheduled maintenance jobs (spec §5.1, §5.2), each switchable per stack. */
export interface MaintenanceTimersArgs {
  readonly appCleanup: Switchable<AppCleanupTimersArgs>;
  readonly heartbeat: Switchable<HeartbeatArgs>;
  readonly incidentCapture: Switchable<IncidentCaptureArgs>;
  readonly logCleanup: Switchable<LogCleanupArgs>;
  readonly powerRails: Switchable<PowerRailsArgs>;
  readonly amdgpuReleaseWatch: Switchable<AmdgpuReleaseWatchArgs>;
}

/** Files of every enabled job (scripts, services, timers). */
export function renderMaintenanceTimers(a: MaintenanceTimersArgs): RenderedFile[] {
  return [
    ...(a.appCleanup.enabled ? renderAppCleanupTimers(a.appCleanup) : []),
    ...(a.heartbeat.enabled ? renderHeartbeat(a.heartbeat) : []),
    ...(a.incidentCapture.enabled ? renderIncidentCapture(a.incidentCapture) : []),
    ...(a.logCleanup.enabled ? renderLogCleanup(a.logCleanup) : []),
    ...(a.powerRails.enabled ? renderPowerRails(a.powerRails) : []),
    ...(a.amdgpuReleaseWatch.enabled ? renderAmdgpuReleaseWatch(a.amdgpuReleaseWatch) : []),
  ];
}
