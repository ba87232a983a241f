/** The timer scripts run for real with fake docker, fake sysfs trees and aged files. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderSkriptoteketCliScript } from "../../render/host/app-cleanup-timers";
import {
  DEFAULT_CRASH_CAPTURE,
  renderKdumpSavecoreScript,
  renderKdumpWatchdogArmScript,
} from "../../render/host/crash-capture";
import { DEFAULT_INCIDENT_CAPTURE, renderIncidentCaptureScript } from "../../render/host/incident-capture";
import { DEFAULT_LOG_CLEANUP, renderLogCleanupScript } from "../../render/host/log-cleanup";
import { DEFAULT_POWER_RAILS, renderPowerRailsScript } from "../../render/host/power-rails";
import {
  DEFAULT_AMDGPU_RELEASE_WATCH,
  renderAmdgpuReleaseWatchScript,
} from "../../render/host/amdgpu-release-watch";
import { tempDir, writeScript } from "./script-harness";

let dir: string;
beforeEach(() => (dir = tempDir("hemma-scripts-")));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function bash(script: string, args: string[], env: Record<string, string>) {
  const r = spawnSync("bash", [script, ...args], {
    encoding: "utf8",
    env: { PATH: `${dir}/bin:${process.env.PATH}`, ...env },
    timeout: 30000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function write(p: string, content: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content, { mode });
}

/** A fake docker that logs its argv and answers `ps` from the file `ps-output`. */
function fakeDocker(): string {
  const p = path.join(dir, "docker");
  write(
    p,
    `#!/bin/bash\necho "$*" >> ${dir}/docker.log\ncase "$1" in\n  ps) cat ${dir}/ps-output 2>/dev/null || true ;;\n  inspect) [ -e ${dir}/legacy-running ] && echo true || exit 1 ;;\n  exec) exit 0 ;;\nesac\n`,
    0o755,
  );
  return p;
}

describe("skriptoteket-cli", () => {
  const args = {
    dockerBinary: "/snap/bin/docker",
    dockerUnit: "",
    webContainerLabel: "education.hule.hemma.service=skriptoteket-web",
    webContainerName: "skriptoteket-web",
    jobs: [],
  };

  it("execs the command in the newest running container carrying the service label", () => {
    const script = writeScript(dir, "cli", renderSkriptoteketCliScript(args));
    write(path.join(dir, "ps-output"), "skriptoteket-web-b2c3d4e\nskriptoteket-web-a1b2c3d\n");
    const r = bash(script, ["cleanup-login-events"], { SKRIPTOTEKET_DOCKER: fakeDocker() });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "docker.log"), "utf8").split("\n")).toEqual([
      "ps --filter label=education.hule.hemma.service=skriptoteket-web --filter status=running --format {{.Names}}",
      "exec -e PYTHONPATH=/app/src skriptoteket-web-b2c3d4e pdm run python -m skriptoteket.cli cleanup-login-events",
      "",
    ]);
  });

  it("falls back to the fixed container name, and fails clearly when nothing runs", () => {
    const script = writeScript(dir, "cli", renderSkriptoteketCliScript(args));
    const docker = fakeDocker();
    write(path.join(dir, "legacy-running"), "");
    expect(bash(script, ["cleanup-session-files"], { SKRIPTOTEKET_DOCKER: docker }).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "docker.log"), "utf8")).toContain(
      "exec -e PYTHONPATH=/app/src skriptoteket-web pdm run python -m skriptoteket.cli cleanup-session-files",
    );
    fs.rmSync(path.join(dir, "legacy-running"));
    const r = bash(script, ["cleanup-session-files"], { SKRIPTOTEKET_DOCKER: docker });
    expect(r.status).toBe(69);
    expect(r.stderr).toContain(
      "no running container with label education.hule.hemma.service=skriptoteket-web or name skriptoteket-web",
    );
  });
});

describe("cleanup-smart-logs.sh", () => {
  it("removes incident logs after 7 days and SMART logs after 30, nothing else", () => {
    const script = writeScript(dir, "cleanup", renderLogCleanupScript(DEFAULT_LOG_CLEANUP));
    const logs = path.join(dir, "logs");
    const age = (p: string, days: number) => {
      write(p, "x");
      const t = new Date(Date.now() - days * 86400000 - 60000);
      fs.utimesSync(p, t, t);
    };
    age(path.join(logs, "incident-old.log"), 8);
    age(path.join(logs, "incident-new.log"), 6);
    age(path.join(logs, "other-old.log"), 100);
    age(path.join(logs, "smart", "sda-old.log"), 31);
    age(path.join(logs, "smart", "sda-new.log"), 29);
    const r = bash(script, [], { CLEANUP_SMART_DIR: path.join(logs, "smart"), CLEANUP_INCIDENT_DIR: logs });
    expect(r.status).toBe(0);
    expect(fs.readdirSync(logs).sort()).toEqual(["incident-new.log", "other-old.log", "smart"]);
    expect(fs.readdirSync(path.join(logs, "smart"))).toEqual(["sda-new.log"]);
    expect(r.stdout).toContain(`${logs}: removed 1 file(s) matching incident-*.log older than 7 day(s)`);
    expect(r.stdout).toContain(`${logs}/smart: removed 1 file(s) matching * older than 30 day(s)`);
  });
});

/** A fake hwmon tree: `{ hwmon0: { name: "it8665", in2_input: "2010" } }`. */
function hwmon(tree: Record<string, Record<string, string>>): string {
  const root = path.join(dir, "hwmon");
  for (const [chip, files] of Object.entries(tree))
    for (const [f, v] of Object.entries(files)) write(path.join(root, chip, f), `${v}\n`);
  return root;
}

describe("log-power-rails.sh", () => {
  it("snapshots the rails and appends an alert for each one out of range", () => {
    const script = writeScript(dir, "log-power-rails.sh", renderPowerRailsScript(DEFAULT_POWER_RAILS));
    // +12V = in2 × 6: 1850 mV → 11.1 V (low); +5V = in3 × 2.5: 2000 mV → 5.0 V (ok).
    const root = hwmon({
      hwmon0: { name: "nvme", temp1_input: "40000" },
      hwmon1: {
        name: "it8665",
        in7_input: "3300",
        in9_input: "3310",
        in8_input: "3100",
        in2_input: "1850",
        in3_input: "2000",
      },
    });
    const logDir = path.join(dir, "rails");
    const r = bash(script, [], { POWER_RAILS_HWMON_ROOT: root, POWER_RAILS_LOG_DIR: logDir });
    expect(r.status).toBe(0);
    const snapshot = fs.readdirSync(logDir).filter((f) => /^sensors-\d{8}-\d{6}\.log$/.test(f));
    expect(snapshot).toHaveLength(1);
    const text = fs.readFileSync(path.join(logDir, snapshot[0]!), "utf8");
    expect(text).toContain("3VSB: 3.300 V ok (3.00-3.60 V)");
    expect(text).toContain("+5V: 5.000 V ok (4.75-5.25 V)");
    expect(text).toContain("+12V: 11.100 V outside 11.40-12.60 V ALERT");
    const alerts = fs.readFileSync(path.join(logDir, "alerts.log"), "utf8").trim().split("\n");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/ \+12V=11\.100 V outside 11\.40-12\.60 V \(in2 x 6\)$/);
    expect(r.stderr).toContain("1 rail(s) out of range");
  });

  it("fails when the chip is missing", () => {
    const script = writeScript(dir, "log-power-rails.sh", renderPowerRailsScript(DEFAULT_POWER_RAILS));
    const r = bash(script, [], {
      POWER_RAILS_HWMON_ROOT: hwmon({ hwmon0: { name: "nvme" } }),
      POWER_RAILS_LOG_DIR: path.join(dir, "r"),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no hwmon chip named it8665");
  });
});

describe("skriptoteket-incident-capture.sh", () => {
  it("writes one incident file with threshold warnings from hwmon", () => {
    const script = writeScript(dir, "incident", renderIncidentCaptureScript(DEFAULT_INCIDENT_CAPTURE));
    // journalctl and rocm-smi stubs keep the capture independent of this machine's journal.
    write(path.join(dir, "bin", "journalctl"), '#!/bin/sh\necho "journal $*"\n', 0o755);
    const root = hwmon({
      hwmon0: {
        name: "amdgpu",
        temp1_label: "edge",
        temp1_input: "95000",
        temp2_label: "junction",
        temp2_input: "80000",
        power1_label: "PPT",
        power1_average: "310000000",
      },
      hwmon1: { name: "k10temp", temp1_label: "Tctl", temp1_input: "60000" },
    });
    const logDir = path.join(dir, "logs");
    const r = bash(script, [], {
      INCIDENT_LOG_DIR: logDir,
      INCIDENT_HWMON_ROOT: root,
      INCIDENT_PCI_ROOT: path.join(dir, "pci"),
      INCIDENT_ROCM_SMI: "/nonexistent",
    });
    expect(r.status).toBe(0);
    const files = fs.readdirSync(logDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^incident-\d{8}-\d{6}\.log$/);
    const text = fs.readFileSync(path.join(logDir, files[0]!), "utf8");
    expect(text).toContain("WARN INCIDENT_GPU_EDGE_WARN_C: amdgpu edge = 95C (threshold 90C)");
    expect(text).toContain("WARN INCIDENT_GPU_PPT_WARN_W: amdgpu PPT = 310W (threshold 300W)");
    expect(text).not.toContain("junction =");
    expect(text).not.toContain("Tctl =");
    expect(text).toContain(
      "journal --since -10min -u llama-server-rocm.service -u tabby.service --no-pager -o short-iso",
    );
    expect(text).toContain("journal -k --since -10min --no-pager -o short-iso");
    expect(r.stderr).toContain("<4>WARN INCIDENT_GPU_EDGE_WARN_C");
  });
});

describe("amdgpu-release-watch.sh", () => {
  it("flags a page that matches and fails when a page cannot be fetched", () => {
    write(path.join(dir, "page-new.html"), '<a href="30.20.1/">30.20.1/</a> <a href="30.30/">30.30/</a>');
    write(path.join(dir, "page-old.html"), '<a href="30.20.1/">30.20.1/</a>');
    const script = writeScript(dir, "watch", renderAmdgpuReleaseWatchScript(DEFAULT_AMDGPU_RELEASE_WATCH));
    const spec = (file: string) =>
      `amdgpu 30.30.x\tfile://${path.join(dir, file)}\t${DEFAULT_AMDGPU_RELEASE_WATCH.watches[0]!.pattern}`;
    const found = bash(script, [], { AMDGPU_WATCH_SPEC: spec("page-new.html") });
    expect(found.status).toBe(0);
    expect(found.stdout).toContain(`<4>NEW RELEASE: amdgpu 30.30.x (file://${dir}/page-new.html matches`);
    const none = bash(script, [], { AMDGPU_WATCH_SPEC: spec("page-old.html") });
    expect(none.stdout).toBe("no release yet: amdgpu 30.30.x\n");
    const broken = bash(script, [], { AMDGPU_WATCH_SPEC: spec("missing.html") });
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain("<3>fetch failed");
  });
});

describe("kdump scripts", () => {
  it("saves the core with the configured timeout, then triggers SysRq b, then falls back to reboot -f", () => {
    const script = writeScript(dir, "savecore", renderKdumpSavecoreScript(DEFAULT_CRASH_CAPTURE));
    write(path.join(dir, "kdump-config"), `#!/bin/sh\necho "kdump-config $*" >> ${dir}/calls\n`, 0o755);
    write(path.join(dir, "reboot"), `#!/bin/sh\necho "reboot $*" >> ${dir}/calls\n`, 0o755);
    write(path.join(dir, "defaults"), "KDUMP_SAVECORE_TIMEOUT=3s\n");
    const r = bash(script, [], {
      KDUMP_DEFAULTS_FILE: path.join(dir, "defaults"),
      KDUMP_CONFIG: path.join(dir, "kdump-config"),
      KDUMP_SYSRQ_ENABLE: path.join(dir, "sysrq"),
      KDUMP_SYSRQ_TRIGGER: path.join(dir, "sysrq-trigger"),
      KDUMP_REBOOT_FALLBACK_DELAY: "0",
      KDUMP_REBOOT: path.join(dir, "reboot"),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("saving vmcore (timeout 3s)");
    expect(fs.readFileSync(path.join(dir, "calls"), "utf8")).toBe("kdump-config savecore\nreboot -f\n");
    expect(fs.readFileSync(path.join(dir, "sysrq"), "utf8")).toBe("1\n");
    expect(fs.readFileSync(path.join(dir, "sysrq-trigger"), "utf8")).toBe("b\n");
  });

  it("kills a hung savecore at the timeout and still reboots", () => {
    const script = writeScript(
      dir,
      "savecore",
      renderKdumpSavecoreScript({ ...DEFAULT_CRASH_CAPTURE, savecoreTimeout: "1s" }),
    );
    write(path.join(dir, "kdump-config"), "#!/bin/sh\nsleep 30\n", 0o755);
    const started = Date.now();
    const r = bash(script, [], {
      KDUMP_DEFAULTS_FILE: "/nonexistent",
      KDUMP_CONFIG: path.join(dir, "kdump-config"),
      KDUMP_SYSRQ_ENABLE: path.join(dir, "sysrq"),
      KDUMP_SYSRQ_TRIGGER: path.join(dir, "sysrq-trigger"),
      KDUMP_REBOOT_FALLBACK_DELAY: "0",
      KDUMP_REBOOT: "/bin/true",
    });
    expect(Date.now() - started).toBeLessThan(10000);
    expect(r.stdout).toContain("savecore exited 124; rebooting through SysRq");
    expect(fs.readFileSync(path.join(dir, "sysrq-trigger"), "utf8")).toBe("b\n");
  });

  it("arms the watchdog by opening it and holding it open without writing", () => {
    const script = writeScript(dir, "arm", renderKdumpWatchdogArmScript(DEFAULT_CRASH_CAPTURE));
    write(path.join(dir, "watchdog0"), "");
    write(path.join(dir, "sysfs", "watchdog0", "state"), "active\n");
    write(path.join(dir, "sysfs", "watchdog0", "timeout"), "60\n");
    const pidfile = path.join(dir, "arm.pid");
    const r = bash(script, [], {
      KDUMP_WATCHDOG_DEVICE: path.join(dir, "watchdog0"),
      KDUMP_WATCHDOG_SYSFS: path.join(dir, "sysfs"),
      KDUMP_WATCHDOG_PIDFILE: pidfile,
      KDUMP_WATCHDOG_MODPROBE: "/bin/false",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`kdump-watchdog-arm: opened ${dir}/watchdog0 (state=active timeout=60)\n`);
    const pid = Number(fs.readFileSync(pidfile, "utf8"));
    try {
      // The holder is a forked shell until it execs sleep: wait until it is `sleep infinity`.
      const deadline = Date.now() + 10_000;
      while (
        fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") !== "sleep\0infinity\0" &&
        Date.now() < deadline
      ) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
      expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")).toBe("sleep\0infinity\0");
      // The holder keeps the device open and never writes to it. The shell's close-on-exec fds can
      // still be closing as exec finishes (ENOENT between readdir and readlink): such an fd is not held.
      const fds = fs.readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          return [fs.readlinkSync(`/proc/${pid}/fd/${fd}`)];
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
          throw e;
        }
      });
      expect(fds).toContain(path.join(dir, "watchdog0"));
      expect(fs.statSync(path.join(dir, "watchdog0")).size).toBe(0);
    } finally {
      process.kill(pid, "SIGKILL");
    }
  });
});
