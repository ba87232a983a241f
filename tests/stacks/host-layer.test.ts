/** The host layer inside the whole stack, built from the committed stack files under mocks. */
import { buildStack, type BuiltStack } from "./stack-fixture";

const HOST_COMPONENTS = [
  "Watchdog",
  "CrashCapture",
  "MaintenanceTimers",
  "DatabaseBackups",
  "GpuServices",
  "HostConfigFiles",
];

function hostComponents(s: BuiltStack): string[] {
  return s.harness.resources
    .filter((r) => r.type.startsWith("hemma:host:"))
    .map((r) => r.type.slice("hemma:host:".length));
}

function hostUnits(s: BuiltStack): string[] {
  return s.harness.resources
    .filter((r) => r.type === "pulumi-nodejs:dynamic/host:SystemdUnit" && r.urn.includes("hemma:host:"))
    .map((r) => r.inputs.name as string)
    .sort();
}

describe("host layer in prod", () => {
  let s: BuiltStack;
  beforeAll(async () => {
    s = await buildStack("prod");
  }, 60000);

  it("places every host concept and reports the watchdog note, reboot inputs and timers", async () => {
    expect(hostComponents(s).sort()).toEqual([...HOST_COMPONENTS].sort());
    const host = s.outputs.host!;
    expect(host.watchdogChange).toContain("one atomic swap");
    expect(host.backupDir).toBe("/home/paunchygent/backups");
    expect(host.timers).toHaveLength(8);
    const reboot = await new Promise<Record<string, string>>((resolve) =>
      host.rebootRequiredWhenChanged.apply(resolve),
    );
    expect(Object.keys(reboot).sort()).toEqual([
      "/etc/default/grub.d/90-hemma-crash-capture.cfg",
      "/etc/default/grub.d/kdump-tools.cfg",
      "/etc/modprobe.d/netconsole.conf",
      "/etc/modprobe.d/sp5100_tco.conf",
      "/etc/modules-load.d/it87.conf",
      "/etc/modules-load.d/netconsole.conf",
      "/etc/modules-load.d/pstore.conf",
      "/etc/netplan/01-netcfg.yaml",
    ]);
    expect(Object.values(reboot).every((d) => /^[0-9a-f]{64}$/.test(d))).toBe(true);
  });

  it("masks the legacy llama units and keeps rocm-perf disabled", () => {
    const units = s.harness.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/host:SystemdUnit");
    const state = (name: string) => units.find((u) => u.inputs.name === name)!.inputs;
    for (const legacy of [
      "llama-server.service",
      "llama-server-hip.service",
      "llama-server-vulkan.service",
    ]) {
      expect(state(legacy)).toMatchObject({ masked: true });
    }
    expect(state("rocm-perf.service")).toMatchObject({ enabled: false, active: false });
    expect(state("health-watchdog.service")).toMatchObject({ enabled: true, active: true });
  });

  it("each unit's drop-ins are declared to the one resource that watches the unit's files", () => {
    const units = s.harness.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/host:SystemdUnit");
    const parentOf = (name: string) => name.replace(/\.d\/[^/]+$/, "");
    const watching = new Map<string, string[]>();
    for (const u of units) {
      if (u.inputs.checkUnitFiles !== true) continue;
      const unit = parentOf(u.inputs.name as string);
      expect(watching.has(unit)).toBe(false);
      watching.set(unit, u.inputs.declaredDropIns as string[]);
    }
    for (const u of units) {
      const name = u.inputs.name as string;
      const unit = parentOf(name);
      // A unit's own resource, or for a package's unit our first drop-in, watches it.
      expect(watching.has(unit)).toBe(true);
      if (name !== unit) expect(watching.get(unit)).toContain(`/etc/systemd/system/${name}`);
    }
    expect([...watching.keys()]).toContain("kdump-tools-dump.service");
    expect(watching.get("health-watchdog.service")).toEqual([
      "/etc/systemd/system/health-watchdog.service.d/10-watchdog-order.conf",
    ]);
  });

  it("keeps the SSH connection and every file content secret in host resources", () => {
    const host = s.harness.resources.filter(
      (x) => x.urn.includes("hemma:host:") && x.type.startsWith("pulumi-nodejs:"),
    );
    expect(host.length).toBeGreaterThan(50);
    for (const r of host) {
      expect(r.secretPaths).toContain("connection");
      if (r.inputs.content !== undefined) expect(r.secretPaths).toContain("content");
    }
  });
});

describe("host layer in dev", () => {
  let s: BuiltStack;
  beforeAll(async () => {
    s = await buildStack("dev");
  }, 60000);

  it("leaves out the watchdog, crash capture and GPU services the sandbox cannot run", async () => {
    expect(hostComponents(s).sort()).toEqual(["DatabaseBackups", "HostConfigFiles", "MaintenanceTimers"]);
    expect(s.outputs.host!.watchdogChange).toBeUndefined();
    const reboot = await new Promise<Record<string, string>>((resolve) =>
      s.outputs.host!.rebootRequiredWhenChanged.apply(resolve),
    );
    expect(Object.keys(reboot)).toEqual(["/etc/modules-load.d/pstore.conf"]);
    expect(hostUnits(s)).toEqual([
      "cleanup-smart-logs.service",
      "cleanup-smart-logs.timer",
      "heartbeat-log.service",
      "heartbeat-log.timer",
      "hemma-db-backup.service",
      "hemma-db-backup.timer",
      "skriptoteket-incident-capture.service",
      "skriptoteket-incident-capture.timer",
      "skriptoteket-login-events-cleanup.service",
      "skriptoteket-login-events-cleanup.timer",
      "skriptoteket-sandbox-snapshots-cleanup.service",
      "skriptoteket-sandbox-snapshots-cleanup.timer",
      "skriptoteket-session-files-cleanup.service",
      "skriptoteket-session-files-cleanup.timer",
    ]);
  });
});
