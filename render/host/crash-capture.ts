import type { RenderedFile } from "../types";
import { envDefault, shellQuote } from "./shell";
import { renderUnitFile, unitPath } from "./unit-file";

/** Settings of kernel crash capture: panic sysctls, kernel command line, kdump (spec §5.3, §6). */
export interface CrashCaptureArgs {
  /** sysctl keys written to `/etc/sysctl.d/<sysctlFile>`, in order. Default: the four documented panic settings. */
  readonly sysctl: Readonly<Record<string, string>>;
  /** File name under `/etc/sysctl.d/`. Default `99-crash-capture.conf`. */
  readonly sysctlFile: string;
  /** Flags appended to `GRUB_CMDLINE_LINUX_DEFAULT` (never replacing it). Default: the five documented flags. */
  readonly cmdlineFlags: readonly string[];
  /** File under `/etc/default/grub.d/` carrying `cmdlineFlags`. Default `90-hemma-crash-capture.cfg`. */
  readonly grubFile: string;
  /** `crashkernel=` reservation written to `/etc/default/grub.d/kdump-tools.cfg`. Default `1536M` (docs/decisions/0042). */
  readonly crashKernel: string;
  /** Package-default part of `KDUMP_CMDLINE_APPEND` (spec §12.11 leaves it open). */
  readonly kdumpCmdlineBase: string;
  /** Flags the crash kernel must get on top of the base. Default `modprobe.blacklist=amdgpu watchdog.stop_on_reboot=0`. */
  readonly kdumpCmdlineExtra: readonly string[];
  /** `MAKEDUMP_ARGS`. Default `-c -d 31`. */
  readonly makedumpArgs: string;
  /** Bound on `kdump-config savecore` in the crash kernel (a `timeout` duration). Default `40s`. */
  readonly savecoreTimeout: string;
  /** Where vmcores go (`KDUMP_COREDIR`). Default `/var/crash`. */
  readonly coreDir: string;
  /** Watchdog device the crash kernel arms. Default `/dev/watchdog0`. */
  readonly watchdogDevice: string;
  /** Watchdog kernel module included in the kdump initrd. Default `sp5100_tco`. */
  readonly watchdogModule: string;
  /** initramfs-tools config dir kdump-tools builds its initrd from; the hooks act only there. Default `/var/lib/kdump/initramfs-tools`. */
  readonly kdumpInitramfsConfDir: string;
}

export const DEFAULT_CRASH_CAPTURE: CrashCaptureArgs = {
  sysctl: {
    "kernel.panic_on_oops": "1",
    "kernel.panic": "10",
    "kernel.softlockup_panic": "1",
    "kernel.panic_on_warn": "1",
  },
  sysctlFile: "99-crash-capture.conf",
  cmdlineFlags: [
    "log_buf_len=4M",
    "watchdog.stop_on_reboot=0",
    "amdgpu.cwsr_enable=0",
    "amdgpu.mcbp=0",
    "amdgpu.runpm=0",
  ],
  grubFile: "90-hemma-crash-capture.cfg",
  crashKernel: "1536M",
  kdumpCmdlineBase: "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll nousb",
  kdumpCmdlineExtra: ["modprobe.blacklist=amdgpu", "watchdog.stop_on_reboot=0"],
  makedumpArgs: "-c -d 31",
  savecoreTimeout: "40s",
  coreDir: "/var/crash",
  watchdogDevice: "/dev/watchdog0",
  watchdogModule: "sp5100_tco",
  kdumpInitramfsConfDir: "/var/lib/kdump/initramfs-tools",
};

export const KDUMP_WATCHDOG_ARM_SCRIPT = "/usr/local/sbin/kdump-watchdog-arm";
export const KDUMP_SAVECORE_SCRIPT = "/usr/local/sbin/kdump-savecore-and-sysrq-reboot";
export const KDUMP_DUMP_UNIT = "kdump-tools-dump.service";
export const KDUMP_WATCHDOG_ARM_UNIT = "kdump-watchdog-arm.service";
export const KDUMP_DEFAULTS_PATH = "/etc/default/kdump-tools";
export const CRASHKERNEL_GRUB_PATH = "/etc/default/grub.d/kdump-tools.cfg";

/** Which files feed which one-shot apply; components key their `onChange` commands on these groups. */
export type CrashCaptureApply = "sysctl" | "grub" | "kdump-config" | "kdump-initrd" | "daemon-reload";

/** A rendered crash-capture file with the apply step its change needs. */
export interface CrashCaptureFile extends RenderedFile {
  /** The one-shot step a change to this file needs (see `CRASH_CAPTURE_APPLY_COMMANDS`). */
  readonly apply: CrashCaptureApply;
}

/**
 * The one-shot commands per apply group (spec §10). `grub` changes also need a reboot, which the
 * stack reports rather than performs.
 */
export const CRASH_CAPTURE_APPLY_COMMANDS: Readonly<Record<CrashCaptureApply, string>> = {
  sysctl: "sysctl --system",
  grub: "update-grub",
  "kdump-config": "kdump-config unload && kdump-config load",
  "kdump-initrd":
    '/etc/kernel/postinst.d/kdump-tools "$(uname -r)" && kdump-config unload && kdump-config load',
  "daemon-reload": "systemctl daemon-reload",
};

function grubAppend(flags: readonly string[]): string {
  // Sourced by grub-mkconfig after /etc/default/grub: appending keeps the flags set there.
  return `GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT ${flags.join(" ")}"\n`;
}

/** Both hooks run in every mkinitramfs; this guard limits them to the kdump-tools build. */
function hookPreamble(confDir: string): string {
  return [
    "#!/bin/sh",
    "# Rendered by hemma-infra (render/host/crash-capture.ts).",
    'PREREQ=""',
    'prereqs() { echo "$PREREQ"; }',
    'case "${1:-}" in prereqs) prereqs; exit 0 ;; esac',
    "# kdump-tools builds its initrd from its own copy of /etc/initramfs-tools; leave the normal initrd alone.",
    `[ "\${CONFDIR:-}" = ${shellQuote(confDir)} ] || exit 0`,
    "# shellcheck source=/dev/null",
    ". /usr/share/initramfs-tools/hook-functions",
    "",
  ].join("\n");
}

function renderDisableWatchdogHook(a: CrashCaptureArgs): string {
  return (
    hookPreamble(a.kdumpInitramfsConfDir) +
    [
      "# The crash kernel's systemd must not pet the watchdog: a hung dump then still resets the host.",
      'mkdir -p "${DESTDIR}/etc/systemd/system.conf.d"',
      "cat > \"${DESTDIR}/etc/systemd/system.conf.d/zzz-kdump-no-watchdog.conf\" <<'EOF'",
      "[Manager]",
      "RuntimeWatchdogSec=0",
      "RebootWatchdogSec=0",
      "EOF",
      "",
    ].join("\n")
  );
}

function renderWatchdogHardeningHook(a: CrashCaptureArgs): string {
  const conf = `/etc/modprobe.d/${a.watchdogModule}.conf`;
  return (
    hookPreamble(a.kdumpInitramfsConfDir) +
    [
      "# The crash kernel needs the watchdog driver with the same nowayout/heartbeat options.",
      `manual_add_modules ${shellQuote(a.watchdogModule)}`,
      `copy_file config ${shellQuote(conf)} ${shellQuote(conf)}`,
      "",
    ].join("\n")
  );
}

const ARM_BODY = String.raw`
# Load the driver if systemd has not (the crash boot starts only the dump target).
if [ ! -e "$KDUMP_WATCHDOG_DEVICE" ]; then
  "$KDUMP_WATCHDOG_MODPROBE" "$KDUMP_WATCHDOG_MODULE" 2>/dev/null || true
fi
waited=0
while [ ! -e "$KDUMP_WATCHDOG_DEVICE" ] && [ "$waited" -lt "$KDUMP_WATCHDOG_WAIT_SECONDS" ]; do
  sleep 1
  waited=$((waited + 1))
done
if ! exec 3>>"$KDUMP_WATCHDOG_DEVICE"; then
  echo "kdump-watchdog-arm: cannot open $KDUMP_WATCHDOG_DEVICE" >&2
  exit 1
fi
name=$(basename "$KDUMP_WATCHDOG_DEVICE")
state=$(cat "$KDUMP_WATCHDOG_SYSFS/$name/state" 2>/dev/null || echo unknown)
timeout=$(cat "$KDUMP_WATCHDOG_SYSFS/$name/timeout" 2>/dev/null || echo unknown)
echo "kdump-watchdog-arm: opened $KDUMP_WATCHDOG_DEVICE (state=$state timeout=$timeout)"
# Opening started the hardware timer; a child holds the fd without ever writing so nothing pets it.
sleep infinity >/dev/null 2>&1 &
echo $! > "$KDUMP_WATCHDOG_PIDFILE"
`;

/** `/usr/local/sbin/kdump-watchdog-arm`: open the watchdog in the crash kernel and hold it unpetted. */
export function renderKdumpWatchdogArmScript(a: CrashCaptureArgs): string {
  return (
    [
      "#!/bin/bash",
      "# Rendered by hemma-infra (render/host/crash-capture.ts).",
      "set -u",
      envDefault("KDUMP_WATCHDOG_DEVICE", a.watchdogDevice),
      envDefault("KDUMP_WATCHDOG_MODULE", a.watchdogModule),
      envDefault("KDUMP_WATCHDOG_MODPROBE", "/usr/sbin/modprobe"),
      envDefault("KDUMP_WATCHDOG_WAIT_SECONDS", 30),
      envDefault("KDUMP_WATCHDOG_SYSFS", "/sys/class/watchdog"),
      envDefault("KDUMP_WATCHDOG_PIDFILE", "/run/kdump-watchdog-arm.pid"),
    ].join("\n") +
    "\n" +
    ARM_BODY
  );
}

const SAVECORE_BODY = String.raw`
# KDUMP_SAVECORE_TIMEOUT and the kdump paths come from the kdump-tools defaults file.
if [ -r "$KDUMP_DEFAULTS_FILE" ]; then
  # shellcheck source=/dev/null
  . "$KDUMP_DEFAULTS_FILE"
fi
savecore_timeout=${"$"}{KDUMP_SAVECORE_TIMEOUT:-$KDUMP_SAVECORE_DEFAULT_TIMEOUT}
echo "kdump-savecore-and-sysrq-reboot: saving vmcore (timeout $savecore_timeout)"
timeout "$savecore_timeout" "$KDUMP_CONFIG" savecore
rc=$?
echo "kdump-savecore-and-sysrq-reboot: savecore exited $rc; rebooting through SysRq"
sync
# A warm reboot through SysRq keeps the hardware watchdog armed (watchdog.stop_on_reboot=0).
echo 1 > "$KDUMP_SYSRQ_ENABLE" 2>/dev/null || true
echo b > "$KDUMP_SYSRQ_TRIGGER" 2>/dev/null || true
sleep "$KDUMP_REBOOT_FALLBACK_DELAY"
echo "kdump-savecore-and-sysrq-reboot: SysRq reboot did not happen; $KDUMP_REBOOT -f"
"$KDUMP_REBOOT" -f
`;

/** `/usr/local/sbin/kdump-savecore-and-sysrq-reboot`: bounded savecore, then SysRq `b`, then `reboot -f`. */
export function renderKdumpSavecoreScript(a: CrashCaptureArgs): string {
  return (
    [
      "#!/bin/bash",
      "# Rendered by hemma-infra (render/host/crash-capture.ts).",
      "set -u",
      envDefault("KDUMP_DEFAULTS_FILE", KDUMP_DEFAULTS_PATH),
      envDefault("KDUMP_SAVECORE_DEFAULT_TIMEOUT", a.savecoreTimeout),
      envDefault("KDUMP_CONFIG", "/usr/sbin/kdump-config"),
      envDefault("KDUMP_SYSRQ_ENABLE", "/proc/sys/kernel/sysrq"),
      envDefault("KDUMP_SYSRQ_TRIGGER", "/proc/sysrq-trigger"),
      envDefault("KDUMP_REBOOT_FALLBACK_DELAY", 10),
      envDefault("KDUMP_REBOOT", "/usr/sbin/reboot"),
    ].join("\n") +
    "\n" +
    SAVECORE_BODY
  );
}

/** `/etc/default/kdump-tools`: the package's settings plus the documented crash-kernel flags. */
export function renderKdumpDefaults(a: CrashCaptureArgs): string {
  const append = [a.kdumpCmdlineBase, ...a.kdumpCmdlineExtra].filter((s) => s.trim() !== "").join(" ");
  return [
    "# Rendered by hemma-infra (render/host/crash-capture.ts). Apply: kdump-config unload && kdump-config load",
    "USE_KDUMP=1",
    `KDUMP_COREDIR=${JSON.stringify(a.coreDir)}`,
    `KDUMP_CMDLINE_APPEND=${JSON.stringify(append)}`,
    `MAKEDUMP_ARGS=${JSON.stringify(a.makedumpArgs)}`,
    "# Read by /usr/local/sbin/kdump-savecore-and-sysrq-reboot.",
    `KDUMP_SAVECORE_TIMEOUT=${a.savecoreTimeout}`,
    "",
  ].join("\n");
}

/** Every crash-capture file, each tagged with the one-shot apply its change needs. */
export function renderCrashCapture(a: CrashCaptureArgs): CrashCaptureFile[] {
  const sysctl = Object.entries(a.sysctl).map(([k, v]) => `${k} = ${v}`);
  return [
    {
      path: `/etc/sysctl.d/${a.sysctlFile}`,
      mode: "0644",
      kind: "config",
      apply: "sysctl",
      content: [
        "# Rendered by hemma-infra: panic instead of hanging, so kdump and the watchdog can act.",
        ...sysctl,
        "",
      ].join("\n"),
    },
    {
      path: `/etc/default/grub.d/${a.grubFile}`,
      mode: "0644",
      kind: "config",
      apply: "grub",
      content: "# Rendered by hemma-infra. Apply: update-grub, then reboot.\n" + grubAppend(a.cmdlineFlags),
    },
    {
      path: CRASHKERNEL_GRUB_PATH,
      mode: "0644",
      kind: "config",
      apply: "grub",
      content:
        "# Rendered by hemma-infra (docs/decisions/0042). Apply: update-grub, then reboot.\n" +
        grubAppend([`crashkernel=${a.crashKernel}`]),
    },
    {
      path: KDUMP_DEFAULTS_PATH,
      mode: "0644",
      kind: "config",
      apply: "kdump-config",
      content: renderKdumpDefaults(a),
    },
    {
      path: "/etc/initramfs-tools/hooks/zz-kdump-disable-watchdog",
      mode: "0755",
      kind: "script",
      apply: "kdump-initrd",
      content: renderDisableWatchdogHook(a),
    },
    {
      path: "/etc/initramfs-tools/hooks/zz-kdump-watchdog-hardening",
      mode: "0755",
      kind: "script",
      apply: "kdump-initrd",
      content: renderWatchdogHardeningHook(a),
    },
    {
      path: KDUMP_WATCHDOG_ARM_SCRIPT,
      mode: "0755",
      kind: "script",
      apply: "daemon-reload",
      content: renderKdumpWatchdogArmScript(a),
    },
    {
      path: unitPath(KDUMP_WATCHDOG_ARM_UNIT),
      mode: "0644",
      kind: "unit",
      apply: "daemon-reload",
      content: renderUnitFile(
        [
          {
            name: "Unit",
            directives: [
              ["Description", "Arm the hardware watchdog in the kdump crash kernel"],
              // Only pulled in by kdump-tools-dump.service (crash boot); no [Install] on purpose.
              ["DefaultDependencies", "no"],
              ["After", "local-fs.target systemd-modules-load.service"],
              ["Before", KDUMP_DUMP_UNIT],
            ],
          },
          {
            name: "Service",
            directives: [
              ["Type", "forking"],
              ["PIDFile", "/run/kdump-watchdog-arm.pid"],
              ["ExecStart", KDUMP_WATCHDOG_ARM_SCRIPT],
              ["SyslogIdentifier", "kdump-watchdog-arm"],
            ],
          },
        ],
        "Rendered by hemma-infra. Opens the watchdog and never pets it: the hardware resets a hung dump.",
      ),
    },
    {
      path: unitPath(KDUMP_DUMP_UNIT, "05-watchdog-arm.conf"),
      mode: "0644",
      kind: "unit",
      apply: "daemon-reload",
      content: renderUnitFile([
        {
          name: "Unit",
          directives: [
            ["Wants", KDUMP_WATCHDOG_ARM_UNIT],
            ["After", KDUMP_WATCHDOG_ARM_UNIT],
          ],
        },
      ]),
    },
    {
      path: KDUMP_SAVECORE_SCRIPT,
      mode: "0755",
      kind: "script",
      apply: "daemon-reload",
      content: renderKdumpSavecoreScript(a),
    },
    {
      path: unitPath(KDUMP_DUMP_UNIT, "10-sysrq-reboot.conf"),
      mode: "0644",
      kind: "unit",
      apply: "daemon-reload",
      content: renderUnitFile(
        [
          {
            name: "Service",
            directives: [
              // The empty assignment clears the packaged ExecStart before ours replaces it.
              ["ExecStart", ""],
              ["ExecStart", KDUMP_SAVECORE_SCRIPT],
            ],
          },
        ],
        "Rendered by hemma-infra: save the vmcore with a bound, then reboot through SysRq (a plain reboot hung on 2026-01-07).",
      ),
    },
  ];
}
