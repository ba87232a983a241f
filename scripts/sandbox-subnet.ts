/**
 * The subnet of a sandbox's own Docker network, chosen here rather than by Docker: Docker hands
 * out its default pools round-robin (172.17-31.0.0/16, then 192.168.x.0/20), so on a long-running
 * daemon a new network lands in 192.168.0.0/16, the range that stands in for hemma's LAN in the
 * firewall tests and that the dev stack may ban (decision 0067: only 172.16.0.0/12 is never
 * banned). A /24 from the top of 172.16.0.0/12 keeps clear of the sandbox's inner Docker Engine
 * too, whose own networks start at 172.17.0.0/16.
 */

/** An IPv4 CIDR as a [first, last] pair of 32-bit numbers; undefined for anything else (IPv6). */
function range(cidr: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (m === null) return undefined;
  const [a, b, c, d, bits] = m.slice(1).map(Number) as [number, number, number, number, number];
  if ([a, b, c, d].some((o) => o > 255) || bits > 32) return undefined;
  const base = (((a << 24) >>> 0) + (b << 16) + (c << 8) + d) >>> 0;
  const size = 2 ** (32 - bits);
  const first = base - (base % size);
  return [first, first + size - 1];
}

/**
 * The first /24 of 172.31.0.0/16 down to 172.24.0.0/16 that overlaps none of `used` (the
 * subnets of the daemon's networks and the host's routes, as CIDRs; others are ignored).
 * Throws when all 2048 are taken.
 */
export function freeSandboxSubnet(used: readonly string[]): string {
  const taken = used.map(range).filter((r): r is [number, number] => r !== undefined);
  for (let second = 31; second >= 24; second--) {
    for (let third = 0; third < 256; third++) {
      const candidate = `172.${second}.${third}.0/24`;
      const [first, last] = range(candidate)!;
      if (taken.every(([f, l]) => l < first || f > last)) return candidate;
    }
  }
  throw new Error("no free /24 left in 172.24.0.0-172.31.255.255 for a sandbox network");
}
