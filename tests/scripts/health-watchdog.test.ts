/**
 * health-watchdog.sh run for real against a plain file as the watchdog device and fake checks
 * (each check passes while its marker file exists).
 */
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_WATCHDOG, renderHealthWatchdogScript } from "../../render/host/watchdog";
import { sizeOf, sleep, start, tempDir, waitFor, writeScript, type Running } from "./script-harness";

const CHECKS = ["ssh", "port", "route", "link", "gateway"] as const;

let dir: string;
let script: string;
let device: string;
const running: Running[] = [];

beforeEach(() => {
  dir = tempDir("hemma-wd-");
  script = writeScript(dir, "health-watchdog.sh", renderHealthWatchdogScript(DEFAULT_WATCHDOG));
  device = path.join(dir, "watchdog0");
  fs.writeFileSync(device, "");
  for (const c of CHECKS) fs.writeFileSync(path.join(dir, `ok-${c}`), "");
});
afterEach(() => {
  running.splice(0).forEach((r) => r.kill());
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Env for a run: every check is `test -e ok-<name>`; a failing check appends the device size it saw. */
function env(overrides: Record<string, string> = {}): Record<string, string> {
  const e: Record<string, string> = {
    HEALTH_WATCHDOG_DEVICE: device,
    HEALTH_WATCHDOG_GRACE_SECONDS: "0",
    HEALTH_WATCHDOG_INTERVAL_SECONDS: "0.1",
  };
  for (const c of CHECKS) {
    e[`HEALTH_WATCHDOG_CHECK_${c.toUpperCase()}_CMD`] =
      `test -e ${dir}/ok-${c} || { stat -c %s ${device} >> ${dir}/sizes-at-failure; false; }`;
  }
  return { ...e, ...overrides };
}

function run(overrides?: Record<string, string>): Running {
  const r = start(script, [], env(overrides));
  running.push(r);
  return r;
}

describe("health-watchdog.sh", () => {
  it("pets while every check passes, and only ever writes the pet byte", async () => {
    const r = run();
    await waitFor(() => sizeOf(device) >= 10, "10 pets");
    expect(fs.readFileSync(device, "utf8")).toMatch(/^1+$/);
    expect(r.output()).toContain("health gate active");
    r.kill();
  });

  it.each(CHECKS)("stops petting and exits when the %s check fails after the grace period", async (check) => {
    const r = run();
    await waitFor(() => sizeOf(device) >= 3, "3 pets");
    fs.rmSync(path.join(dir, `ok-${check}`));
    const exit = await r.exited;
    expect(exit.code).toBe(1);
    expect(r.output()).toMatch(
      /health check failed: .*; exiting without petting, the hardware watchdog resets the host/,
    );
    const atFailure = fs
      .readFileSync(path.join(dir, "sizes-at-failure"), "utf8")
      .trim()
      .split("\n")
      .map(Number);
    expect(atFailure).toHaveLength(1);
    // Nothing was written after the failed check: the device is exactly as the check saw it.
    expect(sizeOf(device)).toBe(atFailure[0]);
  });

  it("never writes during failed rounds, and resumes when health returns before failAfter", async () => {
    const r = run({ HEALTH_WATCHDOG_FAIL_AFTER: "1000" });
    await waitFor(() => sizeOf(device) >= 3, "3 pets");
    fs.rmSync(path.join(dir, "ok-gateway"));
    const sizes = path.join(dir, "sizes-at-failure");
    await waitFor(
      () => fs.existsSync(sizes) && fs.readFileSync(sizes, "utf8").trim().split("\n").length >= 5,
      "5 failed rounds",
    );
    const seen = fs.readFileSync(sizes, "utf8").trim().split("\n").map(Number);
    // Every failed round saw the same size: no pet happened between them.
    expect(new Set(seen).size).toBe(1);
    expect(sizeOf(device)).toBe(seen[0]);
    expect(r.output()).toContain(
      "health check failed: gateway 192.168.0.1 answers ping (round 1 of 1000); not petting",
    );
    fs.writeFileSync(path.join(dir, "ok-gateway"), "");
    await waitFor(() => sizeOf(device) > seen[0]! + 2, "pets after recovery");
    expect(r.output()).toMatch(/health restored after \d+ failed round\(s\)/);
    r.kill();
  });

  it("pets without checking during the grace period, then applies the gate", async () => {
    for (const c of CHECKS) fs.rmSync(path.join(dir, `ok-${c}`));
    const r = run({ HEALTH_WATCHDOG_GRACE_SECONDS: "2" });
    await waitFor(() => sizeOf(device) >= 3, "pets during grace");
    expect(fs.existsSync(path.join(dir, "sizes-at-failure"))).toBe(false);
    const exit = await r.exited;
    expect(exit.code).toBe(1);
    expect(exit.ms).toBeGreaterThanOrEqual(1000);
    expect(r.output()).toContain("grace period over; health gate active");
    expect(r.output()).toContain(
      "health check failed: ssh (one of ssh.service ssh.socket active); exiting without petting",
    );
  });

  it("uses the fallback device when the configured one is absent, and fails when neither opens", async () => {
    const fallback = path.join(dir, "watchdog");
    fs.writeFileSync(fallback, "");
    const r = run({
      HEALTH_WATCHDOG_DEVICE: path.join(dir, "missing-dir", "watchdog0"),
      HEALTH_WATCHDOG_FALLBACK_DEVICE: fallback,
    });
    await waitFor(() => sizeOf(fallback) >= 2, "pets on the fallback device");
    r.kill();
    const none = run({
      HEALTH_WATCHDOG_DEVICE: path.join(dir, "no", "wd0"),
      HEALTH_WATCHDOG_FALLBACK_DEVICE: path.join(dir, "no", "wd"),
    });
    const exit = await none.exited;
    expect(exit.code).toBe(1);
    expect(none.output()).toContain(`cannot open ${path.join(dir, "no", "wd0")}; not petting`);
    await sleep(10);
  });
});

describe("health-watchdog.sh default checks", () => {
  /** Fake systemctl, ss, ip and ping that log their arguments and pass while ok-<name> exists. */
  function fakeTools(): string {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const tool = (name: string, check: string, out = "") =>
      fs.writeFileSync(
        path.join(bin, name),
        `#!/bin/sh\necho "${name} $*" >> ${dir}/calls\n[ -e ${dir}/ok-${check} ] || exit 1\n${out}`,
        { mode: 0o755 },
      );
    tool("systemctl", "ssh");
    tool("ss", "port", "echo 'LISTEN 0 128 0.0.0.0:22 0.0.0.0:*'\n");
    tool("ip", "route", "echo 'default via 192.168.0.1 dev enp7s0'\n");
    tool("ping", "gateway");
    fs.mkdirSync(path.join(dir, "net", "enp7s0"), { recursive: true });
    fs.writeFileSync(path.join(dir, "net", "enp7s0", "operstate"), "up\n");
    return bin;
  }

  it("runs the documented checks with the configured unit, port, interface and gateway", async () => {
    const bin = fakeTools();
    const r = start(script, [], {
      PATH: `${bin}:${process.env.PATH}`,
      HEALTH_WATCHDOG_DEVICE: device,
      HEALTH_WATCHDOG_GRACE_SECONDS: "0",
      HEALTH_WATCHDOG_INTERVAL_SECONDS: "0.1",
      HEALTH_WATCHDOG_NET_SYSFS: path.join(dir, "net"),
    });
    running.push(r);
    await waitFor(() => sizeOf(device) >= 3, "3 pets through the default checks");
    const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").split("\n").slice(0, 4);
    expect(calls).toEqual([
      "systemctl is-active --quiet ssh.service ssh.socket",
      "ss -Hltn sport = :22",
      "ip route show default",
      "ping -q -n -c 1 -W 2 -I enp7s0 192.168.0.1",
    ]);
    fs.writeFileSync(path.join(dir, "net", "enp7s0", "operstate"), "down\n");
    const exit = await r.exited;
    expect(exit.code).toBe(1);
    expect(r.output()).toContain("health check failed: link enp7s0 up; exiting without petting");
  });
});
