/**
 * The dev stack's host components (maintenance timers, database backups, host config files) with
 * the real engine, against a sandbox container of this file's own (same image as `npm run
 * sandbox`, its own name and port), so its units never collide with a dev `up` on the shared
 * sandbox. Tests run in order and share one stack.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { DatabaseBackups } from "../../components/host/database-backups";
import { HostConfigFiles } from "../../components/host/host-config-files";
import { MaintenanceTimers } from "../../components/host/maintenance-timers";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { allHostFiles, renderHost } from "../../render/host";
import { hostRenderArgs } from "../../render/host/from-config";
import { loadRenderConfig } from "../../scripts/render";
import {
  dockerRunArgs,
  hostKeyLineFromPub,
  knownHostsLine,
  readSandboxInfo,
  sshArgs,
  type SandboxInfo,
} from "../../scripts/sandbox-spec";
import { ensureSandbox, privateKey, ROOT } from "./support/sandbox";
import { testStack, type TestStack } from "./support/stack";

const container = `hemma-sandbox-host-${randomBytes(3).toString("hex")}`;
const dev = loadRenderConfig(path.join(ROOT, "Pulumi.dev.yaml"), "dev");
if (!dev.host) throw new Error(`Pulumi.dev.yaml host areas invalid: ${JSON.stringify(dev.issues)}`);
const args = hostRenderArgs(dev.host);
const r = renderHost(args);
/** Every file the three components place, and the unit files among them. */
const files = [...r.timers, ...r.backups, ...r.files];
const unitFiles = files.filter((f) => f.path.startsWith("/etc/systemd/system/"));
const timers = unitFiles.map((f) => path.basename(f.path)).filter((n) => n.endsWith(".timer"));

let info: SandboxInfo;
let connection: HostConnectionArgs;
let t: TestStack;
let workDir: string;

function docker(a: string[], input?: string): string {
  const res = spawnSync("docker", a, { encoding: "utf8", input, timeout: 120_000 });
  if (res.status !== 0) throw new Error(`docker ${a.join(" ")} failed: ${res.stderr}`);
  return res.stdout;
}

/** Root shell in the private sandbox through `docker exec` (independent of the code under test). */
function inContainer(script: string): string {
  return docker(["exec", "-i", container, "bash", "-s"], script).trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function program(): PulumiFn {
  return async () => {
    new MaintenanceTimers("maintenance-timers", { connection, settings: args.timers });
    new DatabaseBackups("database-backups", { connection, settings: args.backups });
    new HostConfigFiles("host-config-files", { connection, settings: args.files });
  };
}

function sharedSandbox(): SandboxInfo {
  try {
    const known = readSandboxInfo(ROOT);
    if (
      spawnSync("docker", ["image", "inspect", known.image]).status === 0 &&
      fs.existsSync(known.privateKeyPath)
    )
      return known;
  } catch {
    // No sandbox.json yet: build it.
  }
  return ensureSandbox();
}

beforeAll(async () => {
  expect(allHostFiles(r).length).toBeGreaterThan(files.length - 1);
  const shared = sharedSandbox();
  const port = await freePort();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-host-e2e-"));
  docker(["network", "create", container]);
  const run = dockerRunArgs({ container, image: shared.image, sshPort: port, inputsHash: "host-e2e" });
  docker([run[0]!, "--network", container, ...run.slice(1)]);
  await until("systemd in the private sandbox", 60_000, () => {
    const res = spawnSync("docker", ["exec", container, "systemctl", "is-system-running"], {
      encoding: "utf8",
    });
    return ["running", "degraded"].includes(res.stdout.trim());
  });
  const pub = fs.readFileSync(`${shared.privateKeyPath}.pub`, "utf8");
  docker(
    [
      "exec",
      "-i",
      container,
      "sh",
      "-c",
      `umask 077 && cat > /home/${shared.user}/.ssh/authorized_keys && chown ${shared.user}:${shared.user} /home/${shared.user}/.ssh/authorized_keys`,
    ],
    pub,
  );
  const hostKey = hostKeyLineFromPub(docker(["exec", container, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"]));
  const knownHostsPath = path.join(workDir, "known_hosts");
  fs.writeFileSync(knownHostsPath, knownHostsLine("127.0.0.1", port, hostKey));
  info = { ...shared, container, port, hostKey, knownHostsPath };
  await until(
    "ssh into the private sandbox",
    30_000,
    () => spawnSync("ssh", [...sshArgs(info), "true"]).status === 0,
  );
  connection = {
    host: info.host,
    port: info.port,
    user: info.user,
    hostKey: info.hostKey,
    privateKey: privateKey(info),
  };
  t = await testStack("e2e-host-maintenance", program());
});

afterAll(async () => {
  t?.dispose();
  spawnSync("docker", ["rm", "-f", container]);
  spawnSync("docker", ["network", "rm", container]);
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test("1. up converges the dev host components; every timer is enabled, active and listed by systemctl list-timers", async () => {
  const up = await t.stack.up({ onOutput: t.onOutput });
  expect(up.summary.result).toBe("succeeded");
  for (const f of files) {
    expect(inContainer(`sha256sum ${f.path} | cut -d' ' -f1; stat -c %a ${f.path}`).split("\n")).toEqual([
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
  const listed = inContainer(
    "systemctl list-timers --all --no-legend --plain | awk '{for (i = 1; i <= NF; i++) if ($i ~ /\\.timer$/) print $i}' | sort",
  );
  expect(listed.split("\n")).toEqual(expect.arrayContaining(timers));
  for (const timer of timers) {
    expect(inContainer(`systemctl is-enabled ${timer}; systemctl is-active ${timer}`)).toBe(
      "enabled\nactive",
    );
  }
});

test("2. the placed units really run: heartbeat logs ok, log cleanup and incident capture succeed", async () => {
  inContainer(
    "systemctl start heartbeat-log.service cleanup-smart-logs.service skriptoteket-incident-capture.service",
  );
  // journald may store the line a moment after the oneshot finished.
  await until(
    "the heartbeat line",
    10_000,
    () => inContainer("journalctl -t heartbeat --no-pager -o cat | tail -n 1") === "ok",
  );
  for (const unit of [
    "heartbeat-log.service",
    "cleanup-smart-logs.service",
    "skriptoteket-incident-capture.service",
  ]) {
    expect(inContainer(`systemctl show -p Result --value ${unit}`)).toBe("success");
  }
  // The timer itself may have captured too (every 5 minutes).
  expect(Number(inContainer("ls /root/logs | grep -c '^incident-.*\\.log$'"))).toBeGreaterThanOrEqual(1);
  expect(inContainer("ls -A /root/logs | grep -c '\\.tmp$' || true")).toBe("0");
});

test("3. a second preview with refresh changes nothing", async () => {
  const again = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
  expect(Object.keys(again.changeSummary)).toEqual(["same"]);
});

test("4. a hand edit of any unit file is reported by a refreshing preview, and up repairs it", async () => {
  inContainer(unitFiles.map((f) => `echo '# edited by hand' >> ${f.path}`).join("\n"));
  const drift = await t.stack.preview({ refresh: true, diff: true, onOutput: t.onOutput });
  expect(drift.changeSummary.update).toBe(unitFiles.length);
  const shown = t.output.join("");
  for (const f of unitFiles) expect(shown).toContain(path.basename(f.path));
  // Like the drift run's repair: refresh reads the edited files, then up writes them back.
  const fix = await t.stack.up({ refresh: true, onOutput: t.onOutput });
  expect(fix.summary.result).toBe("succeeded");
  expect(inContainer(`grep -l 'edited by hand' ${unitFiles.map((f) => f.path).join(" ")} || true`)).toBe("");
  const clean = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
  expect(Object.keys(clean.changeSummary)).toEqual(["same"]);
});

test("5. destroy removes every placed file and disables the timers", async () => {
  const down = await t.stack.destroy({ onOutput: t.onOutput });
  expect(down.summary.result).toBe("succeeded");
  expect(inContainer(files.map((f) => `test -e ${f.path} && echo ${f.path}`).join("\n") + "\ntrue")).toBe("");
  expect(inContainer("systemctl list-timers --all --no-legend --plain | grep -c heartbeat-log || true")).toBe(
    "0",
  );
});
