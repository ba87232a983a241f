import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildInputsHash,
  dockerRunArgs,
  hostKeyLineFromPub,
  knownHostsLine,
  runArgsHash,
  readSandboxInfo,
  sandboxDir,
  sshArgs,
  type SandboxInfo,
} from "../../scripts/sandbox-spec";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIWRak+/mdoYEqs71p96gbU09ic2U6YNAGE2QFr1mTFR";

describe("buildInputsHash", () => {
  const a = { path: "sandbox/build-rootfs.sh", content: Buffer.from("#!/bin/sh\n"), executable: true };
  const b = { path: "sandbox/rootfs/etc/x", content: Buffer.from("x\n"), executable: false };

  it("is 12 hex digits and independent of listing order", () => {
    expect(buildInputsHash([a, b])).toMatch(/^[0-9a-f]{12}$/);
    expect(buildInputsHash([a, b])).toBe(buildInputsHash([b, a]));
  });

  it("changes when content, mode or path changes", () => {
    const base = buildInputsHash([a, b]);
    expect(buildInputsHash([a, { ...b, content: Buffer.from("y\n") }])).not.toBe(base);
    expect(buildInputsHash([a, { ...b, executable: true }])).not.toBe(base);
    expect(buildInputsHash([a, { ...b, path: "sandbox/rootfs/etc/y" }])).not.toBe(base);
  });

  it("does not let bytes move across a file boundary unnoticed", () => {
    const split1 = [
      { ...a, content: Buffer.from("ab") },
      { ...b, content: Buffer.from("c") },
    ];
    const split2 = [
      { ...a, content: Buffer.from("a") },
      { ...b, content: Buffer.from("bc") },
    ];
    expect(buildInputsHash(split1)).not.toBe(buildInputsHash(split2));
  });
});

describe("dockerRunArgs", () => {
  const args = dockerRunArgs({
    container: "hs",
    image: "hemma-sandbox:abc",
    sshPort: 2222,
    httpPort: 8080,
    httpsPort: 8443,
    inputsHash: "abc",
    network: "hs",
  });

  it("publishes sshd, HTTP and HTTPS on loopback only", () => {
    const published = args.flatMap((v, i) => (v === "--publish" ? [args[i + 1]] : []));
    expect(published).toEqual(["127.0.0.1:2222:22", "127.0.0.1:8080:80", "127.0.0.1:8443:443"]);
  });

  it("puts the sandbox on its own network, whose gateway the local Cloudflare API listens on", () => {
    const pairs = args.map((v, i) => `${v} ${args[i + 1]}`);
    expect(pairs).toContain("--network hs");
  });

  it("gives the inner Docker Engine its network grant and a data volume of its own", () => {
    const pairs = args.map((v, i) => `${v} ${args[i + 1]}`);
    expect(pairs).toContain("--cap-add NET_ADMIN");
    expect(pairs).toContain("--volume /var/lib/docker");
  });

  it("boots systemd without --privileged, with the grants systemd needs", () => {
    expect(args).not.toContain("--privileged");
    const pairs = args.map((v, i) => `${v} ${args[i + 1]}`);
    for (const p of [
      "--cap-add SYS_ADMIN",
      "--security-opt seccomp=unconfined",
      "--security-opt apparmor=unconfined",
      "--volume /sys/fs/cgroup:/sys/fs/cgroup:rw",
      "--tmpfs /run",
      "--tmpfs /run/lock",
      "--label hemma-sandbox.inputs=abc",
      "--name hs",
    ]) {
      expect(pairs).toContain(p);
    }
    expect(args).toContain("--cgroupns=host");
    expect(args.slice(-2)).toEqual(["hemma-sandbox:abc", "/sbin/init"]);
  });
});

describe("hostKeyLineFromPub", () => {
  it("drops the comment of a .pub file", () => {
    expect(hostKeyLineFromPub(`${ED25519} root@hemma-sandbox\n`)).toBe(ED25519);
    expect(hostKeyLineFromPub(`${ED25519}\n`)).toBe(ED25519);
  });

  it("rejects text that is not a key line", () => {
    expect(() => hostKeyLineFromPub("cat: /etc/ssh/x: No such file")).toThrow(
      "not an OpenSSH public key line",
    );
    expect(() => hostKeyLineFromPub("ssh-dss AAAAB3NzaC1kc3M=")).toThrow("not an OpenSSH public key line");
  });
});

describe("knownHostsLine", () => {
  it("brackets non-default ports as OpenSSH does", () => {
    expect(knownHostsLine("127.0.0.1", 2222, ED25519)).toBe(`[127.0.0.1]:2222 ${ED25519}\n`);
    expect(knownHostsLine("127.0.0.1", 22, ED25519)).toBe(`127.0.0.1 ${ED25519}\n`);
  });
});

describe("sandbox info", () => {
  const info: SandboxInfo = {
    container: "hemma-sandbox",
    image: "hemma-sandbox:abc",
    host: "127.0.0.1",
    port: 2299,
    httpPort: 8080,
    httpsPort: 8443,
    user: "paunchygent",
    hostKey: ED25519,
    privateKeyPath: "/r/.sandbox/id_ed25519",
    knownHostsPath: "/r/.sandbox/known_hosts",
  };

  it("ssh pins the host key and never prompts", () => {
    const args = sshArgs(info);
    const pairs = args.map((v, i) => `${v} ${args[i + 1]}`);
    expect(pairs).toContain("-o StrictHostKeyChecking=yes");
    expect(pairs).toContain("-o UserKnownHostsFile=/r/.sandbox/known_hosts");
    expect(pairs).toContain("-o BatchMode=yes");
    expect(pairs).toContain("-i /r/.sandbox/id_ed25519");
    expect(pairs).toContain("-p 2299");
    expect(args[args.length - 1]).toBe("paunchygent@127.0.0.1");
  });

  it("reads .sandbox/sandbox.json and says how to create it when absent", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-spec-"));
    expect(() => readSandboxInfo(root, "hemma-sandbox")).toThrow("run `npm run sandbox -- up` first");
    fs.mkdirSync(path.join(root, ".sandbox"));
    fs.writeFileSync(path.join(root, ".sandbox", "sandbox.json"), JSON.stringify(info));
    expect(readSandboxInfo(root, "hemma-sandbox")).toEqual(info);
  });

  it("keeps another container's files apart from the developer's sandbox", () => {
    expect(sandboxDir("/r")).toBe("/r/.sandbox");
    expect(sandboxDir("/r", "hemma-sandbox")).toBe("/r/.sandbox");
    expect(sandboxDir("/r", "hemma-sandbox-ci")).toBe("/r/.sandbox/hemma-sandbox-ci");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-spec-"));
    fs.mkdirSync(path.join(root, ".sandbox", "hemma-sandbox-ci"), { recursive: true });
    fs.writeFileSync(
      path.join(root, ".sandbox", "hemma-sandbox-ci", "sandbox.json"),
      JSON.stringify({ ...info, port: 2223 }),
    );
    expect(readSandboxInfo(root, "hemma-sandbox-ci").port).toBe(2223);
    expect(() => readSandboxInfo(root, "hemma-sandbox")).toThrow("no sandbox info");
  });
});

describe("runArgsHash", () => {
  it("is 8 hex digits and stable", () => {
    expect(runArgsHash()).toMatch(/^[0-9a-f]{8}$/);
    expect(runArgsHash()).toBe(runArgsHash());
  });
});
