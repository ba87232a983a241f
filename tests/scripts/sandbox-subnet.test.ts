import { freeSandboxSubnet } from "../../scripts/sandbox-subnet";

describe("freeSandboxSubnet", () => {
  test("takes the first /24 of 172.31.0.0/16 on an empty daemon", () => {
    expect(freeSandboxSubnet([])).toBe("172.31.0.0/24");
  });

  test("skips every /24 an existing network or route overlaps, whatever its size", () => {
    expect(freeSandboxSubnet(["172.31.0.0/24", "172.31.1.0/25", "172.31.2.128/25"])).toBe("172.31.3.0/24");
    expect(freeSandboxSubnet(["172.31.0.0/16"])).toBe("172.30.0.0/24");
  });

  test("ignores 192.168 and IPv6 subnets, and anything that is not a CIDR", () => {
    expect(freeSandboxSubnet(["192.168.16.0/20", "fd00::/64", "default", "172.17.0.0/16"])).toBe(
      "172.31.0.0/24",
    );
  });

  test("says so when the whole range is taken", () => {
    expect(() => freeSandboxSubnet(["172.24.0.0/13"])).toThrow(
      "no free /24 left in 172.24.0.0-172.31.255.255 for a sandbox network",
    );
  });
});
