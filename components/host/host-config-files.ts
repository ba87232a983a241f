import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import type { HostFile } from "../../providers/host-file";
import {
  renderHostConfigFiles,
  type HostConfigFilesArgs as RenderArgs,
} from "../../render/host/host-config-files";
import { placeRenderedFile } from "./placement";
import { rebootInputs } from "./reboot-inputs";
import { rebootRequiredCommand } from "./watchdog";

/** Arguments of {@link HostConfigFiles}. */
export interface HostConfigFilesArgs {
  /** Which files, with their settings (render/host/host-config-files.ts). */
  readonly settings: RenderArgs;
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /**
   * Run `netplan apply` when the netplan file changes. Default false: only `netplan generate`
   * checks it, because a remote apply that breaks the link trips the watchdog (docs/decisions/0050).
   */
  readonly netplanApply?: boolean;
}

/** The `onChange` of a host config file, by path. */
export function hostConfigOnChange(path: string, netplanApply: boolean): string | undefined {
  if (path.startsWith("/etc/netplan/")) {
    return netplanApply
      ? "netplan generate && netplan apply"
      : `netplan generate && ${rebootRequiredCommand("netplan (apply with netplan try)")}`;
  }
  if (path.startsWith("/etc/modules-load.d/") || path.startsWith("/etc/modprobe.d/"))
    return rebootRequiredCommand(`kernel modules (${path})`);
  return undefined;
}

/**
 * Host configuration files (spec §6): netconsole, pstore and it87 module loading, the cloud-init
 * network override, netplan for the wired interface, `/etc/default/cron`. Module files take
 * effect at boot, so a change marks a reboot required instead of reloading modules live.
 */
export class HostConfigFiles extends pulumi.ComponentResource {
  /** Every file, by host path. */
  readonly resources: Readonly<Record<string, HostFile>>;
  /** Digests of the files that take effect at boot (module loading and options, netplan unless applied). */
  readonly rebootInputs: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: HostConfigFilesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:host:HostConfigFiles", name, {}, opts);
    const resources: Record<string, HostFile> = {};
    const files = renderHostConfigFiles(args.settings);
    for (const f of files) {
      const onChange = hostConfigOnChange(f.path, args.netplanApply ?? false);
      resources[f.path] = placeRenderedFile(
        name,
        args.connection,
        f,
        onChange ? { onChange } : {},
        this,
        files,
      ) as HostFile;
    }
    this.resources = resources;
    const atBoot = Object.keys(resources).filter((p) =>
      hostConfigOnChange(p, args.netplanApply ?? false)?.includes("reboot-required"),
    );
    this.rebootInputs = rebootInputs(Object.fromEntries(atBoot.map((p) => [p, resources[p]!])));
    this.registerOutputs({ paths: Object.keys(resources), rebootInputs: this.rebootInputs });
  }
}
