import { hostSchema } from "../../../config/schema/host";
import { HOST_ALL_ENABLED } from "../../fixtures/host-config";

function issues(input: unknown): { path: string; message: string }[] {
  const r = hostSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("hemma:host schema", () => {
  it("fills the documented defaults from switches alone", () => {
    const c = hostSchema.parse(HOST_ALL_ENABLED);
    expect(c.watchdog).toMatchObject({
      device: "/dev/watchdog0",
      graceSeconds: 300,
      intervalSeconds: 10,
      interface: "enp7s0",
      gateway: "192.168.0.1",
      heartbeatSeconds: 60,
      nowayout: true,
    });
    expect(c.crashCapture).toMatchObject({
      crashKernel: "1536M",
      savecoreTimeout: "40s",
      makedumpArgs: "-c -d 31",
    });
    expect(c.timers.logCleanup).toMatchObject({ incidentRetentionDays: 7, smartRetentionDays: 30 });
    expect(c.timers.incidentCapture.onCalendar).toBe("*:0/5");
    expect(c.gpu.llama).toMatchObject({
      port: 8082,
      image: "llama.cpp-rocm:7.1.1",
      serverArgs: ["--ctx-size", "32768", "--parallel", "2"],
    });
    expect(c.gpu.tabby.port).toBe(8083);
    expect(c.gpu.rocmPerfEnabled).toBe(false);
    expect(c.gpu.legacyUnits).toEqual([
      "llama-server.service",
      "llama-server-hip.service",
      "llama-server-vulkan.service",
    ]);
    expect(c.backups).toMatchObject({ dir: "/home/paunchygent/backups", retain: 14, verify: true });
    expect(c.backups.databases).toBeUndefined();
  });

  it.each([
    [
      "a missing switch",
      { ...HOST_ALL_ENABLED, gpu: {} },
      [
        {
          path: "gpu.enabled",
          message: "true or false (a plain boolean: it decides which files and units exist)",
        },
      ],
    ],
    [
      "an unknown key",
      { ...HOST_ALL_ENABLED, watchdog: { enabled: true, gracePeriod: 5 } },
      [{ path: "watchdog", message: 'Unrecognized key: "gracePeriod"' }],
    ],
    [
      "a gate round longer than the heartbeat",
      { ...HOST_ALL_ENABLED, watchdog: { enabled: true, intervalSeconds: 50 } },
      [
        {
          path: "watchdog.intervalSeconds",
          message: "intervalSeconds + 5 × checkTimeoutSeconds = 75 s must be below heartbeatSeconds (60 s)",
        },
      ],
    ],
    [
      "a bad gateway",
      { ...HOST_ALL_ENABLED, watchdog: { enabled: true, gateway: "router" } },
      [{ path: "watchdog.gateway", message: "an IPv4 address such as 192.168.0.1" }],
    ],
    [
      "a schedule with shell characters",
      {
        ...HOST_ALL_ENABLED,
        timers: { ...HOST_ALL_ENABLED.timers, heartbeat: { enabled: true, onCalendar: "daily; rm" } },
      },
      [
        {
          path: "timers.heartbeat.onCalendar",
          message: "a systemd calendar expression such as daily, hourly or *:0/5",
        },
      ],
    ],
    [
      "zero retention",
      { ...HOST_ALL_ENABLED, backups: { enabled: true, retain: 0 } },
      [{ path: "backups.retain", message: "a whole number >= 1" }],
    ],
    [
      "a rail with min above max",
      {
        ...HOST_ALL_ENABLED,
        timers: {
          ...HOST_ALL_ENABLED.timers,
          powerRails: {
            enabled: true,
            rails: [{ label: "+5V", input: "in3", scale: 2.5, min: 5.25, max: 4.75 }],
          },
        },
      },
      [{ path: "timers.powerRails.rails.0.max", message: "min below max" }],
    ],
  ])("reports %s with its path", (_name, input, expected) => {
    expect(issues(input)).toEqual(expected);
  });
});
