import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import type { HostFile } from "../../providers/host-file";
import type { SystemdUnit } from "../../providers/systemd-unit";
import {
  HEALTH_WATCHDOG_SCRIPT,
  HEALTH_WATCHDOG_UNIT,
  TCO_WATCHDOG_UNIT,
  renderWatchdog,
  type WatchdogArgs as RenderArgs,
} from "../../render/host/watchdog";
import { placeRenderedFile, type Placement } from "./placement";
import { rebootInputs } from "./reboot-inputs";

/** What a change to the petter does on the host; also a stack output so `up` states it. */
export const WATCHDOG_CHANGE_NOTE =
  "A change to health-watchdog.sh is one atomic swap (validated temp file, then mv) and one restart of health-watchdog.service; " +
  "the petter is down for about a second, well inside the hardware heartbeat. Module option changes take effect after a reboot.";

/** Arguments of {@link Watchdog}. */
export interface WatchdogArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** Petter and driver settings (render/host/watchdog.ts). */
  readonly settings: RenderArgs;
  /**
   * Extra command run when `/etc/modprobe.d/<module>.conf` changes, after marking a reboot
   * required, e.g. the kdump initrd rebuild (the crash initrd carries that file). Default none.
   */
  readonly moduleOptionsOnChange?: string;
}

/** Marks a reboot required the way Ubuntu does (`/var/run/reboot-required`, shown at login). */
export function rebootRequiredCommand(reason: string): string {
  return `touch /var/run/reboot-required && echo ${JSON.stringify(`hemma-infra: ${reason}`)} >> /var/run/reboot-required.pkgs`;
}

/**
 * The health-gated hardware watchdog (spec §5.3, §6): `health-watchdog.sh` and its service with
 * the ordering drop-in, the `sp5100_tco` loader, its module options and PID 1's watchdog off.
 * With `nowayout=1` the petter may never be down for long: every setting lives in the script,
 * so a change is one validated atomic swap plus one restart (docs/decisions/0041).
 */
export class Watchdog extends pulumi.ComponentResource {
  /** The petter script; its resource name says what a change does. */
  readonly script: HostFile;
  /** `health-watchdog.service`. */
  readonly petter: SystemdUnit;
  /** Every file and unit, by host path. */
  readonly resources: Readonly<Record<string, HostFile | SystemdUnit>>;
  /** Digest of the module options file, which takes effect only after a reboot. */
  readonly rebootInputs: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: WatchdogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:host:Watchdog", name, {}, opts);
    const files = renderWatchdog(args.settings);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    const place = (path: string, p: Placement) =>
      placeRenderedFile(name, args.connection, byPath[path]!, p, this, files);
    const moduleConf = `/etc/modprobe.d/${args.settings.module}.conf`;

    const resources: Record<string, HostFile | SystemdUnit> = {};
    resources[moduleConf] = place(moduleConf, {
      onChange: [rebootRequiredCommand(`${args.settings.module} options`), args.moduleOptionsOnChange]
        .filter(Boolean)
        .join(" && "),
    });
    resources["/etc/systemd/system.conf.d/99-watchdog.conf"] = place(
      "/etc/systemd/system.conf.d/99-watchdog.conf",
      {
        onChange: "systemctl daemon-reexec",
      },
    );
    const loader = place(`/etc/systemd/system/${TCO_WATCHDOG_UNIT}`, {
      enabled: true,
      active: true,
      dependsOn: [resources[moduleConf]],
    });
    resources[`/etc/systemd/system/${TCO_WATCHDOG_UNIT}`] = loader;
    // try-restart: a no-op until the unit below first starts the petter.
    this.script = place(HEALTH_WATCHDOG_SCRIPT, {
      name: `${name}-health-watchdog-sh-atomic-swap-then-one-restart`,
      onChange: `systemctl try-restart ${HEALTH_WATCHDOG_UNIT}`,
    }) as HostFile;
    resources[HEALTH_WATCHDOG_SCRIPT] = this.script;
    const dropInPath = `/etc/systemd/system/${HEALTH_WATCHDOG_UNIT}.d/10-watchdog-order.conf`;
    const dropIn = place(dropInPath, { dependsOn: [loader] });
    resources[dropInPath] = dropIn;
    this.petter = place(`/etc/systemd/system/${HEALTH_WATCHDOG_UNIT}`, {
      enabled: true,
      active: true,
      dependsOn: [this.script, dropIn, loader],
    }) as SystemdUnit;
    resources[`/etc/systemd/system/${HEALTH_WATCHDOG_UNIT}`] = this.petter;
    this.resources = resources;
    this.rebootInputs = rebootInputs({ [moduleConf]: resources[moduleConf] as HostFile });
    this.registerOutputs({
      changeNote: WATCHDOG_CHANGE_NOTE,
      scriptDigest: this.script.digest,
      rebootInputs: this.rebootInputs,
    });
  }
}
