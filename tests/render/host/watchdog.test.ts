import { DEFAULT_WATCHDOG, renderWatchdog, watchdogTimingProblems } from "../../../render/host/watchdog";
import { fileAt, sectionLines } from "./helpers";

describe("renderWatchdog", () => {
  const files = renderWatchdog(DEFAULT_WATCHDOG);

  it("places exactly the documented files with their modes", () => {
    expect(files.map((f) => [f.path, f.mode, f.kind])).toEqual([
      ["/usr/local/bin/health-watchdog.sh", "0755", "script"],
      ["/etc/systemd/system/health-watchdog.service", "0644", "unit"],
      ["/etc/systemd/system/health-watchdog.service.d/10-watchdog-order.conf", "0644", "unit"],
      ["/etc/systemd/system/sp5100-tco-watchdog.service", "0644", "unit"],
      ["/etc/modprobe.d/sp5100_tco.conf", "0644", "config"],
      ["/etc/systemd/system.conf.d/99-watchdog.conf", "0644", "config"],
    ]);
  });

  it("bakes the documented gate settings into the script as overridable defaults", () => {
    const s = fileAt(files, "/usr/local/bin/health-watchdog.sh").content;
    for (const line of [
      "HEALTH_WATCHDOG_DEVICE=${HEALTH_WATCHDOG_DEVICE:-/dev/watchdog0}",
      "HEALTH_WATCHDOG_GRACE_SECONDS=${HEALTH_WATCHDOG_GRACE_SECONDS:-300}",
      "HEALTH_WATCHDOG_INTERVAL_SECONDS=${HEALTH_WATCHDOG_INTERVAL_SECONDS:-10}",
      "HEALTH_WATCHDOG_INTERFACE=${HEALTH_WATCHDOG_INTERFACE:-enp7s0}",
      "HEALTH_WATCHDOG_GATEWAY=${HEALTH_WATCHDOG_GATEWAY:-192.168.0.1}",
      "HEALTH_WATCHDOG_SSH_UNITS=${HEALTH_WATCHDOG_SSH_UNITS:-'ssh.service ssh.socket'}",
      "HEALTH_WATCHDOG_SSH_PORT=${HEALTH_WATCHDOG_SSH_PORT:-22}",
    ]) {
      expect(s.split("\n")).toContain(line);
    }
    expect(s).not.toMatch(/printf 'V'|echo V/);
  });

  it("runs the petter without restarts, tagged health-watchdog, out of the OOM killer's reach", () => {
    const u = fileAt(files, "/etc/systemd/system/health-watchdog.service").content;
    expect(sectionLines(u, "Service")).toEqual([
      "Type=simple",
      "ExecStart=/usr/local/bin/health-watchdog.sh",
      "Restart=no",
      "SyslogIdentifier=health-watchdog",
      "OOMScoreAdjust=-1000",
    ]);
    expect(sectionLines(u, "Install")).toEqual(["WantedBy=multi-user.target"]);
  });

  it("orders the petter after the driver and the device, and waits for either device node", () => {
    const d = fileAt(files, "/etc/systemd/system/health-watchdog.service.d/10-watchdog-order.conf").content;
    expect(sectionLines(d, "Unit")).toEqual([
      "Wants=sp5100-tco-watchdog.service",
      "After=sp5100-tco-watchdog.service dev-watchdog0.device",
    ]);
    expect(sectionLines(d, "Service")).toEqual([
      'ExecStartPre=/usr/bin/timeout 60 /bin/sh -c "until [ -e /dev/watchdog0 ] || [ -e /dev/watchdog ]; do sleep 1; done"',
    ]);
  });

  it("loads the driver explicitly and sets nowayout and the heartbeat", () => {
    expect(
      sectionLines(fileAt(files, "/etc/systemd/system/sp5100-tco-watchdog.service").content, "Service"),
    ).toEqual(["Type=oneshot", "RemainAfterExit=yes", "ExecStart=/usr/sbin/modprobe sp5100_tco"]);
    expect(fileAt(files, "/etc/modprobe.d/sp5100_tco.conf").content).toBe(
      "options sp5100_tco nowayout=1 heartbeat=60\n",
    );
    expect(
      sectionLines(fileAt(files, "/etc/systemd/system.conf.d/99-watchdog.conf").content, "Manager"),
    ).toEqual(["RuntimeWatchdogSec=0", "RebootWatchdogSec=0"]);
  });

  it("escapes a device path with a dash into its device unit name", () => {
    const d = renderWatchdog({ ...DEFAULT_WATCHDOG, device: "/dev/my-wdt" })[2]!.content;
    expect(d).toContain("After=sp5100-tco-watchdog.service dev-my\\x2dwdt.device\n");
  });

  it("refuses timings where one health round does not fit in a heartbeat", () => {
    expect(watchdogTimingProblems(DEFAULT_WATCHDOG)).toEqual([]);
    expect(watchdogTimingProblems({ ...DEFAULT_WATCHDOG, intervalSeconds: 40 })).toEqual([
      "intervalSeconds + 5 × checkTimeoutSeconds = 65 s must be below heartbeatSeconds (60 s)",
    ]);
    expect(() => renderWatchdog({ ...DEFAULT_WATCHDOG, pingCount: 3 })).toThrow(
      "watchdog settings would reset the host: pingCount × pingTimeoutSeconds = 6 s must not exceed checkTimeoutSeconds (5 s)",
    );
  });
});
