import type { RenderedFile } from "../types";

/** ufw's hook run after it loads its rules (`start`) and when it unloads them (`stop`), if executable. */
export const UFW_AFTER_INIT = "/etc/ufw/after.init";

/** Docker's chain for rules of the host's own, consulted before Docker's accepts in FORWARD. */
export const DOCKER_USER_CHAIN = "DOCKER-USER";

/**
 * Interfaces container traffic leaves its bridge on: the default bridge and every user-defined
 * network (Docker names its bridges `br-<id>` unless a network sets another name).
 */
export const DOCKER_BRIDGE_INTERFACES = ["docker0", "br-+"] as const;

/** What reaches containers from outside the host (`hemma:edge.firewall.containerIngress`). */
export type ContainerIngress = "published-ports" | "docker-default";

/**
 * The `DOCKER-USER` rules of `published-ports`, as `iptables -S` prints them. Replies and
 * container-originated traffic pass; from any other interface only a connection Docker DNATed
 * for a port it publishes on a host address does. A packet routed to a container's own address
 * (a LAN neighbour with a route to the bridge network) is dropped: Docker's own rules accept it
 * for every published container port, past UFW and past a `127.0.0.1` binding
 * (docs/decisions/0067).
 */
export function dockerIngressRules(ingress: ContainerIngress): string[] {
  if (ingress === "docker-default") return [];
  const c = DOCKER_USER_CHAIN;
  return [
    `-A ${c} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
    ...DOCKER_BRIDGE_INTERFACES.map((i) => `-A ${c} -i ${i} -j RETURN`),
    `-A ${c} -m conntrack --ctstate DNAT -j RETURN`,
    `-A ${c} -j DROP`,
  ];
}

/**
 * `/etc/ufw/after.init`: on `start` it empties `DOCKER-USER` and adds {@link dockerIngressRules}
 * (ufw calls it twice on a reload, so it must be idempotent), and makes sure FORWARD jumps there
 * (ufw may start before Docker, which adds the jump itself); on `stop` it empties the chain, so
 * `ufw disable` leaves Docker's rules alone. With `docker-default` it only empties the chain.
 */
export function renderDockerIngressHook(ingress: ContainerIngress): RenderedFile {
  const c = DOCKER_USER_CHAIN;
  const content = [
    "#!/bin/sh",
    "# Managed by hemma-infra (render/edge/docker-ingress.ts); local edits are reverted.",
    `# ufw runs it after loading its rules and when it stops. containerIngress: ${ingress}`,
    "# (docs/decisions/0067).",
    "set -eu",
    `chain=${c}`,
    'case "${1:-}" in',
    "start)",
    '    iptables -N "$chain" 2>/dev/null || true',
    '    iptables -F "$chain"',
    ...dockerIngressRules(ingress).map((r) => `    iptables ${r.replace(`-A ${c} `, '-A "$chain" ')}`),
    '    iptables -C FORWARD -j "$chain" 2>/dev/null || iptables -I FORWARD 1 -j "$chain"',
    "    ;;",
    "stop | flush-all)",
    '    iptables -F "$chain" 2>/dev/null || true',
    "    ;;",
    "status) ;;",
    "*)",
    '    echo "usage: after.init {start|stop|flush-all|status}" >&2',
    "    exit 1",
    "    ;;",
    "esac",
    "",
  ].join("\n");
  // Executable, or ufw-init skips it.
  return { path: UFW_AFTER_INIT, content, mode: "0750", kind: "script" };
}

/** HostFile `onChange` of the hook: apply it now when ufw's rules are loaded (ufw-init's own test). */
export const DOCKER_INGRESS_APPLY_COMMAND = `if iptables -n -L ufw-user-input >/dev/null 2>&1; then ${UFW_AFTER_INIT} start; fi`;
