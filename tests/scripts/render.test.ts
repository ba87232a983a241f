/** `npm run render`: the real CLI over the committed stack files. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../scripts/render";
import { tempDir } from "./script-harness";
import { tsScriptArgs } from "../../scripts/ts-script";

const PROJECT = path.resolve(__dirname, "../..");

/**
 * Every unit, drop-in, script and host config file spec §5 and §6 name that is not marked
 * historical or retired, not a stock package unit, and not owned by the edge layer.
 */
const SPEC_FILES: readonly string[] = [
  // §5.1
  "/etc/systemd/system/skriptoteket-sandbox-snapshots-cleanup.service",
  "/etc/systemd/system/skriptoteket-sandbox-snapshots-cleanup.timer",
  "/etc/systemd/system/skriptoteket-login-events-cleanup.service",
  "/etc/systemd/system/skriptoteket-login-events-cleanup.timer",
  "/etc/systemd/system/skriptoteket-session-files-cleanup.service",
  "/etc/systemd/system/skriptoteket-session-files-cleanup.timer",
  // §5.2
  "/etc/systemd/system/skriptoteket-incident-capture.service",
  "/etc/systemd/system/skriptoteket-incident-capture.timer",
  "/etc/systemd/system/heartbeat-log.service",
  "/etc/systemd/system/heartbeat-log.timer",
  "/etc/systemd/system/cleanup-smart-logs.service",
  "/etc/systemd/system/cleanup-smart-logs.timer",
  "/etc/systemd/system/log-power-rails.service",
  "/etc/systemd/system/log-power-rails.timer",
  "/etc/systemd/system/amdgpu-release-watch.service",
  "/etc/systemd/system/amdgpu-release-watch.timer",
  // §5.3
  "/etc/systemd/system/sp5100-tco-watchdog.service",
  "/etc/systemd/system/health-watchdog.service",
  "/etc/systemd/system/health-watchdog.service.d/10-watchdog-order.conf",
  "/etc/systemd/system/kdump-tools-dump.service.d/05-watchdog-arm.conf",
  "/etc/systemd/system/kdump-tools-dump.service.d/10-sysrq-reboot.conf",
  "/etc/systemd/system/kdump-watchdog-arm.service",
  // §5.4
  "/etc/systemd/system/llama-server-rocm.service",
  "/etc/systemd/system/tabby.service",
  "/etc/systemd/system/rocm-perf.service",
  // §5.6
  "/usr/local/bin/health-watchdog.sh",
  "/usr/local/bin/skriptoteket-incident-capture.sh",
  "/usr/local/bin/cleanup-smart-logs.sh",
  "/usr/local/bin/log-power-rails.sh",
  "/usr/local/bin/amdgpu-release-watch.sh",
  "/usr/local/sbin/kdump-savecore-and-sysrq-reboot",
  "/usr/local/sbin/kdump-watchdog-arm",
  // §6
  "/etc/modprobe.d/sp5100_tco.conf",
  "/etc/systemd/system.conf.d/99-watchdog.conf",
  "/etc/default/grub.d/90-hemma-crash-capture.cfg",
  "/etc/default/grub.d/kdump-tools.cfg",
  "/etc/default/kdump-tools",
  "/etc/sysctl.d/99-crash-capture.conf",
  "/etc/initramfs-tools/hooks/zz-kdump-disable-watchdog",
  "/etc/initramfs-tools/hooks/zz-kdump-watchdog-hardening",
  "/etc/modprobe.d/netconsole.conf",
  "/etc/modules-load.d/netconsole.conf",
  "/etc/modules-load.d/pstore.conf",
  "/etc/modules-load.d/it87.conf",
  "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
  "/etc/netplan/01-netcfg.yaml",
  "/etc/default/cron",
  "/root/.tabby/config.toml",
];

/** Files the host layer adds beyond the spec (docs/decisions/0043, 0047). */
const ADDED_FILES = [
  "/usr/local/bin/skriptoteket-cli",
  "/usr/local/bin/hemma-db-backup.sh",
  "/etc/systemd/system/hemma-db-backup.service",
  "/etc/systemd/system/hemma-db-backup.timer",
];

/** Runs the CLI in-process, capturing what it prints. */
function render(args: string[]) {
  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  const log = jest.spyOn(console, "log").mockImplementation((m: string) => void lines.out.push(m));
  const error = jest.spyOn(console, "error").mockImplementation((m: string) => void lines.err.push(m));
  const cwd = process.cwd();
  try {
    process.chdir(PROJECT);
    const status = main(args);
    return { status, stdout: lines.out.join("\n"), stderr: lines.err.join("\n") };
  } finally {
    process.chdir(cwd);
    log.mockRestore();
    error.mockRestore();
  }
}

/** Runs the real `scripts/render.ts` entry point as `npm run render` does. */
function renderCli(args: string[]) {
  const r = spawnSync(process.execPath, tsScriptArgs(path.join(PROJECT, "scripts/render.ts"), args), {
    cwd: PROJECT,
    encoding: "utf8",
    timeout: 60000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push("/" + path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

let out: string;
beforeAll(() => (out = tempDir("hemma-render-")));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe("npm run render", () => {
  it("renders every spec §5/§6 unit, script and host file for prod, with modes", () => {
    const dir = path.join(out, "prod");
    const r = renderCli(["prod", dir]);
    expect(r.status).toBe(0);
    const files = listFiles(dir);
    const hostFiles = files.filter((f) => SPEC_FILES.includes(f) || ADDED_FILES.includes(f));
    expect(hostFiles).toEqual([...SPEC_FILES, ...ADDED_FILES].sort());
    expect((fs.statSync(path.join(dir, "usr/local/bin/health-watchdog.sh")).mode & 0o777).toString(8)).toBe(
      "755",
    );
    expect((fs.statSync(path.join(dir, "etc/netplan/01-netcfg.yaml")).mode & 0o777).toString(8)).toBe("600");
    expect(r.stdout).toMatch(/\d+ file\(s\) written under /);
  });

  it("renders for dev exactly what the sandbox can run", () => {
    const dir = path.join(out, "dev");
    expect(render(["dev", dir]).status).toBe(0);
    const files = listFiles(dir).filter((f) => SPEC_FILES.includes(f) || ADDED_FILES.includes(f));
    expect(files).toEqual(
      [
        "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg",
        "/etc/default/cron",
        "/etc/modules-load.d/pstore.conf",
        "/etc/systemd/system/cleanup-smart-logs.service",
        "/etc/systemd/system/cleanup-smart-logs.timer",
        "/etc/systemd/system/heartbeat-log.service",
        "/etc/systemd/system/heartbeat-log.timer",
        "/etc/systemd/system/hemma-db-backup.service",
        "/etc/systemd/system/hemma-db-backup.timer",
        "/etc/systemd/system/skriptoteket-incident-capture.service",
        "/etc/systemd/system/skriptoteket-incident-capture.timer",
        "/etc/systemd/system/skriptoteket-login-events-cleanup.service",
        "/etc/systemd/system/skriptoteket-login-events-cleanup.timer",
        "/etc/systemd/system/skriptoteket-sandbox-snapshots-cleanup.service",
        "/etc/systemd/system/skriptoteket-sandbox-snapshots-cleanup.timer",
        "/etc/systemd/system/skriptoteket-session-files-cleanup.service",
        "/etc/systemd/system/skriptoteket-session-files-cleanup.timer",
        "/usr/local/bin/cleanup-smart-logs.sh",
        "/usr/local/bin/hemma-db-backup.sh",
        "/usr/local/bin/skriptoteket-cli",
        "/usr/local/bin/skriptoteket-incident-capture.sh",
      ].sort(),
    );
    // The sandbox's docker daemon is docker.service, its CLI /usr/bin/docker.
    expect(fs.readFileSync(path.join(dir, "etc/systemd/system/hemma-db-backup.service"), "utf8")).toContain(
      "Requires=docker.service\n",
    );
    expect(fs.readFileSync(path.join(dir, "usr/local/bin/skriptoteket-cli"), "utf8")).toContain(
      "SKRIPTOTEKET_DOCKER=${SKRIPTOTEKET_DOCKER:-/usr/bin/docker}",
    );
  });

  it("renders observability's config files: all five services' for prod, Prometheus's for dev", () => {
    const obs = (stack: string) =>
      listFiles(path.join(out, stack)).filter((f) =>
        f.startsWith("/home/paunchygent/infrastructure/observability/"),
      );
    const base = "/home/paunchygent/infrastructure/observability";
    const prometheus = [
      `${base}/prometheus/prometheus.yml`,
      `${base}/prometheus/rules/skriptoteket-alerts.yml`,
    ];
    expect(obs("dev")).toEqual(prometheus);
    expect(obs("prod")).toEqual(
      [
        ...prometheus,
        `${base}/loki/loki-config.yaml`,
        `${base}/promtail/promtail-config.yaml`,
        `${base}/grafana/provisioning/datasources/datasources.yaml`,
        `${base}/grafana/provisioning/dashboards/dashboards.yaml`,
        ...[
          "skriptoteket-http-metrics",
          "skriptoteket-nginx-proxy-security",
          "skriptoteket-session-files",
          "skriptoteket-user-activity",
        ].map((uid) => `${base}/grafana/provisioning/dashboards/${uid}.json`),
      ].sort(),
    );
    expect(fs.readFileSync(path.join(out, "dev", base, "prometheus/prometheus.yml"), "utf8")).toContain(
      "environment: dev\n",
    );
  });

  it("renders prod's edge files before its secrets are set, and names each file left out and why", () => {
    const dir = path.join(out, "prod-edge");
    const r = render(["prod", dir]);
    expect(r.status).toBe(0);
    const files = listFiles(dir);
    for (const f of [
      "/etc/ssh/sshd_config.d/99-hardening.conf",
      "/etc/fail2ban/jail.d/sshd.local",
      "/etc/fail2ban/jail.d/recidive.local",
      "/etc/fail2ban/jail.d/nginx-proxy-probe.local",
      "/etc/fail2ban/filter.d/nginx-proxy-probe.conf",
      "/home/paunchygent/infrastructure/nginx/vhost.d/default",
      "/home/paunchygent/infrastructure/nginx/vhost.d/global-hardening.conf",
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => f.includes("/htpasswd/"))).toEqual([]);
    const notes = r.stdout.split("\n").filter((l) => l.startsWith("note: "));
    expect(notes).toEqual([
      "note: left out /home/paunchygent/infrastructure/htpasswd/jaeger.hemma.hule.education: it holds the hash of the secret hemma:jaegerBasicAuthHash, and render writes no secret",
      "note: left out /home/paunchygent/infrastructure/htpasswd/prometheus.hemma.hule.education: it holds the hash of the secret hemma:prometheusBasicAuthHash, and render writes no secret",
    ]);
  });

  it("an invalid edge area leaves the edge files out and names its problem; the others still render", () => {
    const text = fs
      .readFileSync(path.join(PROJECT, "Pulumi.prod.yaml"), "utf8")
      .replace("  hemma:edge:\n", "  hemma:edge:\n    manage: { nginx: perhaps }\n");
    const file = path.join(out, "Pulumi.edge-broken.yaml");
    fs.writeFileSync(file, text);
    const dir = path.join(out, "edge-broken");
    const r = render(["prod", dir, "--file", file]);
    expect(r.status).toBe(0);
    expect(listFiles(dir)).toContain("/etc/sysctl.d/99-crash-capture.conf");
    expect(listFiles(dir)).not.toContain("/etc/ssh/sshd_config.d/99-hardening.conf");
    const notes = r.stdout.split("\n").filter((l) => l.startsWith("note: "));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^note: edge files skipped: hemma:edge or hemma:proxy is invalid \(1 problem; npm run validate -- prod\): hemma:edge\.manage\.nginx: /,
    );
  });

  it("names the bad key when the host config is invalid", () => {
    const text = fs
      .readFileSync(path.join(PROJECT, "Pulumi.dev.yaml"), "utf8")
      .replace("    watchdog:\n      enabled: false\n", "    watchdog:\n      enabled: maybe\n");
    const file = path.join(out, "Pulumi.broken.yaml");
    fs.writeFileSync(file, text);
    const r = render(["dev", path.join(out, "broken"), "--file", file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("hemma:host.watchdog.enabled");
    expect(fs.existsSync(path.join(out, "broken"))).toBe(false);
  });

  it("exits 2 on usage errors", () => {
    expect(render(["prod"]).status).toBe(2);
    expect(render(["prod", out, "--bogus"]).status).toBe(2);
    const help = render(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("exit codes:");
  });
});
