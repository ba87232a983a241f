import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import type { HostFile } from "../../providers/host-file";
import type { SystemdUnit } from "../../providers/systemd-unit";
import {
  renderMaintenanceTimers,
  type MaintenanceTimersArgs as RenderArgs,
} from "../../render/host/maintenance-timers";
import type { RenderedFile } from "../../render/types";
import { placeRenderedFile, unitNameOf } from "./placement";

/** Arguments of {@link MaintenanceTimers}. */
export interface MaintenanceTimersArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** The jobs and whether each is placed (render/host/maintenance-timers.ts). */
  readonly settings: RenderArgs;
}

/**
 * Places scheduled jobs: scripts first, then each oneshot service, then its timer (enabled and
 * started). A timer waits for its service and every script, so it never fires into a missing file.
 */
export function placeScheduledJobs(
  component: string,
  connection: HostConnectionArgs,
  files: readonly RenderedFile[],
  parent: pulumi.Resource,
): Record<string, HostFile | SystemdUnit> {
  const resources: Record<string, HostFile | SystemdUnit> = {};
  const scripts = files.filter((f) => f.kind === "script");
  for (const f of scripts) resources[f.path] = placeRenderedFile(component, connection, f, {}, parent, files);
  const scriptResources = scripts.map((f) => resources[f.path]!);
  const services = files.filter((f) => unitNameOf(f)?.endsWith(".service"));
  for (const f of services)
    resources[f.path] = placeRenderedFile(
      component,
      connection,
      f,
      { dependsOn: scriptResources },
      parent,
      files,
    );
  for (const f of files) {
    if (resources[f.path]) continue;
    const unit = unitNameOf(f);
    if (!unit?.endsWith(".timer"))
      throw new Error(`${f.path}: a scheduled job renders scripts, services and timers only`);
    const service = resources[f.path.replace(/\.timer$/, ".service")];
    if (!service) throw new Error(`${f.path}: no service of the same name`);
    resources[f.path] = placeRenderedFile(
      component,
      connection,
      f,
      { enabled: true, active: true, dependsOn: [service, ...scriptResources] },
      parent,
      files,
    );
  }
  return resources;
}

/**
 * The Skriptoteket cleanup timers (spec §5.1) and the host diagnostics jobs (spec §5.2):
 * heartbeat, incident capture, SMART/incident log cleanup, power rails, AMDGPU release watch.
 * Jobs switched off for the stack are not placed.
 */
export class MaintenanceTimers extends pulumi.ComponentResource {
  /** Every file and unit, by host path. */
  readonly resources: Readonly<Record<string, HostFile | SystemdUnit>>;
  /** The timer units placed (for `systemctl list-timers` checks). */
  readonly timers: readonly string[];

  constructor(name: string, args: MaintenanceTimersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:host:MaintenanceTimers", name, {}, opts);
    const files = renderMaintenanceTimers(args.settings);
    this.resources = placeScheduledJobs(name, args.connection, files, this);
    this.timers = files.map(unitNameOf).filter((u): u is string => u?.endsWith(".timer") ?? false);
    this.registerOutputs({ timers: this.timers });
  }
}
