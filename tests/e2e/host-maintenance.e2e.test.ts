/**
 * The dev stack's host components (maintenance timers, database backups, host config files) with
 * the real engine, against a sandbox container of this file's own (same image as `npm run
 * sandbox`, its own name and port), so its units never collide with a dev `up` on the shared
 * sandbox. Tests run in order and share one stack.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { DatabaseBackups } from "../../components/host/database-backups";
import { HostConfigFiles } from "../../components/host/host-config-files";
import { MaintenanceTimers } from "../../components/host/maintenance-timers";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { allHostFiles, renderHost } from "../../render/host";
import { hostRenderArgs } from "../../render/host/from-config";
import { loadRenderConfig } from "../../scripts/render";
import { startPrivateSandbox, until, type PrivateSandbox } from "./support/private-sandbox";
import { ROOT } from "./support/sandbox";
import { testStack, type TestStack } from "./support/stack";

const dev = loadRenderConfig(path.join(ROOT, "Pulumi.dev.yaml"), "dev");
if (!dev.host) throw new Error(`Pulumi.dev.yaml host areas invalid: ${JSON.stringify(dev.issues)}`);
const args = hostRenderArgs(dev.host);
const r = renderHost(args);
/** Every file the three components place, and the unit files among them. */
const files = [...r.timers, ...r.backups, ...r.files];
const unitFiles = files.filter((f) => f.path.startsWith("/etc/systemd/system/"));
const timers = unitFiles.map((f) => path.basename(f.path)).filter((n) => n.endsWith(".timer"));

let connection: HostConnectionArgs;
let t: TestStack;
let box: PrivateSandbox;

function program(): PulumiFn {
  return async () => {
    new MaintenanceTimers("maintenance-timers", { connection, settings: args.timers });
    new DatabaseBackups("database-backups", { connection, settings: args.backups });
    new HostConfigFiles("host-config-files", { connection, settings: args.files });
  };
}

beforeAll(async () => {
  expect(allHostFiles(r).length).toBeGreaterThan(files.length - 1);
  box = await startPrivateSandbox("host");
  connection = box.connection;
  t = await testStack("e2e-host-maintenance", program());
});

afterAll(async () => {
  t?.dispose();
  box?.remove();
});

test("1. up converges the dev host components; every timer is enabled, active and listed by systemctl list-timers", async () => {
  const up = await t.stack.up({ onOutput: t.onOutput });
  expect(up.summary.result).toBe("succeeded");
  for (const f of files) {
    expect(box.inContainer(`sha256sum ${f.path} | cut -d' ' -f1; stat -c %a ${f.path}`).split("\n")).toEqual([
      createHash("sha256").update(f.content).digest("hex"),
      String(Number(f.mode.slice(1))),
    ]);
  }
  expect(timers.sort()).toEqual([
    "cleanup-smart-logs.timer",
    "heartbeat-log.timer",
    "hemma-db-backup.timer",
    "skriptoteket-incident-capture.timer",
    "skriptoteket-login-events-cleanup.timer",
    "skriptoteket-sandbox-snapshots-cleanup.timer",
    "skriptoteket-session-files-cleanup.timer",
  ]);
  const listed = box.inContainer(
    "systemctl list-timers --all --no-legend --plain | awk '{for (i = 1; i <= NF; i++) if ($i ~ /\\.timer$/) print $i}' | sort",
  );
  expect(listed.split("\n")).toEqual(expect.arrayContaining(timers));
  for (const timer of timers) {
    expect(box.inContainer(`systemctl is-enabled ${timer}; systemctl is-active ${timer}`)).toBe(
      "enabled\nactive",
    );
  }
});

test("2. the placed units really run: heartbeat logs ok, log cleanup and incident capture succeed", async () => {
  box.inContainer(
    "systemctl start heartbeat-log.service cleanup-smart-logs.service skriptoteket-incident-capture.service",
  );
  // journald may store the line a moment after the oneshot finished.
  await until(
    "the heartbeat line",
    10_000,
    () => box.inContainer("journalctl -t heartbeat --no-pager -o cat | tail -n 1") === "ok",
  );
  for (const unit of [
    "heartbeat-log.service",
    "cleanup-smart-logs.service",
    "skriptoteket-incident-capture.service",
  ]) {
    expect(box.inContainer(`systemctl show -p Result --value ${unit}`)).toBe("success");
  }
  // The timer itself may have captured too (every 5 minutes).
  expect(Number(box.inContainer("ls /root/logs | grep -c '^incident-.*\\.log$'"))).toBeGreaterThanOrEqual(1);
  expect(box.inContainer("ls -A /root/logs | grep -c '\\.tmp$' || true")).toBe("0");
});

test("3. a second preview with refresh changes nothing", async () => {
  const again = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
  expect(Object.keys(again.changeSummary)).toEqual(["same"]);
});

test("4. a hand edit of any unit file is reported by a refreshing preview, and up repairs it", async () => {
  box.inContainer(unitFiles.map((f) => `echo '# edited by hand' >> ${f.path}`).join("\n"));
  const drift = await t.stack.preview({ refresh: true, diff: true, onOutput: t.onOutput });
  expect(drift.changeSummary.update).toBe(unitFiles.length);
  const shown = t.output.join("");
  for (const f of unitFiles) expect(shown).toContain(path.basename(f.path));
  // Like the drift run's repair: refresh reads the edited files, then up writes them back.
  const fix = await t.stack.up({ refresh: true, onOutput: t.onOutput });
  expect(fix.summary.result).toBe("succeeded");
  expect(box.inContainer(`grep -l 'edited by hand' ${unitFiles.map((f) => f.path).join(" ")} || true`)).toBe(
    "",
  );
  const clean = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
  expect(Object.keys(clean.changeSummary)).toEqual(["same"]);
});

test("5. destroy removes every placed file and disables the timers", async () => {
  const down = await t.stack.destroy({ onOutput: t.onOutput });
  expect(down.summary.result).toBe("succeeded");
  expect(box.inContainer(files.map((f) => `test -e ${f.path} && echo ${f.path}`).join("\n") + "\ntrue")).toBe(
    "",
  );
  expect(
    box.inContainer("systemctl list-timers --all --no-legend --plain | grep -c heartbeat-log || true"),
  ).toBe("0");
});
