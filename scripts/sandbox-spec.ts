/**
 * Pure parts of the sandbox: the cache key of the image, the `docker run` arguments that boot
 * systemd as PID 1 without `--privileged`, and the connection facts the dev stack, the e2e
 * suite and the bench read from `.sandbox/sandbox.json`.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** One input of the image build: a repo-relative path, its bytes and whether it is executable. */
export interface BuildInput {
  /** Path relative to the repository root, with `/` separators. */
  readonly path: string;
  /** File contents. */
  readonly content: Buffer;
  /** Whether any execute bit is set (a mode change must rebuild too). */
  readonly executable: boolean;
}

/**
 * The cache key of the sandbox image: sha256 over every build input's path, mode and bytes,
 * in path order, so the same inputs give the same key whatever order they were listed in.
 * Returns 12 hex digits, used in the image tag and the rootfs tarball name.
 */
export function buildInputsHash(inputs: readonly BuildInput[]): string {
  const hash = createHash("sha256");
  for (const input of [...inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${input.path}\0${input.executable ? "x" : "-"}\0${input.content.length}\0`);
    hash.update(input.content);
  }
  return hash.digest("hex").slice(0, 12);
}

/** Options for one sandbox container. */
export interface SandboxRunOptions {
  /** Container name (default `hemma-sandbox`). */
  readonly container: string;
  /** Image reference to run. */
  readonly image: string;
  /** Loopback port sshd is published on. */
  readonly sshPort: number;
  /** Loopback port the sandbox's port 80 (nginx-proxy) is published on. */
  readonly httpPort: number;
  /** Loopback port the sandbox's port 443 is published on. */
  readonly httpsPort: number;
  /** Build-input hash, stored as a label so `up` can tell a stale container. */
  readonly inputsHash: string;
  /** Docker network of its own (named like the container); its gateway is where the local Cloudflare API listens. */
  readonly network: string;
}

/**
 * `docker run` arguments that boot the image's systemd as PID 1. `--privileged` is refused on
 * our machines; SYS_ADMIN, unconfined seccomp/apparmor, the host cgroup tree and tmpfs on /run
 * are what systemd needs instead. NET_ADMIN lets the inner Docker Engine build its bridge and
 * iptables rules, SYS_PTRACE lets it `docker exec` into them, and /var/lib/docker is a volume of its own so the inner engine's vfs layers
 * do not sit on the container's overlay (docs/decisions/0035). sshd, HTTP and HTTPS are
 * published on 127.0.0.1 only: the sandbox must never be reachable from another machine. The
 * container sits on a network of its own, whose gateway address is this machine's side of it,
 * where the sandbox's local Cloudflare API listens (docs/decisions/0093).
 */
export function dockerRunArgs(opts: SandboxRunOptions): string[] {
  return [
    "run",
    "--detach",
    "--name",
    opts.container,
    "--hostname",
    "hemma-sandbox",
    "--network",
    opts.network,
    "--label",
    `hemma-sandbox.inputs=${opts.inputsHash}`,
    "--cap-add",
    "SYS_ADMIN",
    "--cap-add",
    "NET_ADMIN",
    // runc must open the namespaces of the inner containers' processes for `docker exec`;
    // for one running as another user (postgres, uid 999) that needs ptrace access.
    "--cap-add",
    "SYS_PTRACE",
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "apparmor=unconfined",
    "--cgroupns=host",
    "--volume",
    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/run/lock",
    "--volume",
    "/var/lib/docker",
    "--stop-signal",
    "SIGRTMIN+3",
    "--env",
    "container=docker",
    "--publish",
    `127.0.0.1:${opts.sshPort}:22`,
    "--publish",
    `127.0.0.1:${opts.httpPort}:80`,
    "--publish",
    `127.0.0.1:${opts.httpsPort}:443`,
    opts.image,
    "/sbin/init",
  ];
}

/**
 * A short hash of how {@link dockerRunArgs} starts a sandbox (capabilities, mounts, ...), for the
 * container label next to the image hash: a changed run recipe must replace a running sandbox
 * just as a changed image does.
 */
export function runArgsHash(): string {
  const template = dockerRunArgs({
    container: "c",
    image: "i",
    sshPort: 1,
    httpPort: 2,
    httpsPort: 3,
    inputsHash: "h",
    network: "n",
  });
  return createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 8);
}

/**
 * The pinned host key line (`<type> <base64>`) from an OpenSSH `.pub` file, which may carry a
 * trailing comment. Throws when the text is not a public key line.
 */
export function hostKeyLineFromPub(pub: string): string {
  const m = /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) ([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/.exec(
    pub.trim(),
  );
  if (!m) throw new Error(`not an OpenSSH public key line: ${JSON.stringify(pub.trim().slice(0, 60))}`);
  return `${m[1]} ${m[2]}`;
}

/** A `known_hosts` line pinning `hostKey` for `host:port` (OpenSSH writes `[host]:port` unless the port is 22). */
export function knownHostsLine(host: string, port: number, hostKey: string): string {
  const name = port === 22 ? host : `[${host}]:${port}`;
  return `${name} ${hostKey}\n`;
}

/** Everything a client needs to reach a running sandbox; written to `.sandbox/sandbox.json` by `sandbox up`. */
export interface SandboxInfo {
  /** Docker container name. */
  readonly container: string;
  /** Image the container runs. */
  readonly image: string;
  /** Always 127.0.0.1. */
  readonly host: string;
  /** Loopback port of sshd. */
  readonly port: number;
  /** Loopback port of the sandbox's HTTP (80). */
  readonly httpPort: number;
  /** Loopback port of the sandbox's HTTPS (443). */
  readonly httpsPort: number;
  /** Login user with passwordless sudo. */
  readonly user: string;
  /** Pinned host key line `<type> <base64>`. */
  readonly hostKey: string;
  /** Absolute path of the client's ed25519 private key. */
  readonly privateKeyPath: string;
  /** Absolute path of the known_hosts file pinning `hostKey`. */
  readonly knownHostsPath: string;
  /** The sandbox's Docker network (absent for a sandbox started before it had one). */
  readonly network?: string;
  /** Its local Cloudflare API (docs/decisions/0093). */
  readonly cloudflareApi?: {
    /** Plain-HTTP base URL, the dev stack's `hemma:dns.apiBaseUrl`. */
    readonly url: string;
    /** HTTPS base URL, ddclient's `server=` with the scheme. */
    readonly tlsUrl: string;
    /** The CA that signed its certificate, on this machine. */
    readonly caFile: string;
    /** Its records file. */
    readonly stateFile: string;
    /** Its request log. */
    readonly logFile: string;
  };
}

/** Name of the developer's sandbox container (`HEMMA_SANDBOX_NAME` picks another, e.g. CI's). */
export const DEFAULT_CONTAINER = "hemma-sandbox";

/**
 * Directory of a sandbox's untracked state (client key, known_hosts, sandbox.json) in the repo
 * `root`: `.sandbox/` for the default container, `.sandbox/<container>/` for any other, so a
 * second sandbox (CI's, in a developer's checkout) never overwrites the first one's files.
 */
export function sandboxDir(root: string, container: string = DEFAULT_CONTAINER): string {
  return container === DEFAULT_CONTAINER
    ? path.join(root, ".sandbox")
    : path.join(root, ".sandbox", container);
}

/**
 * Reads `sandbox.json` of `container` (default: `HEMMA_SANDBOX_NAME`, else the default
 * container) under `root`. Throws a message that says to run `npm run sandbox -- up` when that
 * sandbox was never brought up.
 */
export function readSandboxInfo(
  root: string,
  container: string = process.env.HEMMA_SANDBOX_NAME ?? DEFAULT_CONTAINER,
): SandboxInfo {
  const file = path.join(sandboxDir(root, container), "sandbox.json");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new Error(`no sandbox info at ${file}: run \`npm run sandbox -- up\` first`);
  }
  return JSON.parse(text) as SandboxInfo;
}

/** `ssh` arguments that log in to the sandbox as its user with the pinned host key and no agent or password prompts. */
export function sshArgs(info: SandboxInfo): string[] {
  return [
    "-i",
    info.privateKeyPath,
    "-p",
    String(info.port),
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${info.knownHostsPath}`,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=5",
    "-o",
    "LogLevel=ERROR",
    `${info.user}@${info.host}`,
  ];
}
