/**
 * A stand-in for hemma's LAN: a network namespace of its own on this machine, wired to a
 * sandbox container by a veth pair. The sandbox end is `lan0` with hemma's LAN address
 * (192.168.0.9/24, spec §0), the namespace end a LAN neighbour (192.168.0.50). Its traffic
 * enters the sandbox's network namespace like a LAN machine's enters hemma's: on an interface of
 * its own, with its own source address, so UFW filters it and fail2ban can ban it.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { docker } from "./private-sandbox";

/** Output of a command run in the namespace. */
export interface NsRan {
  /** Exit code (-1 when killed by a signal). */
  readonly code: number;
  /** stdout. */
  readonly stdout: string;
  /** stderr. */
  readonly stderr: string;
}

/** What a TCP connect from the LAN met: a connection, a refusal (RST or ICMP), or nothing at all (dropped). */
export type TcpResult = "open" | "refused" | "dropped";

/** A LAN namespace attached to one sandbox. */
export interface LanNamespace {
  /** `ip netns` name, `hemma-fw-lan-<hex>`. */
  readonly name: string;
  /** The neighbour's address in the namespace. */
  readonly address: string;
  /** The sandbox's address on the LAN (hemma's 192.168.0.9). */
  readonly hostAddress: string;
  /** Runs bash in the namespace. */
  sh(script: string, timeoutMs?: number): NsRan;
  /** One TCP connect to `host:port` from the namespace, given up after `seconds`. */
  tcp(host: string, port: number, seconds?: number): TcpResult;
  /** Removes the namespace (its veth pair goes with it). */
  remove(): void;
}

/** The LAN's addresses: hemma's subnet and address (spec §0) and a neighbour on it. */
export const LAN = { subnet: "192.168.0.0/24", host: "192.168.0.9", neighbour: "192.168.0.50" } as const;

function must(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Creates the namespace and wires it to `container` (a running sandbox). */
export function attachLan(container: string): LanNamespace {
  const hex = randomBytes(3).toString("hex");
  const name = `hemma-fw-lan-${hex}`;
  // Interface names are at most 15 characters.
  const outside = `hfw${hex}n`;
  const inside = `hfw${hex}h`;
  const remove = (): void => {
    spawnSync("ip", ["netns", "del", name]);
    spawnSync("ip", ["link", "del", outside]);
  };
  try {
    const pid = docker(["inspect", "-f", "{{.State.Pid}}", container]).trim();
    must("ip", ["netns", "add", name]);
    must("ip", ["link", "add", outside, "type", "veth", "peer", "name", inside]);
    must("ip", ["link", "set", outside, "netns", name]);
    must("ip", ["link", "set", inside, "netns", pid]);
    must("nsenter", [
      "-t",
      pid,
      "-n",
      "sh",
      "-ec",
      `ip link set ${inside} name lan0; ip addr add ${LAN.host}/24 dev lan0; ip link set lan0 up`,
    ]);
    must("ip", ["-n", name, "addr", "add", `${LAN.neighbour}/24`, "dev", outside]);
    must("ip", ["-n", name, "link", "set", outside, "up"]);
    must("ip", ["-n", name, "link", "set", "lo", "up"]);
  } catch (err) {
    remove();
    throw err;
  }
  const sh = (script: string, timeoutMs = 60_000): NsRan => {
    const r = spawnSync("ip", ["netns", "exec", name, "bash", "-c", script], {
      encoding: "utf8",
      timeout: timeoutMs,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  return {
    name,
    address: LAN.neighbour,
    hostAddress: LAN.host,
    sh,
    tcp: (host, port, seconds = 4) => {
      const r = sh(`timeout ${seconds} bash -c 'exec 3<>/dev/tcp/${host}/${port}'`, (seconds + 10) * 1000);
      if (r.code === 0) return "open";
      return r.code === 124 ? "dropped" : "refused";
    },
    remove,
  };
}
