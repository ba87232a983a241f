/** Pure rendering and config of the edge layer: exact contents, paths, modes and validation messages. */
import { execFileSync } from "child_process";
import { edgeSchema } from "../../../config/schema/edge";
import type { HemmaConfig } from "../../../config/schema";
import { renderEdge } from "../../../render/edge";
import { htpasswdHashScheme, renderHtpasswd, renderHtpasswdFile } from "../../../render/edge/htpasswd";
import { renderGlobalHardening, renderVhostDefault } from "../../../render/edge/nginx-hardening";
import { fail2banIgnoreIp, renderFail2banFiles } from "../../../render/edge/fail2ban";
import { allowUsersName, renderSshdHardening } from "../../../render/edge/sshd-hardening";

const edge = edgeSchema.parse({});

describe("hemma:edge defaults", () => {
  test("defaults follow the spec", () => {
    expect(edge.nginx.allowedMethods).toEqual(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
    expect(edge.nginx.hsts).toBe("max-age=31536000; includeSubDomains");
    expect(edge.ssh).toEqual({
      dropInPath: "/etc/ssh/sshd_config.d/99-hardening.conf",
      allowUsers: ["root", "paunchygent"],
      permitRootLogin: "prohibit-password",
      maxSessions: 32,
    });
    expect(edge.basicAuth.map((b) => b.vhost)).toEqual([
      "jaeger.hemma.hule.education",
      "prometheus.hemma.hule.education",
    ]);
    expect(edge.firewall.lanSubnet).toBe("192.168.0.0/24");
    expect(edge.firewall.containerIngress).toBe("published-ports");
    expect(edge.fail2ban).toEqual({
      dockerContainersDir: "/var/snap/docker/common/var-lib-docker/containers",
      ignorePrivateRanges: true,
      extraIgnoreIp: [],
      sshdMaxRetry: 5,
      sshdFindTime: "10m",
      sshdBanTime: "1h",
      probeMaxRetry: 10,
      probeFindTime: "10m",
      probeBanTime: "1h",
    });
    expect(edge.htpasswdGroup).toBe("101");
  });

  test("AllowUsers takes a login name or name@host, and a name@host entry counts for its name", () => {
    const allowUsers = ["root@192.168.0.0/24", "paunchygent", "ops@10.*", "ci@fd7a:115c:a1e0::/48"];
    expect(edgeSchema.parse({ ssh: { allowUsers } }).ssh.allowUsers).toEqual(allowUsers);
    expect(allowUsers.map(allowUsersName)).toEqual(["root", "paunchygent", "ops", "ci"]);
    expect(renderSshdHardening({ allowUsers, permitRootLogin: "no" })).toContain(
      "\nAllowUsers root@192.168.0.0/24 paunchygent ops@10.* ci@fd7a:115c:a1e0::/48\n",
    );
    expect(() => renderSshdHardening({ allowUsers: ["root@"], permitRootLogin: "no" })).toThrow(
      "sshd hardening: 'root@' is not a login name or name@host",
    );
  });

  test.each([
    [
      { nginx: { allowedMethods: ["get"] } },
      ["nginx", "allowedMethods", 0],
      "an upper-case HTTP method such as GET",
    ],
    [
      { nginx: { blockedPathPatterns: ['\\.env"'] } },
      ["nginx", "blockedPathPatterns", 0],
      "a regex without double quotes or newlines",
    ],
    [
      { nginx: { blockedPathPatterns: ["(unclosed"] } },
      ["nginx", "blockedPathPatterns", 0],
      "a valid regular expression",
    ],
    [
      { firewall: { lanSubnet: "192.168.0.0/33" } },
      ["firewall", "lanSubnet"],
      "an IPv4/IPv6 address or CIDR network such as 192.168.0.0/24",
    ],
    [
      { firewall: { extraRules: ["allow 22; rm -rf /"] } },
      ["firewall", "extraRules", 0],
      "a ufw rule as `ufw show added` prints it",
    ],
    [
      { fail2ban: { probeBanTime: "1 hour" } },
      ["fail2ban", "probeBanTime"],
      "a fail2ban duration such as 600, 10m, 1h, 7d, or -1 for forever",
    ],
    [{ ssh: { allowUsers: [] } }, ["ssh", "allowUsers"], "expected array to have >=1 items"],
    [
      { ssh: { allowUsers: ["root@host name"] } },
      ["ssh", "allowUsers", 0],
      "a login name (lower-case letters, digits, '_' or '-'), optionally @ an address, CIDR network or host pattern",
    ],
    [
      { firewall: { containerIngress: "open" } },
      ["firewall", "containerIngress"],
      'expected one of "published-ports"|"docker-default"',
    ],
    [
      { fail2ban: { sshdBanTime: "soon" } },
      ["fail2ban", "sshdBanTime"],
      "a fail2ban duration such as 600, 10m, 1h, 7d, or -1 for forever",
    ],
    [{ fail2ban: { ignorePrivateRanges: "no" } }, ["fail2ban", "ignorePrivateRanges"], "expected boolean"],
    [
      { ssh: { permitRootLogin: "yes" } },
      ["ssh", "permitRootLogin"],
      'expected one of "no"|"prohibit-password"|"forced-commands-only"',
    ],
    [{ sshd: {} }, [], 'Unrecognized key: "sshd"'],
  ])("%j is rejected at %j", (input, path, message) => {
    const r = edgeSchema.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path).toEqual(path);
    expect(issue.message.startsWith(message) || issue.message.includes(message)).toBe(true);
  });
});

describe("nginx snippets", () => {
  test("global-hardening.conf is exactly the method check and one 444 rule per pattern", () => {
    expect(
      renderGlobalHardening({
        allowedMethods: ["GET", "HEAD"],
        blockedPathPatterns: ["(^|/)\\.git", "\\.php$"],
      }),
    ).toBe(
      [
        "# Managed by hemma-infra (render/edge/nginx-hardening.ts); local edits are reverted.",
        "# Included through vhost.d/default inside every nginx-proxy server block. Probe traffic gets",
        "# 444: nginx closes the connection without sending a response.",
        "if ($request_method !~ ^(GET|HEAD)$) {",
        "    return 444;",
        "}",
        'if ($uri ~* "(^|/)\\.git") {',
        "    return 444;",
        "}",
        'if ($uri ~* "\\.php$") {',
        "    return 444;",
        "}",
        "",
      ].join("\n"),
    );
  });

  test("vhost.d/default includes the hardening from the container path and sets the five headers, always", () => {
    const text = renderVhostDefault({ ...edge.nginx, containerVhostDir: "/etc/nginx/vhost.d" });
    expect(text).toContain("include /etc/nginx/vhost.d/global-hardening.conf;\n");
    expect(text).toContain('    set $hemma_hsts "max-age=31536000; includeSubDomains";\n');
    expect(text.match(/^add_header .* always;$/gm)).toEqual([
      "add_header Strict-Transport-Security $hemma_hsts always;",
      'add_header X-Frame-Options "DENY" always;',
      'add_header X-Content-Type-Options "nosniff" always;',
      'add_header Referrer-Policy "strict-origin-when-cross-origin" always;',
      'add_header Permissions-Policy "geolocation=(), camera=(), microphone=()" always;',
    ]);
    expect(text).not.toMatch(/proxy_set_header/);
  });

  test.each([
    [{ allowedMethods: [], blockedPathPatterns: [] }, "allowedMethods must name at least one method"],
    [{ allowedMethods: ["GET;"], blockedPathPatterns: [] }, "method 'GET;' is not an upper-case HTTP method"],
    [{ allowedMethods: ["GET"], blockedPathPatterns: ['a"b'] }, "holds a double quote or newline"],
  ])("renderGlobalHardening refuses %j", (args, message) => {
    expect(() => renderGlobalHardening(args)).toThrow(message);
  });

  test("a header value that could break out of its quotes is refused", () => {
    expect(() =>
      renderVhostDefault({ ...edge.nginx, containerVhostDir: "/x", permissionsPolicy: 'a"; evil' }),
    ).toThrow("renderVhostDefault: permissionsPolicy");
  });
});

describe("htpasswd", () => {
  const password = "s3cret pass";
  const real = {
    apr1: execFileSync("openssl", ["passwd", "-apr1", password], { encoding: "utf8" }).trim(),
    "sha256-crypt": execFileSync("openssl", ["passwd", "-5", password], { encoding: "utf8" }).trim(),
    "sha512-crypt": execFileSync("openssl", ["passwd", "-6", password], { encoding: "utf8" }).trim(),
    bcrypt: execFileSync("htpasswd", ["-nbB", "u", password], { encoding: "utf8" }).trim().split(":")[1]!,
  };

  test.each(Object.entries(real))("a real %s hash is accepted", (scheme, hash) => {
    expect(htpasswdHashScheme(hash)).toBe(scheme);
  });

  test.each([
    ["a plain password", password],
    ["{SHA}", execFileSync("htpasswd", ["-nbs", "u", password], { encoding: "utf8" }).trim().split(":")[1]!],
    ["DES crypt", "abJnggxhB/yWI"],
    ["an empty value", ""],
    ["a hash with a newline", `${real.apr1}\nroot:x`],
  ])("%s is refused, and the error does not echo it", (_label, value) => {
    let message = "";
    try {
      renderHtpasswd([{ user: "admin", hash: value, source: "hemma:jaegerBasicAuthHash" }]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      "hemma:jaegerBasicAuthHash: not a password hash nginx accepts (value not shown)",
    );
    if (value !== "") expect(message).not.toContain(value);
  });

  test("the file: one user:hash line each, root:<group> 0640 at <dir>/<vhost>", () => {
    expect(
      renderHtpasswdFile({
        hostHtpasswdDir: "/home/paunchygent/infrastructure/htpasswd",
        vhost: "jaeger.hemma.hule.education",
        entries: [{ user: "admin", hash: real.apr1, source: "k" }],
        group: "101",
      }),
    ).toEqual({
      path: "/home/paunchygent/infrastructure/htpasswd/jaeger.hemma.hule.education",
      content: `admin:${real.apr1}\n`,
      mode: "0640",
      owner: "root",
      group: "101",
      kind: "config",
    });
  });

  test("a user listed twice is refused", () => {
    expect(() =>
      renderHtpasswd([
        { user: "admin", hash: real.apr1, source: "k" },
        { user: "admin", hash: real.bcrypt, source: "k" },
      ]),
    ).toThrow("user 'admin' appears twice");
  });
});

test("fail2ban ignoreip holds loopback and the private ranges, extras after, no repeats", () => {
  expect(fail2banIgnoreIp(["100.64.0.0/10", "192.168.0.0/16"], true)).toBe(
    "127.0.0.0/8 ::1 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7 100.64.0.0/10",
  );
});

test("without ignorePrivateRanges, ignoreip is loopback and the extras only", () => {
  expect(fail2banIgnoreIp(["172.16.0.0/12"], false)).toBe("127.0.0.0/8 ::1 172.16.0.0/12");
});

test("the sshd jail takes its limits and ignoreip from config; every jail gets the same ignoreip", () => {
  const files = renderFail2banFiles({
    ...edgeSchema.parse({
      fail2ban: { ignorePrivateRanges: false, extraIgnoreIp: ["172.16.0.0/12"], sshdBanTime: "45s" },
    }).fail2ban,
  });
  expect(files.find((f) => f.path === "/etc/fail2ban/jail.d/sshd.local")!.content).toBe(
    [
      "# Managed by hemma-infra (render/edge/fail2ban.ts); local edits are reverted.",
      "[sshd]",
      "enabled = true",
      "backend = systemd",
      "maxretry = 5",
      "findtime = 10m",
      "bantime = 45s",
      "ignoreip = 127.0.0.0/8 ::1 172.16.0.0/12",
      "",
    ].join("\n"),
  );
  for (const f of files.filter((f) => f.path.startsWith("/etc/fail2ban/jail.d/")))
    expect(f.content).toContain("\nignoreip = 127.0.0.0/8 ::1 172.16.0.0/12\n");
});

test("renderEdge places every non-secret edge file at its host path with its mode", () => {
  const config = { edge, proxy: { vhostDir: "/srv/vhost.d" } } as unknown as HemmaConfig;
  expect(renderEdge(config).map((f) => [f.path, f.mode, f.kind])).toEqual([
    ["/srv/vhost.d/global-hardening.conf", "0644", "config"],
    ["/srv/vhost.d/default", "0644", "config"],
    ["/etc/ssh/sshd_config.d/99-hardening.conf", "0644", "config"],
    ["/etc/ufw/after.init", "0750", "script"],
    ["/etc/fail2ban/jail.d/sshd.local", "0644", "config"],
    ["/etc/fail2ban/jail.d/recidive.local", "0644", "config"],
    ["/etc/fail2ban/jail.d/nginx-proxy-probe.local", "0644", "config"],
    ["/etc/fail2ban/filter.d/nginx-proxy-probe.conf", "0644", "config"],
    ["/var/log/hemma/nginx-proxy-probe.placeholder.log", "0644", "config"],
  ]);
});

test("renderEdge leaves out what hemma:edge.manage turns off", () => {
  const off = edgeSchema.parse({ manage: { nginx: false, fail2ban: false, firewall: false } });
  const config = { edge: off, proxy: { vhostDir: "/srv/vhost.d" } } as unknown as HemmaConfig;
  expect(renderEdge(config).map((f) => f.path)).toEqual(["/etc/ssh/sshd_config.d/99-hardening.conf"]);
});
