/** The UFW rule set as data, its diff, and the commands that converge a host, run by the real ufw. */
import { execFileSync } from "child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { edgeSchema } from "../../../config/schema/edge";
import {
  diffUfwRules,
  parseUfwShowAdded,
  renderUfwRules,
  ufwApplyCommands,
  ufwRuleArgs,
} from "../../../render/edge/ufw-rules";

const prodFirewall = { ...edgeSchema.parse({}).firewall, denyFrom: ["206.189.22.108"] };
const desired = renderUfwRules(prodFirewall);

test("the rule set of spec §7.2 as resolved in decision 0064", () => {
  expect(desired).toEqual([
    "deny from 206.189.22.108",
    "allow 80/tcp",
    "allow 443/tcp",
    "allow in on tailscale0 to any port 22 proto tcp",
    "allow from 192.168.0.0/24 to any port 22 proto tcp",
    "allow from 172.16.0.0/12 to any port 8082 proto tcp comment 'LLM server for Docker'",
  ]);
});

test("a rule listed twice is an error", () => {
  expect(() => renderUfwRules({ ...prodFirewall, extraRules: ["allow 80/tcp"] })).toThrow(
    "'allow 80/tcp' is listed twice",
  );
});

test("parseUfwShowAdded reads rules and the empty case", () => {
  expect(parseUfwShowAdded("Added user rules (see 'ufw status' for running firewall):\n(None)\n")).toEqual(
    [],
  );
  expect(
    parseUfwShowAdded(
      "Added user rules (see 'ufw status' for running firewall):\nufw allow 80/tcp\nufw deny from 1.2.3.4\n",
    ),
  ).toEqual(["allow 80/tcp", "deny from 1.2.3.4"]);
});

test("diffUfwRules names missing and hand-added rules and wrong order", () => {
  expect(diffUfwRules(["allow 80/tcp", "allow 3306/tcp"], ["allow 80/tcp", "allow 443/tcp"])).toEqual({
    missing: ["allow 443/tcp"],
    extra: ["allow 3306/tcp"],
    sameOrder: true,
  });
  expect(
    diffUfwRules(["allow 80/tcp", "deny from 1.2.3.4"], ["deny from 1.2.3.4", "allow 80/tcp"]).sameOrder,
  ).toBe(false);
  expect(diffUfwRules(desired, desired)).toEqual({ missing: [], extra: [], sameOrder: true });
});

test("ufwRuleArgs keeps a comment as one argument", () => {
  expect(
    ufwRuleArgs("allow from 172.16.0.0/12 to any port 8082 proto tcp comment 'LLM server for Docker'"),
  ).toEqual([
    "allow",
    "from",
    "172.16.0.0/12",
    "to",
    "any",
    "port",
    "8082",
    "proto",
    "tcp",
    "comment",
    "LLM server for Docker",
  ]);
});

test("nothing to do when the host already matches", () => {
  expect(ufwApplyCommands(desired, desired)).toEqual([]);
});

test("missing rules are added before unwanted ones are deleted, so SSH stays allowed throughout", () => {
  const live = ["allow 22/tcp", "allow 80/tcp", "allow 443/tcp"];
  const cmds = ufwApplyCommands(live, desired);
  const firstDelete = cmds.findIndex((c) => c[0] === "delete");
  const lastAdd = cmds.map((c) => c[0] !== "delete").lastIndexOf(true);
  expect(cmds[firstDelete]).toEqual(["delete", "allow", "22/tcp"]);
  expect(lastAdd).toBeLessThan(firstDelete);
});

describe("with the real ufw on a private root (never the machine's firewall)", () => {
  let root: string;
  const machineRules = () =>
    ["/etc/ufw/user.rules", "/etc/ufw/user6.rules"].map((f) => readFileSync(f, "utf8"));
  let before: string[];
  beforeAll(() => (before = machineRules()));
  afterAll(() => expect(machineRules()).toEqual(before));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "hemma-edge-ufw-"));
    mkdirSync(join(root, "etc/default"), { recursive: true });
    mkdirSync(join(root, "usr/share"), { recursive: true });
    mkdirSync(join(root, "lib"), { recursive: true });
    cpSync("/lib/ufw", join(root, "lib/ufw"), { recursive: true });
    cpSync("/etc/ufw", join(root, "etc/ufw"), { recursive: true });
    cpSync("/etc/default/ufw", join(root, "etc/default/ufw"));
    if (existsSync("/usr/share/ufw"))
      cpSync("/usr/share/ufw", join(root, "usr/share/ufw"), { recursive: true });
    // The copy starts with no user rules and the firewall disabled, so ufw only edits files here.
    expect(ufw(["show", "added"])).toContain("(None)");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function ufw(args: string[]): string {
    // --datadir moves /etc (user rules, defaults); --rootdir moves /lib/ufw and /usr/share/ufw.
    return execFileSync("ufw", [`--rootdir=${root}`, `--datadir=${root}`, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  }
  function live(): string[] {
    return parseUfwShowAdded(ufw(["show", "added"]));
  }
  function converge(): void {
    for (const cmd of ufwApplyCommands(live(), desired)) ufw(cmd);
  }

  test("from an empty firewall, the commands produce exactly the rendered rules, as ufw prints them", () => {
    converge();
    expect(live()).toEqual(desired);
    expect(ufwApplyCommands(live(), desired)).toEqual([]);
  });

  test("hand-added rules, Calico leftovers, the WAN SSH rule and a deny behind the allows are all put right", () => {
    for (const rule of [
      "allow 80/tcp",
      "allow 22/tcp",
      "allow in on vxlan.calico",
      "allow in on cali+",
      "allow from 172.16.0.0/12 to any port 8082 proto tcp comment 'LLM server for Docker'",
      "deny from 206.189.22.108",
      "allow 3306/tcp",
    ]) {
      ufw(ufwRuleArgs(rule));
    }
    expect(diffUfwRules(live(), desired)).toEqual({
      missing: [
        "allow 443/tcp",
        "allow in on tailscale0 to any port 22 proto tcp",
        "allow from 192.168.0.0/24 to any port 22 proto tcp",
      ],
      extra: ["allow 22/tcp", "allow in on vxlan.calico", "allow in on cali+", "allow 3306/tcp"],
      sameOrder: false,
    });
    converge();
    expect(live()).toEqual(desired);
  });

  test("a rule added by hand after convergence shows as drift", () => {
    converge();
    ufw(["allow", "5432/tcp"]);
    expect(diffUfwRules(live(), desired).extra).toEqual(["allow 5432/tcp"]);
  });
});
