import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import type { HostFile } from "../../providers/host-file";
import type { SystemdUnit } from "../../providers/systemd-unit";
import {
  CRASH_CAPTURE_APPLY_COMMANDS,
  KDUMP_WATCHDOG_ARM_UNIT,
  renderCrashCapture,
  type CrashCaptureArgs as RenderArgs,
  type CrashCaptureFile,
} from "../../render/host/crash-capture";
import { placeRenderedFile } from "./placement";
import { rebootRequiredCommand } from "./watchdog";

/** Arguments of {@link CrashCapture}. */
export interface CrashCaptureArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** Sysctls, kernel command line and kdump settings (render/host/crash-capture.ts). */
  readonly settings: RenderArgs;
}

/** The `onChange` of a crash-capture file: its apply step, and for GRUB files the reboot marker. */
export function crashCaptureOnChange(f: CrashCaptureFile): string | undefined {
  switch (f.apply) {
    case "sysctl":
    case "kdump-config":
    case "kdump-initrd":
      return CRASH_CAPTURE_APPLY_COMMANDS[f.apply];
    case "grub":
      return `${CRASH_CAPTURE_APPLY_COMMANDS.grub} && ${rebootRequiredCommand("kernel command line")}`;
    case "daemon-reload":
      // Units reload through SystemdUnit; scripts are read at their next run.
      return undefined;
  }
}

/**
 * Kernel crash capture (spec §5.3, §6): panic sysctls, GRUB flags and `crashkernel=` as
 * `grub.d` files, `/etc/default/kdump-tools`, the kdump initramfs hooks, and the crash-kernel
 * watchdog arm and SysRq reboot. Each one-shot (`sysctl --system`, `update-grub`, kdump reload,
 * kdump initrd rebuild) runs only when its own input file changed.
 */
export class CrashCapture extends pulumi.ComponentResource {
  /** Every file and unit, by host path. */
  readonly resources: Readonly<Record<string, HostFile | SystemdUnit>>;
  /**
   * Digests of the files whose change takes effect only after a reboot (the kernel command
   * line). When this output changes in `up`, hemma needs a reboot; the host also shows it in
   * `/var/run/reboot-required`.
   */
  readonly rebootInputs: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: CrashCaptureArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:host:CrashCapture", name, {}, opts);
    const files = renderCrashCapture(args.settings);
    const resources: Record<string, HostFile | SystemdUnit> = {};
    // Scripts before the units and drop-ins that run them.
    const scripts = files.filter((f) => f.kind === "script");
    for (const f of scripts) {
      const onChange = crashCaptureOnChange(f);
      resources[f.path] = placeRenderedFile(
        name,
        args.connection,
        f,
        onChange ? { onChange } : {},
        this,
        files,
      );
    }
    const scriptResources = scripts.map((f) => resources[f.path]!);
    const armUnit = files.find((f) => f.path.endsWith(`/${KDUMP_WATCHDOG_ARM_UNIT}`))!;
    resources[armUnit.path] = placeRenderedFile(
      name,
      args.connection,
      armUnit,
      { dependsOn: scriptResources },
      this,
      files,
    );
    for (const f of files) {
      if (resources[f.path]) continue;
      const onChange = crashCaptureOnChange(f);
      const deps = f.kind === "unit" ? [...scriptResources, resources[armUnit.path]!] : [];
      // A sysctl.d file applied after ours could set our keys back (docs/decisions/0111).
      const shadows =
        f.apply === "sysctl" ? { kind: "sysctl" as const, settings: args.settings.sysctl } : undefined;
      resources[f.path] = placeRenderedFile(
        name,
        args.connection,
        f,
        { ...(onChange ? { onChange } : {}), ...(shadows ? { shadows } : {}), dependsOn: deps },
        this,
        files,
      );
    }
    this.resources = resources;
    const rebootFiles = files.filter((f) => f.apply === "grub");
    this.rebootInputs = pulumi
      .all(rebootFiles.map((f) => (resources[f.path] as HostFile).digest))
      .apply((digests) => Object.fromEntries(rebootFiles.map((f, i) => [f.path, digests[i]!])));
    this.registerOutputs({ rebootInputs: this.rebootInputs });
  }
}
