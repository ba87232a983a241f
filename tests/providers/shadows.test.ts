import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseShadows, shadowCheckProblem, shadowScript, type ShadowCheck } from "../../providers/shadows";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-shadows-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function put(p: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
  fs.writeFileSync(path.join(root, p), content);
}

/** Runs the read script on the tree under `root` and parses it as the provider does. */
function shadowsOf(managed: string, check: ShadowCheck): string[] {
  const script = ["set -uo pipefail", ...shadowScript(path.join(root, managed), check, root), ""].join("\n");
  const res = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  expect(res.stderr).toBe("");
  expect(res.status).toBe(0);
  return parseShadows(managed, check, res.stdout.split(root).join(""));
}

describe("sshd: another drop-in setting one of our keywords to another value", () => {
  const check: ShadowCheck = {
    kind: "sshd",
    settings: { PasswordAuthentication: "no", PermitRootLogin: "no", AllowUsers: "paunchygent" },
  };
  const ours = "/etc/ssh/sshd_config.d/99-hardening.conf";

  test("finds one that overrides, before or after ours, also inside a Match block; not one that agrees", () => {
    put(ours, "PasswordAuthentication no\nPermitRootLogin no\nAllowUsers paunchygent\n");
    put(
      "/etc/ssh/sshd_config.d/10-sandbox.conf",
      "# same values\npermitrootlogin  No\nPasswordAuthentication no\n",
    );
    put("/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n");
    put("/etc/ssh/sshd_config.d/zz-match.conf", "Match User deploy\n    AllowUsers deploy\n");
    put("/etc/ssh/sshd_config.d/60-other.conf", "LogLevel VERBOSE\n");
    put("/etc/ssh/sshd_config.d/70-not-included.txt", "PermitRootLogin yes\n");
    expect(shadowsOf(ours, check)).toEqual([
      "/etc/ssh/sshd_config.d/50-cloud-init.conf",
      "/etc/ssh/sshd_config.d/zz-match.conf",
    ]);
  });

  test("none when only ours sets them", () => {
    put(ours, "PasswordAuthentication no\n");
    expect(shadowsOf(ours, check)).toEqual([]);
  });
});

describe("sysctl: a file applied after ours that sets one of our keys to another value", () => {
  const check: ShadowCheck = {
    kind: "sysctl",
    settings: { "kernel.panic": "10", "kernel.panic_on_oops": "1" },
  };
  const ours = "/etc/sysctl.d/99-crash-capture.conf";

  test("later files count, in any sysctl.d directory and /etc/sysctl.conf; earlier ones and equal values do not", () => {
    put(ours, "kernel.panic = 10\nkernel.panic_on_oops = 1\n");
    put("/etc/sysctl.d/10-early.conf", "kernel.panic = 0\n");
    put("/run/sysctl.d/99-zz-runtime.conf", "-kernel/panic_on_oops=0\n");
    put("/usr/lib/sysctl.d/99-zzz-vendor.conf", "kernel.panic = 10\n");
    put("/etc/sysctl.d/99-zzzz.conf", "# kernel.panic = 3\nvm.swappiness = 10\n");
    put("/etc/sysctl.conf", "kernel.panic=1\n");
    expect(shadowsOf(ours, check)).toEqual(["/etc/sysctl.conf", "/run/sysctl.d/99-zz-runtime.conf"]);
  });

  test("a file of our name in a directory read first replaces ours whole", () => {
    put("/run/sysctl.d/99-crash-capture.conf", "kernel.panic = 5\n");
    const managed = "/usr/lib/sysctl.d/99-crash-capture.conf";
    put(managed, "kernel.panic = 10\n");
    expect(shadowsOf(managed, check)).toEqual(["/run/sysctl.d/99-crash-capture.conf"]);
  });
});

describe("nginx-vhost: a per-host file for a served name", () => {
  test("vhost.d/<host> and <host>_location files of served names and default_location count, not other names", () => {
    const ours = "/srv/vhost.d/default";
    put(ours, "# ours\n");
    put("/srv/vhost.d/global-hardening.conf", "# ours too\n");
    put("/srv/vhost.d/app.example.org", "return 200;\n");
    put("/srv/vhost.d/app.example.org_location", "deny all;\n");
    put("/srv/vhost.d/default_location", "allow all;\n");
    put("/srv/vhost.d/other.example.org", "return 200;\n");
    expect(
      shadowsOf(ours, { kind: "nginx-vhost", hosts: ["app.example.org", "grafana.example.org"] }),
    ).toEqual([
      "/srv/vhost.d/app.example.org",
      "/srv/vhost.d/app.example.org_location",
      "/srv/vhost.d/default_location",
    ]);
  });
});

describe("shadowCheckProblem", () => {
  test.each<[unknown, string | undefined]>([
    [undefined, undefined],
    [{ kind: "sshd", settings: { PermitRootLogin: "no" } }, undefined],
    [{ kind: "sysctl", settings: { "kernel.panic": "10" } }, undefined],
    [{ kind: "nginx-vhost", hosts: ["a.example.org"] }, undefined],
    [{ kind: "sshd", settings: { "Permit Root": "no" } }, 'shadows: "Permit Root" is not a sshd key'],
    [{ kind: "nginx-vhost", hosts: ["a b"] }, 'shadows: "a b" is not a host name'],
    [
      { kind: "apache" },
      'shadows must be {kind: "sshd"|"sysctl", settings} or {kind: "nginx-vhost", hosts}, got {"kind":"apache"}',
    ],
  ])("%j", (check, problem) => {
    expect(shadowCheckProblem(check)).toBe(problem);
  });
});
