/**
 * UFW and fail2ban enforced on hemma in a box: the dev stack through the `pulumi` CLI on a
 * sandbox of this file's own, with a second network namespace standing in for hemma's LAN
 * (support/lan-namespace.ts: the sandbox is 192.168.0.9 on it, the neighbour 192.168.0.50).
 * Every claim is a real connection or a real ban:
 *
 * - up applies the rule set, the after.init hook and the jails; a second up changes nothing;
 *   a rule added or deleted with ufw, a jail stopped or switched off by hand is drift up repairs;
 * - from the LAN a port the rule set closes gets no connection, the open ones answer; of the
 *   ports the sandbox's Docker Engine publishes only nginx-proxy's answer, and no container's
 *   own address does (without the hook Prometheus's would, past UFW: decision 0067);
 * - failed SSH logins get the LAN banned by the sshd jail until its bantime ends; probes and
 *   failed basic auth get it banned by nginx-proxy-probe on every port, before Docker's DNAT;
 * - a UFW change and an sshd change that cut the program's own SSH are reverted by the host
 *   within the guard's timeout, up says so, and fail2ban never bans the program meanwhile.
 *
 * Tests run in order on one stack. The test adds short bantimes to the sandbox's overrides
 * file, so expiry takes seconds instead of prod's hour; everything else is Pulumi.dev.yaml.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { dockerIngressRules } from "../../render/edge/docker-ingress";
import { sshArgs } from "../../scripts/sandbox-spec";
import { attachLan, LAN, type LanNamespace } from "./support/lan-namespace";
import { startProjectStack, type ProjectStack, type Ran } from "./support/project-stack";
import { ROOT } from "./support/sandbox";

const STACK = "dev";
const APP = "skriptoteket.hemma.test";
const PROMETHEUS = "prometheus.hemma.test";
/** The tests' bantime for both jails (prod and dev: 1h). */
const BAN_SECONDS = 40;
/** dev's revert timeout (hemma:edge.revertTimeoutSeconds, the default). */
const REVERT_SECONDS = 90;
/** dev's rule set exactly as `ufw show added` prints it: prod's with the program's SSH on eth0, not tailscale0. */
const DEV_RULES = [
  "allow 80/tcp",
  "allow 443/tcp",
  "allow in on eth0 to any port 22 proto tcp",
  "allow from 192.168.0.0/24 to any port 22 proto tcp",
  "allow from 172.16.0.0/12 to any port 8082 proto tcp comment 'LLM server for Docker'",
];
const TEST_EDGE = { fail2ban: { sshdBanTime: `${BAN_SECONDS}s`, probeBanTime: `${BAN_SECONDS}s` } };

let s: ProjectStack;
let lan: LanNamespace;
let baseOverrides: { config: Record<string, unknown> };
/** The address the program's SSH comes from inside the sandbox: its Docker network's gateway. */
let programSource: string;
let intruderKey: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every second until it holds; throws naming `what` after `ms`. */
async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(1000);
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
}

/** Writes the sandbox's overrides plus `hemma:edge` = the tests' bantimes merged with `edge`. */
function setEdge(edge: Record<string, unknown> = {}): void {
  const doc = structuredClone(baseOverrides);
  doc.config["hemma:edge"] = { ...TEST_EDGE, ...edge };
  fs.writeFileSync(s.overridesFile, stringify(doc), { mode: 0o600 });
}

/** `pulumi up --refresh` as the README tells users; fails the test with the CLI's output otherwise. */
function up(): string {
  const r = s.pulumi(["up", "--stack", STACK, "--yes", "--refresh", "--skip-preview"]);
  if (r.code !== 0)
    throw new Error(`pulumi up failed (exit ${r.code}):\n${r.stdout.slice(-6000)}\n${r.stderr}`);
  return r.stdout;
}

/** The same `up`, run in the background while the test watches the host. */
function upInBackground(): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(
      "pulumi",
      [
        "up",
        "--stack",
        STACK,
        "--yes",
        "--refresh",
        "--skip-preview",
        "--non-interactive",
        "--color",
        "never",
      ],
      {
        cwd: ROOT,
        env: s.env,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A refreshing preview that must find nothing to do. */
function expectNoChanges(): void {
  const r = s.pulumi(["preview", "--stack", STACK, "--refresh", "--expect-no-changes"]);
  expect([r.code, r.stderr]).toEqual([0, ""]);
}

/** The live UFW user rules, without `ufw `. */
function liveRules(): string[] {
  return s
    .shOk("ufw show added")
    .split("\n")
    .filter((l) => l.startsWith("ufw "))
    .map((l) => l.slice(4));
}

/** Addresses `jail` bans now. */
function banned(jail: string): string[] {
  return s.shOk(`fail2ban-client get ${jail} banip`).split(/\s+/).filter(Boolean);
}

/** Jails fail2ban runs now. */
function runningJails(): string {
  return s.shOk("fail2ban-client status | sed -n 's/.*Jail list:[[:space:]]*//p'");
}

/**
 * Seconds between fail2ban's `Ban` and `Unban` of the LAN neighbour by `jail`, from its log.
 * fail2ban counts the bantime from the last failure's own timestamp (whole seconds in nginx's
 * log), a moment before it logs the `Ban`, so this is up to about a second under the bantime.
 */
function banLasted(jail: string): number {
  const at = (what: string) => {
    const line = s.shOk(`grep -F '[${jail}] ${what} ${LAN.neighbour}' /var/log/fail2ban.log | tail -n 1`);
    // "2026-12-01 16:12:38,589 fail2ban.actions …": milliseconds too, the bantime is whole seconds.
    return Date.parse(line.slice(0, 23).replace(" ", "T").replace(",", "."));
  };
  return (at("Unban") - at("Ban")) / 1000;
}

/** The program's own SSH path: a fresh OpenSSH login through the loopback-published port. */
function programLogin(): number {
  return spawnSync("ssh", [...sshArgs(s.info), "true"], { timeout: 60_000 }).status ?? -1;
}

/** HTTPS from the LAN to `host` on the sandbox's LAN address; curl's `%{http_code}` ("000" when nothing came back). */
function lanHttps(host: string, pathAndQuery: string, extra = ""): string {
  return lan
    .sh(
      `curl -sk -o /dev/null -w '%{http_code}' --max-time 5 ${extra} --resolve ${host}:443:${LAN.host} https://${host}${pathAndQuery}`,
    )
    .stdout.trim();
}

/** HTTPS to the app the way the program and the developer reach it: the sandbox's loopback-published port. */
function programHttps(): string {
  const port = s.info.httpsPort;
  const r = spawnSync(
    "curl",
    [
      "-sk",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--max-time",
      "10",
      "--resolve",
      `${APP}:${port}:127.0.0.1`,
      `https://${APP}:${port}/`,
    ],
    { encoding: "utf8" },
  );
  return r.stdout.trim();
}

/** One SSH login attempt from the LAN as a user that does not exist, with a key nobody knows. */
function lanFailedLogin(): void {
  lan.sh(
    `ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 ` +
      `-o LogLevel=ERROR -i ${intruderKey} intruder@${LAN.host} true`,
    30_000,
  );
}

/** How many failures of the LAN neighbour `jail` has found (fail2ban's `Found` log lines). */
function failuresFound(jail: string): number {
  return Number(s.shOk(`grep -cF '[${jail}] Found ${LAN.neighbour}' /var/log/fail2ban.log || true`));
}

/** A `Ban` line of `jail` for the LAN neighbour is in fail2ban's log. */
function banLogged(jail: string): boolean {
  return s.sh(`grep -qF '[${jail}] Ban ${LAN.neighbour}' /var/log/fail2ban.log`).code === 0;
}

beforeAll(() => {
  s = startProjectStack("fw");
  baseOverrides = parse(fs.readFileSync(s.overridesFile, "utf8")) as { config: Record<string, unknown> };
  setEdge();
  lan = attachLan(s.info.container);
  programSource = spawnSync(
    "docker",
    ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}", s.info.container],
    {
      encoding: "utf8",
    },
  ).stdout.trim();
  intruderKey = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hemma-fw-intruder-")), "id_ed25519");
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", intruderKey]);
}, 900_000);

afterAll(() => {
  lan?.remove();
  s?.remove();
  if (intruderKey) fs.rmSync(path.dirname(intruderKey), { recursive: true, force: true });
});

test("1. up applies the rule set, the Docker hook and the jails to the sandbox; a second up changes nothing", () => {
  expect(up()).toMatch(/Resources:\n\s+\+ \d+ created/);
  expect(liveRules()).toEqual(DEV_RULES);
  expect(s.shOk("ufw status verbose | sed -n '1p;3p'").split("\n")).toEqual([
    "Status: active",
    "Default: deny (incoming), allow (outgoing), deny (routed)",
  ]);
  expect(s.shOk("iptables -S DOCKER-USER").split("\n")).toEqual([
    "-N DOCKER-USER",
    ...dockerIngressRules("published-ports"),
  ]);
  expect(runningJails()).toBe("nginx-proxy-probe, recidive, sshd");
  // The probe jail follows the proxy's log, which did not exist when fail2ban first started.
  const proxyLog = s.shOk("docker inspect -f '{{.LogPath}}' nginx-proxy");
  expect(s.shOk("fail2ban-client get nginx-proxy-probe logpath")).toContain(proxyLog);
  // dev bans private addresses (the LAN stand-in) but never the Docker networks the program comes from.
  for (const jail of ["sshd", "recidive", "nginx-proxy-probe"]) {
    expect(
      s.shOk(`fail2ban-client get ${jail} ignoreip | sed -n 's/^[|\`]- //p'`).split("\n").sort(),
    ).toEqual(["127.0.0.0/8", "172.16.0.0/12", "::1"]);
  }
  expect(programSource).toMatch(/^172\.(1[6-9]|2[0-9]|3[01])\./);
  expect(s.shOk(`fail2ban-client get sshd bantime`)).toBe(String(BAN_SECONDS));

  const again = up();
  expect(again).toMatch(/Resources:\n\s+\d+ unchanged\n\nDuration/);
  expect(s.shOk("systemctl list-timers --all --no-legend 'hemma-revert-*' | wc -l")).toBe("0");
});

test("2. from the LAN, a port the rule set closes gets no connection; SSH (break-glass), HTTP and HTTPS answer", async () => {
  // A stand-in for the LLM server on its port, on every address of the sandbox.
  s.shOk("systemd-run --unit=hemma-fw-llm python3 -m http.server 8082 --bind 0.0.0.0 --directory /tmp");
  await until(
    "the LLM stand-in",
    60_000,
    () => s.sh("curl -sf -o /dev/null http://127.0.0.1:8082/").code === 0,
  );
  expect(lan.tcp(LAN.host, 8082)).toBe("dropped");
  // Containers reach it through their bridge's gateway, as the rule's comment says.
  const gateway = s.shOk("docker network inspect hule-network -f '{{(index .IPAM.Config 0).Gateway}}'");
  expect(
    s.shOk(
      `docker run --rm --network hule-network hemma-dev/python-base:3.11-bookworm python3 -c ` +
        `"import urllib.request; print(urllib.request.urlopen('http://${gateway}:8082/', timeout=10).status)"`,
    ),
  ).toBe("200");

  expect(lan.sh(`timeout 5 bash -c 'exec 3<>/dev/tcp/${LAN.host}/22; head -c 8 <&3'`).stdout).toBe(
    "SSH-2.0-",
  );
  expect(
    lan.sh(`curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Host: ${APP}' http://${LAN.host}/`)
      .stdout,
  ).toBe("301");
  await until("HTTPS from the LAN to the app", 180_000, () => lanHttps(APP, "/") === "200");
  expect(programLogin()).toBe(0);
});

test("3. of the sandbox's published ports only nginx-proxy's answer the LAN; no container's own address does", () => {
  const published = s
    .shOk("docker ps --format '{{.Names}} {{.Ports}}'")
    .split("\n")
    .filter((l) => l.includes("->"))
    .sort();
  expect(published).toEqual([
    "nginx-proxy 0.0.0.0:80->80/tcp, 0.0.0.0:443->443/tcp",
    "prometheus 127.0.0.1:9091->9090/tcp",
  ]);
  expect(lan.tcp(LAN.host, 80)).toBe("open");
  expect(lan.tcp(LAN.host, 443)).toBe("open");
  expect(lan.tcp(LAN.host, 9091)).toBe("dropped");

  // A LAN neighbour that routes the Docker networks through hemma.
  expect(lan.sh(`ip route add 172.16.0.0/12 via ${LAN.host}`).code).toBe(0);
  const ip = (c: string) =>
    s.shOk(`docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${c}`);
  const prometheus = ip("prometheus");
  const proxy = ip("nginx-proxy");
  const postgres = ip("shared-postgres");
  expect([lan.tcp(prometheus, 9090), lan.tcp(proxy, 80), lan.tcp(postgres, 5432)]).toEqual([
    "dropped",
    "dropped",
    "dropped",
  ]);

  // Docker's rules alone (the hook's chain emptied) would let the LAN at Prometheus, published on
  // loopback only, past UFW; an unpublished port stays shut either way.
  s.shOk("/etc/ufw/after.init stop");
  try {
    expect(lan.sh(`curl -s --max-time 5 http://${prometheus}:9090/-/healthy`).stdout.trim()).toBe(
      "Prometheus Server is Healthy.",
    );
    expect(lan.tcp(proxy, 80)).toBe("open");
    expect(lan.tcp(postgres, 5432)).toBe("dropped");
  } finally {
    s.shOk("/etc/ufw/after.init start");
  }
  expect(lan.tcp(prometheus, 9090)).toBe("dropped");
  expect(lan.sh("ip route del 172.16.0.0/12").code).toBe(0);
});

test("4. failed SSH logins from the LAN get it banned by the sshd jail on port 22 until the bantime ends", async () => {
  let attempts = 0;
  while (!banLogged("sshd") && attempts < 20) {
    lanFailedLogin();
    attempts++;
  }
  await until("the sshd ban", 30_000, () => banned("sshd").includes(LAN.neighbour));
  expect(banned("sshd")).toEqual([LAN.neighbour]);
  // maxretry 5: the jail counted five failures before it banned.
  expect(failuresFound("sshd")).toBeGreaterThanOrEqual(5);
  expect(lan.tcp(LAN.host, 22)).toBe("refused");
  // Only SSH: the LAN still gets the web, and the program still gets in.
  expect(lanHttps(APP, "/")).toBe("200");
  expect(programLogin()).toBe(0);

  await until(
    "the sshd ban to expire",
    (BAN_SECONDS + 60) * 1000,
    () => !banned("sshd").includes(LAN.neighbour),
  );
  const lasted = banLasted("sshd");
  expect(lasted).toBeGreaterThan(BAN_SECONDS - 2);
  expect(lasted).toBeLessThan(BAN_SECONDS + 15);
  expect(lan.tcp(LAN.host, 22)).toBe("open");
});

test("5. probes and failed basic auth from the LAN get it banned by nginx-proxy-probe on every port, before Docker's DNAT", async () => {
  // 444 (the connection closed: curl's 000) for a probe, 401 from nginx for a wrong password.
  const request = (i: number) =>
    i % 2 === 0 ? lanHttps(APP, "/.env") : lanHttps(PROMETHEUS, "/", "-u admin:wrong");
  const answers = [];
  for (let i = 0; i < 9; i++) answers.push(request(i));
  expect(answers).toEqual(["000", "401", "000", "401", "000", "401", "000", "401", "000"]);
  // Nine are below maxretry (10): read, counted, nobody banned.
  await until("fail2ban to count nine", 30_000, () => failuresFound("nginx-proxy-probe") === 9);
  expect(banned("nginx-proxy-probe")).toEqual([]);
  expect(request(9)).toBe("401");
  await until("the probe ban", 30_000, () => banned("nginx-proxy-probe").includes(LAN.neighbour));
  expect(s.shOk("nft list set inet f2b-edge addr-set-nginx-proxy-probe")).toContain(
    `elements = { ${LAN.neighbour} }`,
  );
  expect([lan.tcp(LAN.host, 443), lan.tcp(LAN.host, 80), lan.tcp(LAN.host, 22)]).toEqual([
    "dropped",
    "dropped",
    "dropped",
  ]);
  expect(programHttps()).toBe("200");
  expect(programLogin()).toBe(0);

  await until(
    "the probe ban to expire",
    (BAN_SECONDS + 60) * 1000,
    () => !banned("nginx-proxy-probe").includes(LAN.neighbour),
  );
  const lasted = banLasted("nginx-proxy-probe");
  expect(lasted).toBeGreaterThan(BAN_SECONDS - 2);
  expect(lasted).toBeLessThan(BAN_SECONDS + 15);
  expect(lanHttps(APP, "/")).toBe("200");
  // Two bans in the week: recidive (3) has not struck.
  expect(banned("recidive")).toEqual([]);
});

test("6. a rule added and a rule deleted with ufw are drift, and up puts the rule set back", () => {
  s.shOk("ufw allow 8082/tcp && ufw delete allow 80/tcp");
  expect(lan.tcp(LAN.host, 8082)).toBe("open");
  const d = s.drift();
  expect(d.code).toBe(2);
  expect(d.stdout).toMatch(/update urn:pulumi:dev::hemma::.*UfwRules::edge-firewall-rules: .*rules/);
  up();
  expect(liveRules()).toEqual(DEV_RULES);
  expect(lan.tcp(LAN.host, 8082)).toBe("dropped");
  expect(s.drift().code).toBe(0);
});

test("7. a jail stopped by hand, and a jail switched off in its file, are drift, and up runs them again", async () => {
  s.shOk("fail2ban-client stop sshd");
  expect(runningJails()).toBe("nginx-proxy-probe, recidive");
  let d = s.drift();
  expect(d.code).toBe(2);
  expect(d.stdout).toMatch(/update urn:pulumi:dev::hemma::.*Fail2banJails::edge-fail2ban-jails: running\n/);
  up();
  expect(await jailsOnceSettled("nginx-proxy-probe, recidive, sshd")).toBe(
    "nginx-proxy-probe, recidive, sshd",
  );

  s.shOk(
    "sed -i 's/^enabled = true$/enabled = false/' /etc/fail2ban/jail.d/recidive.local && systemctl restart fail2ban",
  );
  expect(await jailsOnceSettled("nginx-proxy-probe, sshd")).toBe("nginx-proxy-probe, sshd");
  d = s.drift();
  expect(d.code).toBe(2);
  expect(d.stdout).toMatch(
    /update urn:pulumi:dev::hemma::.*HostFile::edge-fail2ban-recidive-local: .*digest/,
  );
  up();
  expect(await jailsOnceSettled("nginx-proxy-probe, recidive, sshd")).toBe(
    "nginx-proxy-probe, recidive, sshd",
  );
  expect(s.shOk("grep '^enabled' /etc/fail2ban/jail.d/recidive.local")).toBe("enabled = true");
  expect(s.drift().code).toBe(0);
});

/**
 * The jails fail2ban runs, once it runs `expected` or after 120 s: `systemctl restart` returns
 * when the server process runs, before its socket answers and its jails have started. What it
 * answered last (or why it did not) otherwise.
 */
async function jailsOnceSettled(expected: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  let last = "";
  for (;;) {
    const r = s.sh("fail2ban-client status | sed -n 's/.*Jail list:[[:space:]]*//p'");
    last = r.code === 0 ? r.stdout.trim() : `exit ${r.code}: ${r.stderr.trim()}`;
    if (last === expected || Date.now() > deadline) return last;
    await sleep(1000);
  }
}

/**
 * Runs an `up` that is expected to lock the program out, watching `live` once a second: when the
 * host first shows `applied` and when it shows the previous state again.
 */
async function lockoutUp(live: () => string, applied: (v: string) => boolean, before: string) {
  const state: { done?: Ran } = {};
  void upInBackground().then((r) => (state.done = r));
  let appliedAt: number | undefined;
  let restoredAt: number | undefined;
  while (state.done === undefined) {
    const now = live();
    if (appliedAt === undefined && applied(now)) appliedAt = Date.now();
    if (appliedAt !== undefined && restoredAt === undefined && now === before) restoredAt = Date.now();
    await sleep(1000);
  }
  return { result: state.done, appliedAt, restoredAt };
}

test("8. a UFW change that cuts the program's SSH is reverted by the host within the timeout, and up says so", async () => {
  setEdge({ firewall: { sshInterface: "tailscale0" } });
  const before = liveRules().join("\n");
  const { result, appliedAt, restoredAt } = await lockoutUp(
    () => liveRules().join("\n"),
    (v) => v.includes("allow in on tailscale0 to any port 22 proto tcp") && !v.includes("on eth0"),
    before,
  );
  expect(result.code).not.toBe(0);
  expect(result.stdout).toContain(
    `the UFW rule set would have locked ${s.info.user}@127.0.0.1:${s.info.port} out (a fresh SSH login failed: Timed out while waiting for handshake). ` +
      `The host restored the previous files itself (revert unit hemma-revert-ufw after ${REVERT_SECONDS} s) and is reachable again`,
  );
  expect(appliedAt).toBeDefined();
  expect(restoredAt).toBeDefined();
  expect((restoredAt! - appliedAt!) / 1000).toBeLessThanOrEqual(REVERT_SECONDS + 5);
  expect(liveRules()).toEqual(DEV_RULES);
  expect(programLogin()).toBe(0);
  expect(s.shOk("journalctl -t hemma-revert --no-pager -o cat | tail -n 1")).toBe(
    `guard ufw: access was not confirmed within ${REVERT_SECONDS} s; previous files restored`,
  );

  setEdge();
  up();
  expectNoChanges();
});

test("9. an sshd change that refuses the program's login is reverted the same way, and fail2ban never bans the program for it", async () => {
  const dropIn = "/etc/ssh/sshd_config.d/99-hardening.conf";
  setEdge({ ssh: { allowUsers: ["root", `${s.info.user}@${LAN.subnet}`] } });
  const before = s.shOk(`cat ${dropIn}`);
  const ignoredBefore = Number(
    s.shOk(`grep -c '\\[sshd\\] Ignore ${programSource} by ip' /var/log/fail2ban.log || true`),
  );
  const { result, appliedAt, restoredAt } = await lockoutUp(
    () => s.shOk(`cat ${dropIn}`),
    (v) => v.includes(`AllowUsers root ${s.info.user}@${LAN.subnet}`),
    before,
  );
  expect(result.code).not.toBe(0);
  expect(result.stdout).toContain(
    `sshd hardening (${dropIn}) would have locked ${s.info.user}@127.0.0.1:${s.info.port} out (a fresh SSH login failed: the login of ${s.info.user} was refused). ` +
      `The host restored the previous files itself (revert unit hemma-revert-sshd after ${REVERT_SECONDS} s) and is reachable again`,
  );
  expect((restoredAt! - appliedAt!) / 1000).toBeLessThanOrEqual(REVERT_SECONDS + 5);
  expect(programLogin()).toBe(0);
  // sshd refused the program more often than the jail's maxretry; the jail saw each and let it be.
  const ignored =
    Number(s.shOk(`grep -c '\\[sshd\\] Ignore ${programSource} by ip' /var/log/fail2ban.log`)) -
    ignoredBefore;
  expect(ignored).toBeGreaterThanOrEqual(5);
  for (const jail of ["sshd", "recidive", "nginx-proxy-probe"])
    expect(banned(jail)).not.toContain(programSource);

  setEdge();
  up();
  expectNoChanges();
});
