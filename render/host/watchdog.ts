import type { RenderedFile } from "../types";
import { envDefault } from "./shell";
import { deviceUnitName, renderUnitFile, unitPath } from "./unit-file";

/** Settings of the health-gated hardware watchdog (spec §5.3, §6). */
export interface WatchdogArgs {
  /** Watchdog device the petter opens. Default `/dev/watchdog0`. */
  readonly device: string;
  /** Device used when `device` does not exist. Default `/dev/watchdog`. */
  readonly fallbackDevice: string;
  /** Seconds after start during which the petter pets without checking (boot settling). Default 300. */
  readonly graceSeconds: number;
  /** Seconds between health rounds (and pets). Default 10. */
  readonly intervalSeconds: number;
  /** Wired interface that must be operationally up. Default `enp7s0`. */
  readonly interface: string;
  /** Gateway that must answer ping. Default `192.168.0.1`. */
  readonly gateway: string;
  /** SSH units; the check passes when any is active. Default `ssh.service`, `ssh.socket` (docs/decisions/0041). */
  readonly sshUnits: readonly string[];
  /** TCP port that must be listening locally. Default 22. */
  readonly sshPort: number;
  /** Upper bound in seconds for each single check. Default 5. */
  readonly checkTimeoutSeconds: number;
  /** Echo requests per gateway check; one reply passes. Default 1. */
  readonly pingCount: number;
  /** Seconds to wait for a ping reply. Default 2. */
  readonly pingTimeoutSeconds: number;
  /** Consecutive failed rounds before the petter gives up and exits. Default 1 (the documented behaviour). */
  readonly failAfter: number;
  /** Kernel module of the hardware watchdog. Default `sp5100_tco`. */
  readonly module: string;
  /** Hardware heartbeat in seconds (`heartbeat=` module option). Default 60. */
  readonly heartbeatSeconds: number;
  /** `nowayout=1`: once opened the timer cannot be stopped. Default true. */
  readonly nowayout: boolean;
  /** Seconds the unit waits for the device node before giving up. Default 60. */
  readonly deviceWaitSeconds: number;
}

/** Documented values (spec §5.3, §6); see docs/decisions/0041 for the ones the spec leaves open. */
export const DEFAULT_WATCHDOG: WatchdogArgs = {
  device: "/dev/watchdog0",
  fallbackDevice: "/dev/watchdog",
  graceSeconds: 300,
  intervalSeconds: 10,
  interface: "enp7s0",
  gateway: "192.168.0.1",
  sshUnits: ["ssh.service", "ssh.socket"],
  sshPort: 22,
  checkTimeoutSeconds: 5,
  pingCount: 1,
  pingTimeoutSeconds: 2,
  failAfter: 1,
  module: "sp5100_tco",
  heartbeatSeconds: 60,
  nowayout: true,
  deviceWaitSeconds: 60,
};

export const HEALTH_WATCHDOG_SCRIPT = "/usr/local/bin/health-watchdog.sh";
export const HEALTH_WATCHDOG_UNIT = "health-watchdog.service";
export const TCO_WATCHDOG_UNIT = "sp5100-tco-watchdog.service";
/** The number of checks in one health round (ssh, port, route, link, gateway). */
export const HEALTH_CHECK_COUNT = 5;

/**
 * Problems with watchdog timing that would make the petter itself reset the host: a health
 * round (all checks at their timeout plus the interval) must fit inside one heartbeat.
 */
export function watchdogTimingProblems(a: WatchdogArgs): string[] {
  const problems: string[] = [];
  const worstRound = a.intervalSeconds + HEALTH_CHECK_COUNT * a.checkTimeoutSeconds;
  if (worstRound >= a.heartbeatSeconds) {
    problems.push(
      `intervalSeconds + ${HEALTH_CHECK_COUNT} × checkTimeoutSeconds = ${worstRound} s must be below heartbeatSeconds (${a.heartbeatSeconds} s)`,
    );
  }
  if (a.pingCount * a.pingTimeoutSeconds > a.checkTimeoutSeconds) {
    problems.push(
      `pingCount × pingTimeoutSeconds = ${a.pingCount * a.pingTimeoutSeconds} s must not exceed checkTimeoutSeconds (${a.checkTimeoutSeconds} s)`,
    );
  }
  return problems;
}

// The body reads only HEALTH_WATCHDOG_* variables set by the header, so every setting can be
// overridden from the environment (tests run it against a plain file and fake checks).
const HEALTH_WATCHDOG_BODY = String.raw`
log() { printf '%s\n' "$*"; }

# Checks run without fd 3 so no child can keep the device open after this process exits.
run_check() {
  local name=$1 override=$2
  if [ -n "$override" ]; then
    timeout "$HEALTH_WATCHDOG_CHECK_TIMEOUT_SECONDS" bash -c "$override" 3>&-
    return
  fi
  case "$name" in
    # is-active succeeds when any listed unit is active (socket-activated sshd counts).
    ssh)
      read -r -a units <<< "$HEALTH_WATCHDOG_SSH_UNITS"
      timeout "$HEALTH_WATCHDOG_CHECK_TIMEOUT_SECONDS" systemctl is-active --quiet "${"$"}{units[@]}" 3>&-
      ;;
    port) timeout "$HEALTH_WATCHDOG_CHECK_TIMEOUT_SECONDS" ss -Hltn "sport = :$HEALTH_WATCHDOG_SSH_PORT" 3>&- | grep -q . ;;
    route) timeout "$HEALTH_WATCHDOG_CHECK_TIMEOUT_SECONDS" ip route show default 3>&- | grep -q . ;;
    link) [ "$(cat "$HEALTH_WATCHDOG_NET_SYSFS/$HEALTH_WATCHDOG_INTERFACE/operstate" 2>/dev/null)" = up ] ;;
    gateway) timeout "$HEALTH_WATCHDOG_CHECK_TIMEOUT_SECONDS" ping -q -n -c "$HEALTH_WATCHDOG_PING_COUNT" \
      -W "$HEALTH_WATCHDOG_PING_TIMEOUT_SECONDS" -I "$HEALTH_WATCHDOG_INTERFACE" "$HEALTH_WATCHDOG_GATEWAY" >/dev/null 2>&1 3>&- ;;
    *) return 1 ;;
  esac
}

# Prints the name of the first failing check; succeeds only when every check passes.
first_failure() {
  run_check ssh "$HEALTH_WATCHDOG_CHECK_SSH_CMD" || { echo "ssh (one of $HEALTH_WATCHDOG_SSH_UNITS active)"; return 1; }
  run_check port "$HEALTH_WATCHDOG_CHECK_PORT_CMD" || { echo "port $HEALTH_WATCHDOG_SSH_PORT listening"; return 1; }
  run_check route "$HEALTH_WATCHDOG_CHECK_ROUTE_CMD" || { echo "default route"; return 1; }
  run_check link "$HEALTH_WATCHDOG_CHECK_LINK_CMD" || { echo "link $HEALTH_WATCHDOG_INTERFACE up"; return 1; }
  run_check gateway "$HEALTH_WATCHDOG_CHECK_GATEWAY_CMD" || { echo "gateway $HEALTH_WATCHDOG_GATEWAY answers ping"; return 1; }
}

device=$HEALTH_WATCHDOG_DEVICE
if [ ! -e "$device" ] && [ -e "$HEALTH_WATCHDOG_FALLBACK_DEVICE" ]; then
  device=$HEALTH_WATCHDOG_FALLBACK_DEVICE
fi
# Append mode: a no-op for the character device, and lets tests count pets in a plain file.
if ! exec 3>>"$device"; then
  log "cannot open $device; not petting"
  exit 1
fi

# Never write the magic close character 'V': closing must leave the hardware timer running.
pet() {
  if ! printf '1' >&3; then
    log "write to $device failed; not petting"
    exit 1
  fi
}

log "opened $device; petting unconditionally for ${"$"}{HEALTH_WATCHDOG_GRACE_SECONDS}s, then health-gated every ${"$"}{HEALTH_WATCHDOG_INTERVAL_SECONDS}s"
while [ "$SECONDS" -lt "$HEALTH_WATCHDOG_GRACE_SECONDS" ]; do
  pet
  sleep "$HEALTH_WATCHDOG_INTERVAL_SECONDS" 3>&-
done
log "grace period over; health gate active"

failures=0
while :; do
  if failed=$(first_failure); then
    if [ "$failures" -gt 0 ]; then log "health restored after $failures failed round(s)"; fi
    failures=0
    pet
  else
    failures=$((failures + 1))
    if [ "$failures" -ge "$HEALTH_WATCHDOG_FAIL_AFTER" ]; then
      log "health check failed: $failed; exiting without petting, the hardware watchdog resets the host"
      exit 1
    fi
    log "health check failed: $failed (round $failures of $HEALTH_WATCHDOG_FAIL_AFTER); not petting"
  fi
  sleep "$HEALTH_WATCHDOG_INTERVAL_SECONDS" 3>&-
done
`;

/** `/usr/local/bin/health-watchdog.sh`: every setting baked in as an env-overridable default. */
export function renderHealthWatchdogScript(a: WatchdogArgs): string {
  const header = [
    "#!/bin/bash",
    "# health-watchdog.sh: pets the hardware watchdog only while the host is reachable (spec §5.3).",
    "# Rendered by hemma-infra (render/host/watchdog.ts): change the stack config, not this file.",
    "# Settings live in this one file so a change is one atomic swap and one restart.",
    "set -u",
    "",
    envDefault("HEALTH_WATCHDOG_DEVICE", a.device),
    envDefault("HEALTH_WATCHDOG_FALLBACK_DEVICE", a.fallbackDevice),
    envDefault("HEALTH_WATCHDOG_GRACE_SECONDS", a.graceSeconds),
    envDefault("HEALTH_WATCHDOG_INTERVAL_SECONDS", a.intervalSeconds),
    envDefault("HEALTH_WATCHDOG_INTERFACE", a.interface),
    envDefault("HEALTH_WATCHDOG_NET_SYSFS", "/sys/class/net"),
    envDefault("HEALTH_WATCHDOG_GATEWAY", a.gateway),
    envDefault("HEALTH_WATCHDOG_SSH_UNITS", a.sshUnits.join(" ")),
    envDefault("HEALTH_WATCHDOG_SSH_PORT", a.sshPort),
    envDefault("HEALTH_WATCHDOG_CHECK_TIMEOUT_SECONDS", a.checkTimeoutSeconds),
    envDefault("HEALTH_WATCHDOG_PING_COUNT", a.pingCount),
    envDefault("HEALTH_WATCHDOG_PING_TIMEOUT_SECONDS", a.pingTimeoutSeconds),
    envDefault("HEALTH_WATCHDOG_FAIL_AFTER", a.failAfter),
    "# Optional replacement command lines for each check (run with bash -c); empty means the real check.",
    "HEALTH_WATCHDOG_CHECK_SSH_CMD=${HEALTH_WATCHDOG_CHECK_SSH_CMD:-}",
    "HEALTH_WATCHDOG_CHECK_PORT_CMD=${HEALTH_WATCHDOG_CHECK_PORT_CMD:-}",
    "HEALTH_WATCHDOG_CHECK_ROUTE_CMD=${HEALTH_WATCHDOG_CHECK_ROUTE_CMD:-}",
    "HEALTH_WATCHDOG_CHECK_LINK_CMD=${HEALTH_WATCHDOG_CHECK_LINK_CMD:-}",
    "HEALTH_WATCHDOG_CHECK_GATEWAY_CMD=${HEALTH_WATCHDOG_CHECK_GATEWAY_CMD:-}",
  ];
  return header.join("\n") + "\n" + HEALTH_WATCHDOG_BODY;
}

/** Every file of the watchdog: script, petter unit and ordering drop-in, module loader, module options, PID 1 settings. */
export function renderWatchdog(a: WatchdogArgs): RenderedFile[] {
  const problems = watchdogTimingProblems(a);
  if (problems.length > 0) throw new Error(`watchdog settings would reset the host: ${problems.join("; ")}`);
  const deviceTest = [a.device, a.fallbackDevice].map((d) => `[ -e ${d} ]`).join(" || ");
  return [
    { path: HEALTH_WATCHDOG_SCRIPT, content: renderHealthWatchdogScript(a), mode: "0755", kind: "script" },
    {
      path: unitPath(HEALTH_WATCHDOG_UNIT),
      mode: "0644",
      kind: "unit",
      content: renderUnitFile(
        [
          { name: "Unit", directives: [["Description", "Health-gated hardware watchdog petter"]] },
          {
            name: "Service",
            directives: [
              ["Type", "simple"],
              ["ExecStart", HEALTH_WATCHDOG_SCRIPT],
              // A restart would grant a fresh grace period and hide a failed health gate.
              ["Restart", "no"],
              ["SyslogIdentifier", "health-watchdog"],
              // The OOM killer taking the petter would reset the host.
              ["OOMScoreAdjust", "-1000"],
            ],
          },
          { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
        ],
        "Rendered by hemma-infra. With nowayout the host resets if this service is down for one heartbeat.",
      ),
    },
    {
      path: unitPath(HEALTH_WATCHDOG_UNIT, "10-watchdog-order.conf"),
      mode: "0644",
      kind: "unit",
      content: renderUnitFile([
        {
          name: "Unit",
          directives: [
            ["Wants", TCO_WATCHDOG_UNIT],
            ["After", `${TCO_WATCHDOG_UNIT} ${deviceUnitName(a.device)}`],
          ],
        },
        {
          name: "Service",
          directives: [
            [
              "ExecStartPre",
              `/usr/bin/timeout ${a.deviceWaitSeconds} /bin/sh -c "until ${deviceTest}; do sleep 1; done"`,
            ],
          ],
        },
      ]),
    },
    {
      path: unitPath(TCO_WATCHDOG_UNIT),
      mode: "0644",
      kind: "unit",
      content: renderUnitFile(
        [
          { name: "Unit", directives: [["Description", `Load the ${a.module} hardware watchdog driver`]] },
          {
            name: "Service",
            directives: [
              ["Type", "oneshot"],
              ["RemainAfterExit", "yes"],
              ["ExecStart", `/usr/sbin/modprobe ${a.module}`],
            ],
          },
          { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
        ],
        `systemd-modules-load cannot load ${a.module}: kmod deny-lists watchdog drivers, an explicit modprobe does not.`,
      ),
    },
    {
      path: `/etc/modprobe.d/${a.module}.conf`,
      mode: "0644",
      kind: "config",
      content: `options ${a.module} nowayout=${a.nowayout ? 1 : 0} heartbeat=${a.heartbeatSeconds}\n`,
    },
    {
      path: "/etc/systemd/system.conf.d/99-watchdog.conf",
      mode: "0644",
      kind: "config",
      // Invariant (spec §11.11): PID 1 must not own the watchdog; only health-watchdog pets it.
      content: renderUnitFile([
        {
          name: "Manager",
          directives: [
            ["RuntimeWatchdogSec", "0"],
            ["RebootWatchdogSec", "0"],
          ],
        },
      ]),
    },
  ];
}
