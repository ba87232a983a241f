/**
 * ufw's `after.init` hook run with the real iptables in a private network namespace (never this
 * machine's firewall): the exact DOCKER-USER rules, idempotent as ufw's reload needs, FORWARD
 * jumping there once, and `stop` leaving the chain empty.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { dockerIngressRules, renderDockerIngressHook } from "../../../render/edge/docker-ingress";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hemma-edge-ingress-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `script` with the hook at `$hook` in a fresh network namespace; returns stdout. */
function inNamespace(ingress: "published-ports" | "docker-default", script: string): string {
  const hook = join(dir, "after.init");
  writeFileSync(hook, renderDockerIngressHook(ingress).content, { mode: 0o750 });
  const r = spawnSync("unshare", ["-n", "sh", "-c", `set -e\nhook=${hook}\n${script}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

test("the rules: replies, the Docker bridges and Docker's DNAT pass, anything else routed to a container is dropped", () => {
  expect(dockerIngressRules("published-ports")).toEqual([
    "-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
    "-A DOCKER-USER -i docker0 -j RETURN",
    "-A DOCKER-USER -i br-+ -j RETURN",
    "-A DOCKER-USER -m conntrack --ctstate DNAT -j RETURN",
    "-A DOCKER-USER -j DROP",
  ]);
  expect(dockerIngressRules("docker-default")).toEqual([]);
});

test("start twice (as ufw's reload does) leaves exactly the rules, iptables -S form, and one FORWARD jump before Docker's own", () => {
  const out = inNamespace(
    "published-ports",
    [
      // Docker's chains as dockerd leaves them, the user chain with its trailing RETURN.
      "iptables -N DOCKER-USER && iptables -A DOCKER-USER -j RETURN",
      "iptables -N DOCKER && iptables -A FORWARD -j DOCKER-USER && iptables -A FORWARD -j DOCKER",
      '"$hook" start && "$hook" start',
      "iptables -S DOCKER-USER",
      "echo ---",
      "iptables -S FORWARD",
    ].join("\n"),
  );
  const [chain, forward] = out.split("---\n");
  expect(chain!.trim().split("\n")).toEqual(["-N DOCKER-USER", ...dockerIngressRules("published-ports")]);
  expect(forward!.trim().split("\n")).toEqual([
    "-P FORWARD ACCEPT",
    "-A FORWARD -j DOCKER-USER",
    "-A FORWARD -j DOCKER",
  ]);
});

test("before Docker ever ran, start creates the chain and the jump itself", () => {
  const out = inNamespace(
    "published-ports",
    '"$hook" start\niptables -S FORWARD\niptables -S DOCKER-USER | wc -l',
  );
  expect(out.trim().split("\n")).toEqual(["-P FORWARD ACCEPT", "-A FORWARD -j DOCKER-USER", "6"]);
});

test("stop empties the chain (ufw disable leaves Docker's rules alone); docker-default only ever empties it", () => {
  expect(
    inNamespace("published-ports", '"$hook" start\n"$hook" stop\niptables -S DOCKER-USER').trim().split("\n"),
  ).toEqual(["-N DOCKER-USER"]);
  expect(
    inNamespace(
      "docker-default",
      'iptables -N DOCKER-USER && iptables -A DOCKER-USER -j DROP\n"$hook" start\niptables -S DOCKER-USER',
    )
      .trim()
      .split("\n"),
  ).toEqual(["-N DOCKER-USER"]);
});

test("an unknown action is refused; the hook passes sh -n and shellcheck", () => {
  const hook = join(dir, "after.init");
  writeFileSync(hook, renderDockerIngressHook("published-ports").content, { mode: 0o750 });
  const bad = spawnSync("unshare", ["-n", hook, "restart"], { encoding: "utf8" });
  expect([bad.status, bad.stderr]).toEqual([1, "usage: after.init {start|stop|flush-all|status}\n"]);
  expect(spawnSync("sh", ["-n", hook]).status).toBe(0);
  const lint = spawnSync("shellcheck", ["-s", "sh", hook], { encoding: "utf8" });
  expect(lint.stdout).toBe("");
  expect(lint.status).toBe(0);
});
