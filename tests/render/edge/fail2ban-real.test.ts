/** The fail2ban jails and the nginx-proxy-probe filter, checked by fail2ban's own tools. */
import { execFileSync, spawnSync } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { renderFail2banFiles, renderProbeFilter } from "../../../render/edge/fail2ban";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hemma-edge-f2b-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One nginx-proxy access line as Docker's json-file driver stores it. */
function dockerLine(nginxLine: string, prefix = "nginx.1    | "): string {
  return JSON.stringify({
    log: `${prefix}${nginxLine}\n`,
    stream: "stdout",
    time: "2026-11-26T00:10:01.123456789Z",
  });
}

const T = "[26/Nov/2026:00:10:01 +0000]";
const MATCHING: Array<[string, string]> = [
  [
    "203.0.113.7",
    `skriptoteket.hule.education 203.0.113.7 - - ${T} "GET /.env HTTP/1.1" 444 0 "-" "Mozilla/5.0 (zgrab)" "-"`,
  ],
  ["203.0.113.7", `skriptoteket.hule.education 203.0.113.7 - - ${T} "PROPFIND / HTTP/1.1" 444 0 "-" "-" "-"`],
  [
    "198.51.100.9",
    `jaeger.hemma.hule.education 198.51.100.9 - admin ${T} "GET / HTTP/2.0" 401 179 "-" "curl/8.5.0" "-"`,
  ],
  [
    "198.51.100.9",
    `prometheus.hemma.hule.education 198.51.100.9 - a b c ${T} "GET /graph HTTP/2.0" 401 179 "-" "python-requests/2.31" "-"`,
  ],
  [
    "192.0.2.44",
    `grafana.hemma.hule.education 192.0.2.44 - - ${T} "GET /admin HTTP/1.1" 403 153 "https://x.example/" "Mozilla/5.0" "-"`,
  ],
  [
    "2001:db8::7",
    `skriptoteket.hule.education 2001:db8::7 - - ${T} "GET /wp-login.php HTTP/1.1" 444 0 "-" "Go-http-client/1.1" "-"`,
  ],
];
const NOT_MATCHING = [
  `skriptoteket.hule.education 203.0.113.8 - - ${T} "GET / HTTP/2.0" 200 5123 "-" "Mozilla/5.0" "172.18.0.5:8000"`,
  `skriptoteket.hule.education 203.0.113.8 - - ${T} "GET /missing HTTP/2.0" 404 22 "-" "Mozilla/5.0" "172.18.0.5:8000"`,
  `skriptoteket.hule.education 203.0.113.8 - - ${T} "GET / HTTP/1.1" 301 169 "-" "Mozilla/5.0" "-"`,
  // The app's own 401 (a logged-out browser) and 403 are not nginx's: upstream is set.
  `skriptoteket.hule.education 203.0.113.8 - - ${T} "GET /api/v1/me HTTP/2.0" 401 30 "-" "Mozilla/5.0" "172.18.0.5:8000"`,
  `skriptoteket.hule.education 203.0.113.8 - - ${T} "POST /api/v1/runs HTTP/2.0" 403 30 "-" "Mozilla/5.0" "172.18.0.5:8000"`,
  // 444 only as a byte count, or inside a client-controlled field (nginx escapes " as \\x22).
  `skriptoteket.hule.education 203.0.113.8 - - ${T} "GET /assets/a.js HTTP/2.0" 200 444 "-" "Mozilla/5.0" "172.18.0.5:8000"`,
  `skriptoteket.hule.education 203.0.113.9 - - ${T} "GET / HTTP/2.0" 200 17 "-" "x\\x22 444 0 \\x22-\\x22 \\x22-\\x22 \\x22-" "172.18.0.5:8000"`,
  `grafana.hemma.hule.education 203.0.113.8 - - ${T} "GET /api/health HTTP/1.1" 200 70 "-" "kube-probe" "172.18.0.9:3000"`,
];

test("fail2ban-regex: the filter matches nginx's own 444/401/403 lines and nothing else, and finds the client address", () => {
  const lines = [
    ...MATCHING.map(([, l]) => dockerLine(l)),
    ...NOT_MATCHING.map((l) => dockerLine(l)),
    // Without forego's prefix (nginx-proxy run without it) the address is still found.
    dockerLine(MATCHING[0]![1], ""),
    JSON.stringify({
      log: "nginx.1    | 2026/11/26 00:10:01 [notice] 1#1: signal process started\n",
      stream: "stderr",
      time: "2026-11-26T00:10:01Z",
    }),
  ];
  writeFileSync(join(dir, "json.log"), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "filter.conf"), renderProbeFilter());
  const out = execFileSync(
    "fail2ban-regex",
    ["--print-all-matched", "--print-all-missed", join(dir, "json.log"), join(dir, "filter.conf")],
    {
      encoding: "utf8",
    },
  );
  const matched = MATCHING.length + 1;
  expect(out).toContain(
    `Lines: ${lines.length} lines, 0 ignored, ${matched} matched, ${lines.length - matched} missed`,
  );
  const matchedBlock = out.slice(out.indexOf("Matched line(s):"), out.indexOf("Missed line(s):"));
  for (const l of NOT_MATCHING) expect(matchedBlock).not.toContain(JSON.stringify(l).slice(1, 60));

  const ips = execFileSync(
    "fail2ban-regex",
    ["-o", "<ip>", join(dir, "json.log"), join(dir, "filter.conf")],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n");
  expect(ips).toEqual([...MATCHING.map(([ip]) => ip), MATCHING[0]![0]]);
});

/** Renders the jails into a copy of the installed fail2ban config; returns its directory. */
function renderedConfig(withContainerLog = true): string {
  const conf = join(dir, "fail2ban");
  cpSync("/etc/fail2ban", conf, { recursive: true });
  const containers = join(dir, "containers");
  mkdirSync(join(containers, "abc"), { recursive: true });
  if (withContainerLog) writeFileSync(join(containers, "abc/abc-json.log"), "");
  for (const f of renderFail2banFiles({
    placeholderLog: join(dir, "placeholder.log"),
    dockerContainersDir: containers,
    ignorePrivateRanges: true,
    extraIgnoreIp: ["100.64.0.0/10", "10.0.0.0/8"],
    sshdMaxRetry: 5,
    sshdFindTime: "10m",
    sshdBanTime: "1h",
    probeMaxRetry: 10,
    probeFindTime: "10m",
    probeBanTime: "1h",
  })) {
    writeFileSync(
      f.path.startsWith("/etc/fail2ban") ? f.path.replace("/etc/fail2ban", conf) : f.path,
      f.content,
    );
  }
  return conf;
}

/** One action command of a jail from `fail2ban-client -d` (a Python repr), unescaped. */
function dumpedCommand(dump: string, jail: string, key: string): string {
  const line = dump.split("\n").find((l) => l.startsWith(`['multi-set', '${jail}', 'action', 'nftables',`));
  if (!line) throw new Error(`no nftables action for ${jail} in the dump`);
  const m = new RegExp(`\\['${key}', '((?:[^'\\\\]|\\\\.)*)'\\]`).exec(line);
  if (!m) throw new Error(`no ${key} for ${jail}`);
  return m[1]!.replace(/\\(.)/g, (_all, c: string) => (c === "n" ? "\n" : c));
}

test("fail2ban-client --test accepts the jails in a copy of the installed config; ignoreip and the ban action are as rendered", () => {
  const conf = renderedConfig();
  const containers = join(dir, "containers");
  const test = spawnSync("fail2ban-client", ["-c", conf, "--test"], { encoding: "utf8" });
  expect(test.stdout).toContain("OK: configuration test is successful");
  expect(test.status).toBe(0);

  const dump = execFileSync("fail2ban-client", ["-c", conf, "-d"], { encoding: "utf8" });
  for (const jail of ["sshd", "recidive", "nginx-proxy-probe"]) {
    expect(dump).toContain(
      `['set', '${jail}', 'addignoreip', '127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', '100.64.0.0/10']`,
    );
  }
  expect(dump).toContain("['set', 'nginx-proxy-probe', 'maxretry', 10]");
  expect(dump).toContain("['set', 'nginx-proxy-probe', 'findtime', '10m']");
  expect(dump).toContain("['set', 'recidive', 'bantime', '-1']");
  expect(dump).toContain(
    `['set', 'nginx-proxy-probe', 'addlogpath', '${containers}/abc/abc-json.log', 'head']`,
  );
  expect(dumpedCommand(dump, "nginx-proxy-probe", "actionstart")).toContain(
    "nft -- add chain inet f2b-edge f2b-chain \\{ type filter hook prerouting priority -150 \\; \\}",
  );
});

test("the configuration also passes before Docker wrote any container log (the placeholder log keeps fail2ban up)", () => {
  const conf = renderedConfig(false);
  const r = spawnSync("fail2ban-client", ["-c", conf, "--test"], { encoding: "utf8" });
  expect(r.stdout).toContain("OK: configuration test is successful");
  const dump = execFileSync("fail2ban-client", ["-c", conf, "-d"], { encoding: "utf8" });
  expect(dump).toContain(
    `['set', 'nginx-proxy-probe', 'addlogpath', '${join(dir, "placeholder.log")}', 'head']`,
  );
});

test("the kernel accepts the ban action fail2ban builds from the jail (run in a private network namespace)", () => {
  const probe = spawnSync("unshare", ["-n", "true"]);
  if (probe.status !== 0) throw new Error(`unshare -n is needed for this test: ${probe.stderr.toString()}`);
  const dump = execFileSync("fail2ban-client", ["-c", renderedConfig(), "-d"], { encoding: "utf8" });
  const fill = (cmd: string) =>
    cmd
      .replace(/<addr_set>/g, "addr-set-nginx-proxy-probe")
      .replace(/<addr_type>/g, "ipv4_addr")
      .replace(/<addr_family>/g, "ip")
      .replace(/<ip>/g, "203.0.113.7");
  const script = [
    "set -e",
    // Another jail's stock input-hook chain in fail2ban's default table coexists with ours.
    "nft add table inet f2b-table",
    "nft -- add chain inet f2b-table f2b-chain \\{ type filter hook input priority -1 \\; \\}",
    fill(dumpedCommand(dump, "nginx-proxy-probe", "actionstart")),
    fill(dumpedCommand(dump, "nginx-proxy-probe", "actionban")),
    "nft list table inet f2b-edge",
  ].join("\n");
  const r = spawnSync("unshare", ["-n", "sh", "-c", script], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("type filter hook prerouting priority mangle; policy accept;");
  expect(r.stdout).toContain("meta l4proto tcp ip saddr @addr-set-nginx-proxy-probe drop");
  expect(r.stdout).toContain("elements = { 203.0.113.7 }");
});
