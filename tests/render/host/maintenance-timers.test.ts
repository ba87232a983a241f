import { DEFAULT_AMDGPU_RELEASE_WATCH } from "../../../render/host/amdgpu-release-watch";
import { DEFAULT_APP_CLEANUP_JOBS } from "../../../render/host/app-cleanup-timers";
import { DEFAULT_HEARTBEAT } from "../../../render/host/heartbeat";
import { DEFAULT_INCIDENT_CAPTURE } from "../../../render/host/incident-capture";
import { DEFAULT_LOG_CLEANUP } from "../../../render/host/log-cleanup";
import { renderMaintenanceTimers, type MaintenanceTimersArgs } from "../../../render/host/maintenance-timers";
import { DEFAULT_POWER_RAILS, powerRailSpec, renderPowerRails } from "../../../render/host/power-rails";
import { timerUnitNames } from "../../../render/host/timer-pair";
import { fileAt, sectionLines } from "./helpers";

const ARGS: MaintenanceTimersArgs = {
  appCleanup: {
    enabled: true,
    dockerBinary: "/snap/bin/docker",
    dockerUnit: "snap.docker.dockerd.service",
    webContainerLabel: "education.hule.hemma.service=skriptoteket-web",
    webContainerName: "skriptoteket-web",
    jobs: DEFAULT_APP_CLEANUP_JOBS,
  },
  heartbeat: { enabled: true, ...DEFAULT_HEARTBEAT },
  incidentCapture: { enabled: true, ...DEFAULT_INCIDENT_CAPTURE },
  logCleanup: { enabled: true, ...DEFAULT_LOG_CLEANUP },
  powerRails: { enabled: true, ...DEFAULT_POWER_RAILS },
  amdgpuReleaseWatch: { enabled: true, ...DEFAULT_AMDGPU_RELEASE_WATCH },
};
const files = renderMaintenanceTimers(ARGS);
const unit = (name: string) => fileAt(files, `/etc/systemd/system/${name}`).content;

describe("renderMaintenanceTimers", () => {
  it("schedules every documented job", () => {
    const schedules = Object.fromEntries(
      timerUnitNames(files).map((t) => [
        t,
        sectionLines(unit(t), "Timer").filter((l) => /^(OnCalendar|Persistent)=/.test(l)),
      ]),
    );
    expect(schedules).toEqual({
      "skriptoteket-sandbox-snapshots-cleanup.timer": ["OnCalendar=hourly", "Persistent=true"],
      "skriptoteket-login-events-cleanup.timer": ["OnCalendar=daily", "Persistent=true"],
      "skriptoteket-session-files-cleanup.timer": ["OnCalendar=hourly", "Persistent=true"],
      "heartbeat-log.timer": ["OnCalendar=minutely"],
      "skriptoteket-incident-capture.timer": ["OnCalendar=*:0/5"],
      "cleanup-smart-logs.timer": ["OnCalendar=daily", "Persistent=true"],
      "log-power-rails.timer": ["OnCalendar=*:0/10"],
      "amdgpu-release-watch.timer": ["OnCalendar=daily", "Persistent=true"],
    });
    for (const t of timerUnitNames(files))
      expect(sectionLines(unit(t), "Install")).toEqual(["WantedBy=timers.target"]);
  });

  it("runs the cleanups in the web container through the docker daemon unit, by absolute path", () => {
    expect(sectionLines(unit("skriptoteket-login-events-cleanup.service"), "Unit")).toEqual([
      "Description=Skriptoteket cleanup-login-events",
      "Requires=snap.docker.dockerd.service",
      "After=snap.docker.dockerd.service",
    ]);
    expect(sectionLines(unit("skriptoteket-session-files-cleanup.service"), "Service")).toContain(
      "ExecStart=/usr/local/bin/skriptoteket-cli cleanup-session-files",
    );
    const cli = fileAt(files, "/usr/local/bin/skriptoteket-cli").content;
    expect(cli).toContain("SKRIPTOTEKET_DOCKER=${SKRIPTOTEKET_DOCKER:-/snap/bin/docker}\n");
    expect(cli).toContain(
      "SKRIPTOTEKET_WEB_LABEL=${SKRIPTOTEKET_WEB_LABEL:-education.hule.hemma.service=skriptoteket-web}\n",
    );
    expect(cli).toContain(
      'exec "$SKRIPTOTEKET_DOCKER" exec -e PYTHONPATH=/app/src "$container" pdm run python -m skriptoteket.cli "$@"',
    );
  });

  it("omits the docker dependency where the stack has no daemon unit", () => {
    const f = renderMaintenanceTimers({ ...ARGS, appCleanup: { ...ARGS.appCleanup, dockerUnit: "" } });
    expect(
      sectionLines(
        fileAt(f, "/etc/systemd/system/skriptoteket-login-events-cleanup.service").content,
        "Unit",
      ),
    ).toEqual(["Description=Skriptoteket cleanup-login-events"]);
  });

  it("writes the heartbeat to the journal with tag heartbeat, to the second", () => {
    expect(sectionLines(unit("heartbeat-log.service"), "Service")).toEqual([
      "Type=oneshot",
      "ExecStart=/usr/bin/echo ok",
      "SyslogIdentifier=heartbeat",
    ]);
    expect(sectionLines(unit("heartbeat-log.timer"), "Timer")).toContain("AccuracySec=1s");
    expect(unit("heartbeat-log.service")).toContain("Description=Heartbeat log entry\n");
  });

  it("keeps incident logs 7 days and SMART logs 30 days in one cleanup", () => {
    const s = fileAt(files, "/usr/local/bin/cleanup-smart-logs.sh").content;
    expect(s).toContain("CLEANUP_SMART_DIR=${CLEANUP_SMART_DIR:-/root/logs/smart}\n");
    expect(s).toContain("CLEANUP_SMART_RETENTION_DAYS=${CLEANUP_SMART_RETENTION_DAYS:-30}\n");
    expect(s).toContain("CLEANUP_INCIDENT_RETENTION_DAYS=${CLEANUP_INCIDENT_RETENTION_DAYS:-7}\n");
    const incident = fileAt(files, "/usr/local/bin/skriptoteket-incident-capture.sh").content;
    expect(incident).toContain("INCIDENT_WINDOW_MINUTES=${INCIDENT_WINDOW_MINUTES:-10}\n");
    expect(incident).toContain("INCIDENT_LOG_DIR=${INCIDENT_LOG_DIR:-/root/logs}\n");
  });

  it("encodes the documented rail thresholds and multipliers", () => {
    expect(powerRailSpec(DEFAULT_POWER_RAILS.rails).split("\n")).toEqual([
      "3VSB in7 1 3.00 3.60",
      "+3.3V in9 1 3.00 3.60",
      "Vbat in8 1 2.70 3.40",
      "+12V in2 6 11.40 12.60",
      "+5V in3 2.5 4.75 5.25",
    ]);
    expect(() =>
      renderPowerRails({
        ...DEFAULT_POWER_RAILS,
        rails: [{ label: "x", input: "in1", scale: 1, min: 5, max: 4 }],
      }),
    ).toThrow("label without spaces, input inN, min < max");
  });

  it("needs the network for the release watch and tags its journal lines", () => {
    expect(sectionLines(unit("amdgpu-release-watch.service"), "Unit")).toEqual([
      "Description=Watch for new AMDGPU/ROCm releases",
      "Wants=network-online.target",
      "After=network-online.target",
    ]);
    expect(sectionLines(unit("amdgpu-release-watch.service"), "Service")).toContain(
      "SyslogIdentifier=amdgpu-release-watch",
    );
  });

  it("renders nothing for a switched-off job", () => {
    const f = renderMaintenanceTimers({
      ...ARGS,
      powerRails: { ...ARGS.powerRails, enabled: false },
      amdgpuReleaseWatch: { ...ARGS.amdgpuReleaseWatch, enabled: false },
    });
    expect(f.map((x) => x.path).filter((p) => /power-rails|amdgpu/.test(p))).toEqual([]);
    expect(timerUnitNames(f)).toHaveLength(6);
  });
});
