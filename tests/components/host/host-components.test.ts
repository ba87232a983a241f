/** The host components under Pulumi mocks: exact resources, onChange one-shots, unit states, ordering. */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, type RecordedResource } from "../../../scripts/mock-engine";
import { CrashCapture } from "../../../components/host/crash-capture";
import { DatabaseBackups } from "../../../components/host/database-backups";
import { GpuServices } from "../../../components/host/gpu-services";
import { HostConfigFiles } from "../../../components/host/host-config-files";
import { MaintenanceTimers } from "../../../components/host/maintenance-timers";
import { Watchdog } from "../../../components/host/watchdog";
import { hostSchema } from "../../../config/schema/host";
import { hostRenderArgs, type HostLayerConfig } from "../../../render/host/from-config";
import { HOST_ALL_ENABLED } from "../../fixtures/host-config";

const h = installMocks();
beforeEach(() => h.reset());

const HOST_TYPES = ["pulumi-nodejs:dynamic/host:HostFile", "pulumi-nodejs:dynamic/host:SystemdUnit"];
/** Host files and units, in registration order. */
const host = (): RecordedResource[] => h.resources.filter((r) => HOST_TYPES.includes(r.type));
const connection = {
  host: "127.0.0.1",
  port: 2222,
  user: "paunchygent",
  hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHemmaTestKeyHemmaTestKeyHemmaTestKeyHemmaT",
  privateKey: pulumi.secret("PRIVATE"),
};

const CONFIG: HostLayerConfig = {
  host: hostSchema.parse(HOST_ALL_ENABLED),

  docker: { binary: "/snap/bin/docker", serviceUnit: "snap.docker.dockerd.service" },
  postgres: {
    containerName: "shared-postgres",
    databases: [{ name: "skriptoteket", owner: "skriptoteket" }],
  },
  app: { containerName: "skriptoteket-web" },
};
const R = hostRenderArgs(CONFIG);

/** Host resources (files and units) in registration order, keyed by logical name. */
function hostResources(): Map<string, RecordedResource> {
  return new Map(host().map((r) => [r.name, r]));
}

function get(name: string): RecordedResource {
  const r = hostResources().get(name);
  if (!r) throw new Error(`no host resource ${name}; have ${[...hostResources().keys()].join(", ")}`);
  return r;
}

function dependsOn(r: RecordedResource, other: string): boolean {
  return r.options.dependencies.some((u) => u.endsWith(`::${other}`));
}

describe("Watchdog", () => {
  it("swaps the petter atomically (validated) and restarts it once; names that in the preview", async () => {
    new Watchdog("watchdog", {
      connection,
      settings: R.watchdog,
      moduleOptionsOnChange: "rebuild-kdump-initrd",
    });
    await h.settle();
    expect([...hostResources().keys()].sort()).toEqual([
      "watchdog-etc-modprobe.d-sp5100_tco.conf",
      "watchdog-etc-systemd-system.conf.d-99-watchdog.conf",
      "watchdog-health-watchdog-sh-atomic-swap-then-one-restart",
      "watchdog-health-watchdog.service",
      "watchdog-health-watchdog.service.d/10-watchdog-order.conf",
      "watchdog-sp5100-tco-watchdog.service",
    ]);
    const script = get("watchdog-health-watchdog-sh-atomic-swap-then-one-restart");
    expect(script.inputs).toMatchObject({
      path: "/usr/local/bin/health-watchdog.sh",
      mode: "0755",
      validate: "bash -n {}",
      onChange: "systemctl try-restart health-watchdog.service",
    });
    expect(script.secretPaths).toContain("content");
    const petter = get("watchdog-health-watchdog.service");
    expect(petter.inputs).toMatchObject({ name: "health-watchdog.service", enabled: true, active: true });
    // The unit declares its drop-in and watches its files; the drop-in leaves that to it.
    expect(petter.inputs).toMatchObject({
      checkUnitFiles: true,
      declaredDropIns: ["/etc/systemd/system/health-watchdog.service.d/10-watchdog-order.conf"],
    });
    expect(get("watchdog-health-watchdog.service.d/10-watchdog-order.conf").inputs).toMatchObject({
      checkUnitFiles: false,
      declaredDropIns: ["/etc/systemd/system/health-watchdog.service.d/10-watchdog-order.conf"],
    });
    for (const dep of [
      "watchdog-health-watchdog-sh-atomic-swap-then-one-restart",
      "watchdog-health-watchdog.service.d/10-watchdog-order.conf",
      "watchdog-sp5100-tco-watchdog.service",
    ]) {
      expect(dependsOn(petter, dep)).toBe(true);
    }
    expect(get("watchdog-etc-modprobe.d-sp5100_tco.conf").inputs.onChange).toBe(
      'touch /var/run/reboot-required && echo "hemma-infra: sp5100_tco options" >> /var/run/reboot-required.pkgs && rebuild-kdump-initrd',
    );
    expect(get("watchdog-etc-systemd-system.conf.d-99-watchdog.conf").inputs.onChange).toBe(
      "systemctl daemon-reexec",
    );
    expect(h.ofType("hemma:host:Watchdog")).toHaveLength(1);
    expect(host().every((r) => r.options.parent.endsWith("hemma:host:Watchdog::watchdog"))).toBe(true);
  });
});

describe("CrashCapture", () => {
  it("runs each one-shot only from the file that feeds it", async () => {
    const c = new CrashCapture("crash-capture", { connection, settings: R.crashCapture });
    await h.settle();
    const onChange = Object.fromEntries(
      host()
        .filter((r) => r.inputs.path)
        .map((r) => [r.inputs.path, r.inputs.onChange ?? null]),
    );
    expect(onChange).toEqual({
      "/etc/initramfs-tools/hooks/zz-kdump-disable-watchdog":
        '/etc/kernel/postinst.d/kdump-tools "$(uname -r)" && kdump-config unload && kdump-config load',
      "/etc/initramfs-tools/hooks/zz-kdump-watchdog-hardening":
        '/etc/kernel/postinst.d/kdump-tools "$(uname -r)" && kdump-config unload && kdump-config load',
      "/usr/local/sbin/kdump-watchdog-arm": null,
      "/usr/local/sbin/kdump-savecore-and-sysrq-reboot": null,
      "/etc/sysctl.d/99-crash-capture.conf": "sysctl --system",
      "/etc/default/grub.d/90-hemma-crash-capture.cfg":
        'update-grub && touch /var/run/reboot-required && echo "hemma-infra: kernel command line" >> /var/run/reboot-required.pkgs',
      "/etc/default/grub.d/kdump-tools.cfg":
        'update-grub && touch /var/run/reboot-required && echo "hemma-infra: kernel command line" >> /var/run/reboot-required.pkgs',
      "/etc/default/kdump-tools": "kdump-config unload && kdump-config load",
    });
    expect(get("crash-capture-etc-initramfs-tools-hooks-zz-kdump-disable-watchdog").inputs.validate).toBe(
      "sh -n {}",
    );
    const units = host()
      .filter((r) => r.inputs.name)
      .map((r) => [r.inputs.name, r.inputs.enabled ?? null, r.inputs.active ?? null])
      .sort();
    expect(units).toEqual([
      ["kdump-tools-dump.service.d/05-watchdog-arm.conf", null, null],
      ["kdump-tools-dump.service.d/10-sysrq-reboot.conf", null, null],
      ["kdump-watchdog-arm.service", null, null],
    ]);
    expect(
      dependsOn(
        get("crash-capture-kdump-tools-dump.service.d/10-sysrq-reboot.conf"),
        "crash-capture-usr-local-sbin-kdump-savecore-and-sysrq-reboot",
      ),
    ).toBe(true);
    // kdump-tools-dump.service is the package's: its first drop-in of ours watches its files,
    // with both of ours declared, so neither is ever reported or removed as a stranger's.
    const dropIns = [
      "/etc/systemd/system/kdump-tools-dump.service.d/05-watchdog-arm.conf",
      "/etc/systemd/system/kdump-tools-dump.service.d/10-sysrq-reboot.conf",
    ];
    expect(get("crash-capture-kdump-tools-dump.service.d/05-watchdog-arm.conf").inputs).toMatchObject({
      checkUnitFiles: true,
      declaredDropIns: dropIns,
    });
    expect(get("crash-capture-kdump-tools-dump.service.d/10-sysrq-reboot.conf").inputs).toMatchObject({
      checkUnitFiles: false,
      declaredDropIns: dropIns,
    });
    expect(get("crash-capture-kdump-watchdog-arm.service").inputs).toMatchObject({
      checkUnitFiles: true,
      declaredDropIns: [],
    });
    // A later sysctl.d file setting one of these keys differently is drift.
    expect(get("crash-capture-etc-sysctl.d-99-crash-capture.conf").inputs).toMatchObject({
      shadows: { kind: "sysctl", settings: R.crashCapture.sysctl },
      shadowedBy: [],
    });
    expect(host().filter((r) => r.inputs.shadows !== undefined)).toHaveLength(1);
    const reboot = await new Promise<Record<string, string>>((resolve) => c.rebootInputs.apply(resolve));
    expect(Object.keys(reboot)).toEqual([
      "/etc/default/grub.d/90-hemma-crash-capture.cfg",
      "/etc/default/grub.d/kdump-tools.cfg",
    ]);
    expect(Object.values(reboot).every((d) => /^[0-9a-f]{64}$/.test(d))).toBe(true);
  });
});

describe("MaintenanceTimers", () => {
  it("enables and starts every timer after its service and the scripts", async () => {
    const t = new MaintenanceTimers("maintenance-timers", { connection, settings: R.timers });
    await h.settle();
    expect(t.timers).toEqual([
      "skriptoteket-sandbox-snapshots-cleanup.timer",
      "skriptoteket-login-events-cleanup.timer",
      "skriptoteket-session-files-cleanup.timer",
      "heartbeat-log.timer",
      "skriptoteket-incident-capture.timer",
      "cleanup-smart-logs.timer",
      "log-power-rails.timer",
      "amdgpu-release-watch.timer",
    ]);
    for (const timer of t.timers) {
      const r = get(`maintenance-timers-${timer}`);
      expect(r.inputs).toMatchObject({ name: timer, enabled: true, active: true });
      expect(dependsOn(r, `maintenance-timers-${timer.replace(/\.timer$/, ".service")}`)).toBe(true);
      const service = get(`maintenance-timers-${timer.replace(/\.timer$/, ".service")}`);
      expect(service.inputs.enabled).toBeUndefined();
      expect(service.inputs.active).toBeUndefined();
    }
    expect(
      dependsOn(
        get("maintenance-timers-heartbeat-log.timer"),
        "maintenance-timers-usr-local-bin-skriptoteket-cli",
      ),
    ).toBe(true);
  });

  it("places nothing for a switched-off job", async () => {
    const settings = { ...R.timers, powerRails: { ...R.timers.powerRails, enabled: false } };
    new MaintenanceTimers("maintenance-timers", { connection, settings });
    await h.settle();
    expect([...hostResources().keys()].filter((n) => n.includes("power-rails"))).toEqual([]);
  });
});

describe("DatabaseBackups", () => {
  it("places the script, the service and an enabled timer for every app database", async () => {
    new DatabaseBackups("database-backups", { connection, settings: R.backups });
    await h.settle();
    expect([...hostResources().keys()].sort()).toEqual([
      "database-backups-hemma-db-backup.service",
      "database-backups-hemma-db-backup.timer",
      "database-backups-usr-local-bin-hemma-db-backup.sh",
    ]);
    expect(get("database-backups-hemma-db-backup.timer").inputs).toMatchObject({
      enabled: true,
      active: true,
    });
    expect(R.backups.databases).toEqual(["skriptoteket"]);
    expect(R.backups.execPrefix).toBe("/snap/bin/docker exec -i shared-postgres");
  });
});

describe("GpuServices", () => {
  it("masks the legacy units before llama starts, and keeps rocm-perf as configured", async () => {
    new GpuServices("gpu-services", { connection, settings: R.gpu, rocmPerfEnabled: false });
    await h.settle();
    const masked = host()
      .filter((r) => r.inputs.masked === true)
      .map((r) => [r.inputs.name, r.inputs.content ?? null])
      .sort();
    expect(masked).toEqual([
      ["llama-server-hip.service", null],
      ["llama-server-vulkan.service", null],
      ["llama-server.service", null],
    ]);
    const llama = get("gpu-services-llama-server-rocm.service");
    expect(llama.inputs).toMatchObject({ enabled: true, active: true });
    expect(dependsOn(llama, "gpu-services-mask-llama-server-hip.service")).toBe(true);
    expect(dependsOn(get("gpu-services-tabby.service"), "gpu-services-llama-server-rocm.service")).toBe(true);
    expect(get("gpu-services-root-.tabby-config.toml").inputs).toMatchObject({
      onChange: "systemctl try-restart tabby.service",
      owner: "root",
    });
    expect(get("gpu-services-rocm-perf.service").inputs).toMatchObject({ enabled: false, active: false });
  });

  it("enables rocm-perf when the stack says so", async () => {
    new GpuServices("gpu-services", { connection, settings: R.gpu, rocmPerfEnabled: true });
    await h.settle();
    expect(get("gpu-services-rocm-perf.service").inputs).toMatchObject({ enabled: true, active: true });
  });
});

describe("HostConfigFiles", () => {
  it("marks a reboot for module files and never applies netplan remotely by default", async () => {
    new HostConfigFiles("host-config-files", { connection, settings: R.files });
    await h.settle();
    const onChange = Object.fromEntries(host().map((r) => [r.inputs.path, r.inputs.onChange ?? null]));
    expect(onChange["/etc/netplan/01-netcfg.yaml"]).toBe(
      'netplan generate && touch /var/run/reboot-required && echo "hemma-infra: netplan (apply with netplan try)" >> /var/run/reboot-required.pkgs',
    );
    expect(onChange["/etc/modules-load.d/it87.conf"]).toBe(
      'touch /var/run/reboot-required && echo "hemma-infra: kernel modules (/etc/modules-load.d/it87.conf)" >> /var/run/reboot-required.pkgs',
    );
    expect(onChange["/etc/default/cron"]).toBeNull();
    expect(get("host-config-files-etc-netplan-01-netcfg.yaml").inputs.mode).toBe("0600");
    expect(host()).toHaveLength(7);
  });

  it("applies netplan when the stack opts in", async () => {
    new HostConfigFiles("host-config-files", { connection, settings: R.files, netplanApply: true });
    await h.settle();
    expect(get("host-config-files-etc-netplan-01-netcfg.yaml").inputs.onChange).toBe(
      "netplan generate && netplan apply",
    );
  });
});
