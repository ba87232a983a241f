import type * as pulumi from "@pulumi/pulumi";
import { CrashCapture } from "../../components/host/crash-capture";
import { DatabaseBackups } from "../../components/host/database-backups";
import { GpuServices } from "../../components/host/gpu-services";
import { HostConfigFiles } from "../../components/host/host-config-files";
import { MaintenanceTimers } from "../../components/host/maintenance-timers";
import { mergeRebootInputs } from "../../components/host/reboot-inputs";
import { WATCHDOG_CHANGE_NOTE, Watchdog } from "../../components/host/watchdog";
import type { HemmaConfig } from "../../config/schema";
import type { HemmaSecrets } from "../../config/secrets";
import { CRASH_CAPTURE_APPLY_COMMANDS } from "../../render/host/crash-capture";
import { hostRenderArgs } from "../../render/host/from-config";
import { hostConnectionFromConfig } from "./host-connection";

/** Arguments of {@link buildHostLayer}. */
export interface HostLayerArgs {
  /** The validated stack config. */
  readonly config: HemmaConfig;
  /** The stack's secrets (`sshPrivateKey` is used). */
  readonly secrets: HemmaSecrets;
}

/** What the host layer created, and the outputs a user needs after `up`. */
export interface HostLayer {
  readonly watchdog?: Watchdog;
  readonly crashCapture?: CrashCapture;
  readonly timers: MaintenanceTimers;
  readonly backups?: DatabaseBackups;
  readonly gpu?: GpuServices;
  readonly files: HostConfigFiles;
  /** Stack outputs: what a watchdog change does, when a reboot is needed, which timers run. */
  readonly outputs: {
    readonly watchdogChange: string | undefined;
    /**
     * Digests of the files that take effect only after a reboot (kernel command line, module
     * options and loading, netplan unless applied): a change of this output in `up` means reboot
     * hemma. The host also lists the reason in `/var/run/reboot-required.pkgs`.
     */
    readonly rebootRequiredWhenChanged: pulumi.Output<Record<string, string>>;
    readonly timers: readonly string[];
    readonly backupDir: string | undefined;
  };
}

/**
 * The host layer (spec §5, §6): watchdog, crash capture, maintenance timers, database backups,
 * GPU services and host config files, each placed only when the stack switches it on. Creates
 * nothing when `features.host` is false.
 */
export function buildHostLayer(
  args: HostLayerArgs,
  opts?: pulumi.ComponentResourceOptions,
): HostLayer | undefined {
  const { config, secrets } = args;
  if (!config.features.host) return undefined;
  const connection = hostConnectionFromConfig(config, secrets);
  const r = hostRenderArgs(config);
  const crashCapture = r.crashCapture.enabled
    ? new CrashCapture("crash-capture", { connection, settings: r.crashCapture }, opts)
    : undefined;
  const watchdog = r.watchdog.enabled
    ? new Watchdog(
        "watchdog",
        {
          connection,
          settings: r.watchdog,
          // The crash initrd carries the module options (spec §10).
          ...(crashCapture ? { moduleOptionsOnChange: CRASH_CAPTURE_APPLY_COMMANDS["kdump-initrd"] } : {}),
        },
        opts,
      )
    : undefined;
  const timers = new MaintenanceTimers("maintenance-timers", { connection, settings: r.timers }, opts);
  const backups = r.backups.enabled
    ? new DatabaseBackups("database-backups", { connection, settings: r.backups }, opts)
    : undefined;
  const gpu = r.gpu.enabled
    ? new GpuServices(
        "gpu-services",
        { connection, settings: r.gpu, rocmPerfEnabled: r.gpu.rocmPerfEnabled },
        opts,
      )
    : undefined;
  const files = new HostConfigFiles(
    "host-config-files",
    { connection, settings: r.files, netplanApply: config.host.files.netplan.applyOnChange },
    opts,
  );
  return {
    ...(watchdog ? { watchdog } : {}),
    ...(crashCapture ? { crashCapture } : {}),
    timers,
    ...(backups ? { backups } : {}),
    ...(gpu ? { gpu } : {}),
    files,
    outputs: {
      watchdogChange: watchdog ? WATCHDOG_CHANGE_NOTE : undefined,
      rebootRequiredWhenChanged: mergeRebootInputs([
        crashCapture?.rebootInputs,
        watchdog?.rebootInputs,
        files.rebootInputs,
      ]),
      timers: timers.timers,
      backupDir: backups?.dir,
    },
  };
}
