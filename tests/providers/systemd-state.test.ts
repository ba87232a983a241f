import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sha256Hex } from "../../providers/digest";
import {
  actedUnit,
  parseUnitName,
  parseUnitState,
  planDeleteCommands,
  planUnitCommands,
  readUnitScript,
  type UnitName,
  type UnitState,
} from "../../providers/systemd-state";

const svc: UnitName = { kind: "unit", unit: "hemma-web.service", type: "service" };
const timer: UnitName = { kind: "unit", unit: "backup.timer", type: "timer" };
const dropin: UnitName = { kind: "dropin", parent: "docker.service", file: "10-limits.conf" };

function state(patch: Partial<UnitState> = {}): UnitState {
  return {
    fileExists: true,
    digest: "d",
    enabledState: "disabled",
    activeState: "inactive",
    loadState: "loaded",
    enabled: false,
    active: false,
    masked: false,
    found: { unitFiles: [], dropIns: [] },
    ...patch,
  };
}
const running = state({ enabled: true, active: true, enabledState: "enabled", activeState: "active" });

describe("parseUnitName", () => {
  test.each<[string, UnitName | undefined]>([
    ["hemma-web.service", svc],
    ["backup.timer", timer],
    ["getty@tty1.service", { kind: "unit", unit: "getty@tty1.service", type: "service" }],
    ["docker.service.d/10-limits.conf", dropin],
    ["foo.socket.d/override.conf", { kind: "dropin", parent: "foo.socket", file: "override.conf" }],
    ["foo", undefined],
    ["foo.conf", undefined],
    ["foo.service.d/x.txt", undefined],
    ["../foo.service", undefined],
    ["dir/foo.service", undefined],
  ])("%j", (name, parsed) => {
    expect(parseUnitName(name)).toEqual(parsed);
  });

  test("a drop-in acts on its parent", () => {
    expect(actedUnit(dropin)).toBe("docker.service");
    expect(actedUnit(svc)).toBe("hemma-web.service");
  });
});

describe("parseUnitState", () => {
  test.each<[string, Partial<UnitState>]>([
    [
      "file=1\ndigest=abc\nenabled=enabled\nactive=active\nload=loaded\n",
      { fileExists: true, digest: "abc", enabled: true, active: true, masked: false },
    ],
    [
      "file=1\ndigest=abc\nenabled=disabled\nactive=failed\nload=loaded\n",
      { enabled: false, active: false, activeState: "failed" },
    ],
    [
      "file=0\nenabled=masked\nactive=inactive\nload=masked\n",
      { fileExists: false, digest: "", masked: true, enabled: false },
    ],
    [
      "file=0\nenabled=\nactive=inactive\nload=not-found\n",
      { fileExists: false, loadState: "not-found", enabledState: "" },
    ],
    ["file=1\nenabled=static\nactive=activating\nload=loaded\n", { enabled: false, active: true }],
  ])("%j", (stdout, expected) => {
    expect(parseUnitState(stdout)).toMatchObject(expected);
  });

  test("garbage is an error", () => {
    expect(() => parseUnitState("Failed to connect to bus\n")).toThrow("cannot parse unit state");
  });

  test("the read script reports a file's digest with a stub systemctl", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-unit-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // A stub systemctl answering like a disabled, stopped unit (non-zero exit, answer on stdout).
    fs.writeFileSync(
      path.join(bin, "systemctl"),
      '#!/bin/sh\ncase "$1" in is-enabled) echo disabled; exit 1;; is-active) echo inactive; exit 3;; show) echo loaded;; esac\n',
      { mode: 0o755 },
    );
    const unitFile = path.join(dir, "hemma-web.service");
    fs.writeFileSync(unitFile, "[Service]\n");
    const res = spawnSync("bash", ["-c", readUnitScript(unitFile, "hemma-web.service", true)], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
    });
    expect(res.status).toBe(0);
    expect(parseUnitState(res.stdout)).toEqual({
      fileExists: true,
      digest: sha256Hex("[Service]\n"),
      enabledState: "disabled",
      activeState: "inactive",
      loadState: "loaded",
      enabled: false,
      active: false,
      masked: false,
      found: { unitFiles: [], dropIns: [] },
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("planUnitCommands", () => {
  test("a new service: reload, enable, start", () => {
    expect(planUnitCommands(svc, state(), { enabled: true, active: true }, true)).toEqual([
      "systemctl daemon-reload",
      "systemctl enable -- 'hemma-web.service'",
      "systemctl start -- 'hemma-web.service'",
    ]);
  });

  test("its own content changed while running: reload and restart", () => {
    expect(planUnitCommands(svc, running, { enabled: true, active: true }, true)).toEqual([
      "systemctl daemon-reload",
      "systemctl restart -- 'hemma-web.service'",
    ]);
  });

  test("content unchanged: a running service is never restarted", () => {
    expect(planUnitCommands(svc, running, { enabled: true, active: true }, false)).toEqual([]);
  });

  test("stopped by hand: started again, not reloaded", () => {
    expect(planUnitCommands(svc, state({ enabled: true }), { enabled: true, active: true }, false)).toEqual([
      "systemctl start -- 'hemma-web.service'",
    ]);
  });

  test("desired stopped and disabled", () => {
    expect(planUnitCommands(svc, running, { enabled: false, active: false }, false)).toEqual([
      "systemctl disable -- 'hemma-web.service'",
      "systemctl stop -- 'hemma-web.service'",
    ]);
  });

  test("active not managed: a content change try-restarts only if it runs", () => {
    expect(planUnitCommands(svc, running, {}, true)).toEqual([
      "systemctl daemon-reload",
      "systemctl try-restart -- 'hemma-web.service'",
    ]);
    expect(planUnitCommands(svc, state(), {}, true)).toEqual(["systemctl daemon-reload"]);
  });

  test("a disabled timer is enabled and started", () => {
    expect(planUnitCommands(timer, state({ active: true }), { enabled: true, active: true }, false)).toEqual([
      "systemctl enable -- 'backup.timer'",
    ]);
  });

  test("a drop-in change reloads and restarts its parent (if running); no change does nothing", () => {
    expect(planUnitCommands(dropin, state(), {}, true)).toEqual([
      "systemctl daemon-reload",
      "systemctl try-restart -- 'docker.service'",
    ]);
    expect(planUnitCommands(dropin, state(), {}, false)).toEqual([]);
  });

  test("masking stops the unit too; unmasking comes before enable", () => {
    expect(planUnitCommands(svc, running, { masked: true }, false)).toEqual([
      "systemctl mask --now -- 'hemma-web.service'",
    ]);
    expect(planUnitCommands(svc, state({ masked: true }), { masked: false, enabled: true }, false)).toEqual([
      "systemctl unmask -- 'hemma-web.service'",
      "systemctl enable -- 'hemma-web.service'",
    ]);
  });
});

describe("planDeleteCommands", () => {
  test("our own unit: stop+disable first, reload after", () => {
    expect(planDeleteCommands(svc, true, running, { enabled: false, masked: false })).toEqual({
      before: ["systemctl disable --now -- 'hemma-web.service' || true"],
      after: ["systemctl daemon-reload", "systemctl reset-failed -- 'hemma-web.service' 2>/dev/null || true"],
    });
  });

  test("our drop-in: reload and restart the parent after removal", () => {
    expect(planDeleteCommands(dropin, true, state(), undefined)).toEqual({
      before: [],
      after: ["systemctl daemon-reload", "systemctl try-restart -- 'docker.service'"],
    });
  });

  test("a stock unit we masked is unmasked, its failed state cleared and started again if it ran before", () => {
    expect(
      planDeleteCommands(svc, false, state({ masked: true }), { enabled: true, masked: false, active: true }),
    ).toEqual({
      before: [
        "systemctl unmask -- 'hemma-web.service'",
        "systemctl reset-failed -- 'hemma-web.service' 2>/dev/null || true",
        "systemctl start -- 'hemma-web.service'",
      ],
      after: [],
    });
    expect(
      planDeleteCommands(svc, false, state({ masked: true }), {
        enabled: false,
        masked: false,
        active: false,
      }).before,
    ).toEqual([
      "systemctl unmask -- 'hemma-web.service'",
      "systemctl reset-failed -- 'hemma-web.service' 2>/dev/null || true",
    ]);
  });

  test("state without a recorded running state leaves it alone", () => {
    expect(
      planDeleteCommands(svc, false, state({ masked: true }), { enabled: true, masked: false }).before,
    ).toEqual([
      "systemctl unmask -- 'hemma-web.service'",
      "systemctl reset-failed -- 'hemma-web.service' 2>/dev/null || true",
    ]);
  });

  test("a stock unit we stopped is started again", () => {
    expect(
      planDeleteCommands(svc, false, state({ enabled: true, enabledState: "enabled" }), {
        enabled: true,
        masked: false,
        active: true,
      }).before,
    ).toEqual(["systemctl start -- 'hemma-web.service'"]);
  });

  test("a stock unit we enabled is disabled again; one already masked before us stays masked", () => {
    expect(planDeleteCommands(svc, false, running, { enabled: false, masked: false }).before).toEqual([
      "systemctl disable -- 'hemma-web.service'",
    ]);
    expect(
      planDeleteCommands(svc, false, state({ masked: true }), { enabled: false, masked: true }).before,
    ).toEqual([]);
  });
});
