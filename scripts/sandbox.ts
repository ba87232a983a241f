/**
 * `npm run sandbox -- up|down|status|ssh [command...]`: hemma in a box.
 *
 * `up` starts Docker Engine when it is not running, builds the Debian bookworm image once
 * (cached, keyed by a hash of `sandbox/build-rootfs.sh` and `sandbox/rootfs/`), boots it with
 * systemd as PID 1 and sshd on a loopback port on a Docker network of its own, installs a client
 * key and pins the sandbox's host key in `.sandbox/` (untracked), where the dev stack, the e2e
 * suite and the bench read it, and starts the sandbox's local Cloudflare API on that network's
 * gateway (docs/decisions/0093). `down` stops the API (its records stay) and removes the
 * container and its network.
 *
 * Exit codes: 0 success; 1 a step failed (message on stderr); 2 usage error;
 * `ssh` exits with the remote command's code.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  DEFAULT_CONTAINER,
  buildInputsHash,
  dockerRunArgs,
  hostKeyLineFromPub,
  knownHostsLine,
  readSandboxInfo,
  runArgsHash,
  sandboxDir,
  sshArgs,
  type BuildInput,
  type SandboxInfo,
} from "./sandbox-spec";
import { DEV_OVERRIDES_FILE, writeDevOverrides } from "./sandbox-overrides";
import {
  CloudflareApiError,
  cloudflareApiStatus,
  ensureCloudflareApi,
  ensureSandboxNetwork,
  removeSandboxNetwork,
  stopCloudflareApi,
} from "./sandbox-cloudflare";
import { SANDBOX_CA_FILE, cloudflareApiFiles, dnsOverrides } from "./sandbox-cloudflare-spec";
import { ensureImagesBuilt, loadImages } from "./sandbox-images";
import { APP_REPO_DIR, installAppRepository } from "./sandbox-app-repo";

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = process.env.HEMMA_CACHE_DIR ?? path.join(os.homedir(), ".cache", "hemma-infra");
const CONTAINER = process.env.HEMMA_SANDBOX_NAME ?? DEFAULT_CONTAINER;
const DEFAULT_PORT = 2222;
/** The developer's sandbox publishes nginx-proxy here; other sandboxes take free ports. */
const DEFAULT_HTTP_PORT = 8080;
const DEFAULT_HTTPS_PORT = 8443;
if (!/^[a-z0-9][a-z0-9_.-]*$/.test(CONTAINER)) {
  process.stderr.write(
    `sandbox: HEMMA_SANDBOX_NAME must be a container name (lower-case letters, digits, _ . -), got ${JSON.stringify(CONTAINER)}\n`,
  );
  process.exit(2);
}
const USER = "paunchygent";
const BOOT_TIMEOUT_MS = 120_000;

const USAGE = `usage: npm run sandbox -- <command>

  up [--port N]     start Docker Engine if needed, build the image once, boot the sandbox
                    (sshd on 127.0.0.1:N: --port, else $HEMMA_SANDBOX_PORT, else the running
                    sandbox's port, else ${DEFAULT_PORT}); $HEMMA_SANDBOX_NAME names another sandbox.
                    Its ports 80/443 (nginx-proxy) are published on 127.0.0.1 too: the running
                    sandbox's, else ${DEFAULT_HTTP_PORT}/${DEFAULT_HTTPS_PORT} for the default sandbox, free ports for others.
                    Its local Cloudflare API (zone and tokens of Pulumi.dev.yaml) runs on this machine
                    at the gateway of the sandbox's own network: HTTP :8787 for Pulumi, HTTPS :8443
                    for ddclient
  down              stop the local Cloudflare API (its records stay), remove the container and network
  status            print running/stopped, the SSH port and the local Cloudflare API
  ssh [command...]  log in as ${USER} with the pinned host key (or run the command)

exit codes: 0 ok, 1 failure, 2 usage; ssh passes the remote exit code through`;

/** A failure to report as one line, without a stack trace. */
class SandboxError extends Error {}

function run(
  cmd: string,
  args: string[],
  opts: { input?: string; inputBuffer?: Buffer; allowFail?: boolean } = {},
): SpawnSyncReturns<string> {
  const res = spawnSync(cmd, args, {
    encoding: "utf8",
    input: opts.inputBuffer ?? opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw new SandboxError(`${cmd} could not run: ${res.error.message}`);
  if (res.status !== 0 && !opts.allowFail) {
    throw new SandboxError(
      `${cmd} ${args.join(" ")} failed (exit ${res.status}): ${(res.stderr || res.stdout).trim()}`,
    );
  }
  return res;
}

function log(msg: string): void {
  process.stderr.write(`sandbox: ${msg}\n`);
}

function ensureDockerEngine(): void {
  const res = spawnSync(path.join(ROOT, "sandbox", "start-dockerd.sh"), [], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (res.status !== 0) throw new SandboxError("Docker Engine is not available (see the messages above)");
}

/** Every file the image build reads, so a change to any of them gives a new image tag. */
function buildInputs(): BuildInput[] {
  const files = [path.join(ROOT, "sandbox", "build-rootfs.sh")];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(full);
    }
  };
  walk(path.join(ROOT, "sandbox", "rootfs"));
  return files.map((file) => ({
    path: path.relative(ROOT, file).split(path.sep).join("/"),
    content: fs.readFileSync(file),
    executable: (fs.statSync(file).mode & 0o111) !== 0,
  }));
}

function ensureImage(hash: string): string {
  const image = `hemma-sandbox:${hash}`;
  if (run("docker", ["image", "inspect", image], { allowFail: true }).status === 0) return image;
  const tarball = path.join(CACHE_DIR, `sandbox-rootfs-${hash}.tar`);
  if (!fs.existsSync(tarball)) {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    log(`building the Debian rootfs into ${tarball}`);
    const res = spawnSync(path.join(ROOT, "sandbox", "build-rootfs.sh"), [tarball], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (res.status !== 0)
      throw new SandboxError("building the sandbox rootfs failed (see the messages above)");
  }
  log(`importing ${tarball} as ${image}`);
  run("docker", [
    "import",
    "--change",
    'CMD ["/sbin/init"]',
    "--change",
    "ENV container=docker",
    tarball,
    image,
  ]);
  return image;
}

interface ContainerState {
  readonly running: boolean;
  readonly image: string;
  readonly inputsHash: string;
  readonly port: number | undefined;
  readonly httpPort: number | undefined;
  readonly httpsPort: number | undefined;
}

function inspectContainer(): ContainerState | undefined {
  const res = run("docker", ["container", "inspect", CONTAINER], { allowFail: true });
  if (res.status !== 0) return undefined;
  const [c] = JSON.parse(res.stdout) as Array<{
    State: { Running: boolean };
    Config: { Image: string; Labels: Record<string, string> | null };
    HostConfig: { PortBindings: Record<string, Array<{ HostPort: string }> | null> | null };
  }>;
  const binding = (p: string): number | undefined => {
    const host = c!.HostConfig.PortBindings?.[p]?.[0]?.HostPort;
    return host ? Number(host) : undefined;
  };
  return {
    running: c!.State.Running,
    image: c!.Config.Image,
    inputsHash: c!.Config.Labels?.["hemma-sandbox.inputs"] ?? "",
    port: binding("22/tcp"),
    httpPort: binding("80/tcp"),
    httpsPort: binding("443/tcp"),
  };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new SandboxError(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The sandbox's ed25519 host key, made once per sandbox directory. A rebuilt container gets the
 * same key, so the dev stack's pinned key and state stay valid: the next `up --refresh` sees what
 * the new container lacks and recreates it, instead of failing on a host key mismatch.
 */
function ensureHostKey(dir: string): { privateKey: string; publicKey: string } {
  const key = path.join(dir, "ssh_host_ed25519_key");
  if (!fs.existsSync(key)) {
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hemma-sandbox-host", "-f", key]);
  }
  return { privateKey: fs.readFileSync(key, "utf8"), publicKey: fs.readFileSync(`${key}.pub`, "utf8") };
}

/**
 * Writes `content` to `file` in the container: a temp file with `mode` (and `owner`, as
 * `user:group`) renamed into place, its directory made (0755) when missing.
 */
function writeInContainer(file: string, content: string, mode: string, owner?: string): void {
  const dir = path.posix.dirname(file);
  const tmp = `${file}.tmp`;
  const chown = owner === undefined ? "" : `chown ${owner} ${tmp}; `;
  run(
    "docker",
    [
      "exec",
      "-i",
      CONTAINER,
      "sh",
      "-c",
      `set -e; [ -d ${dir} ] || install -d -m 0755 ${dir}; umask 077; cat > ${tmp}; chmod ${mode} ${tmp}; ${chown}mv ${tmp} ${file}`,
    ],
    { input: content },
  );
}

/** Installs the persistent host key in the container and restarts sshd when the container had another. */
function installHostKey(hostKey: { privateKey: string; publicKey: string }): void {
  const current = run("docker", ["exec", CONTAINER, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"], {
    allowFail: true,
  });
  if (current.status === 0 && hostKeyLineFromPub(current.stdout) === hostKeyLineFromPub(hostKey.publicKey))
    return;
  const target = "/etc/ssh/ssh_host_ed25519_key";
  writeInContainer(target, hostKey.privateKey, "0600");
  writeInContainer(`${target}.pub`, hostKey.publicKey, "0644");
  run("docker", ["exec", CONTAINER, "systemctl", "restart", "ssh"]);
}

function ensureClientKey(dir: string): string {
  const key = path.join(dir, "id_ed25519");
  if (!fs.existsSync(key)) {
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hemma-sandbox-client", "-f", key]);
  }
  return key;
}

async function up(requestedPort: number | undefined): Promise<void> {
  ensureDockerEngine();
  const imageHash = buildInputsHash(buildInputs());
  const image = ensureImage(imageHash);
  // The container label covers the image and the run recipe: either changing replaces the sandbox.
  const hash = `${imageHash}-${runArgsHash()}`;
  const current = inspectContainer();
  // Without an explicit port a running sandbox keeps its own, so a plain `up` (as the e2e suite
  // runs it) never moves CI's sandbox onto the developer's port.
  const port = requestedPort ?? current?.port ?? DEFAULT_PORT;
  const reuse = current?.running === true && current.inputsHash === hash && current.port === port;
  const web =
    reuse && current.httpPort !== undefined && current.httpsPort !== undefined
      ? { httpPort: current.httpPort, httpsPort: current.httpsPort }
      : await webPorts();
  if (current && !(reuse && current.httpPort === web.httpPort && current.httpsPort === web.httpsPort)) {
    log(
      `replacing container ${CONTAINER} (${current.inputsHash !== hash ? "image or run recipe changed" : current.port !== port ? "port changed" : !current.running ? "stopped" : "web ports changed"})`,
    );
    run("docker", ["rm", "--force", "--volumes", CONTAINER]);
  }
  const gateway = ensureSandboxNetwork(CONTAINER);
  if (!inspectContainer()) {
    run(
      "docker",
      dockerRunArgs({
        container: CONTAINER,
        image,
        sshPort: port,
        inputsHash: hash,
        network: CONTAINER,
        ...web,
      }),
    );
  }

  const state = await waitFor("systemd to finish booting", BOOT_TIMEOUT_MS, () => {
    const res = run("docker", ["exec", CONTAINER, "systemctl", "is-system-running"], { allowFail: true });
    const s = res.stdout.trim();
    return s === "running" || s === "degraded" ? s : undefined;
  });
  if (state === "degraded") {
    const failed = run("docker", ["exec", CONTAINER, "systemctl", "--failed", "--no-legend", "--plain"], {
      allowFail: true,
    }).stdout.trim();
    log(`systemd is degraded; failed units:\n${failed}`);
  }

  const engine = await waitFor("the sandbox's own Docker Engine", BOOT_TIMEOUT_MS, () => {
    const res = run(
      "docker",
      ["exec", CONTAINER, "docker", "info", "--format", "{{.ServerVersion}} {{.Driver}}"],
      {
        allowFail: true,
      },
    );
    return res.status === 0 ? res.stdout.trim() : undefined;
  });
  log(`Docker Engine ${engine} runs inside ${CONTAINER}`);
  // Nothing can be pulled: the stand-in images are built here and copied in (docs/decisions/0090).
  await ensureImagesBuilt();
  await loadImages(["docker", "exec", "-i", CONTAINER, "docker"]);
  if (installAppRepository(CONTAINER, USER).installed) log(`installed the app repository at ${APP_REPO_DIR}`);

  const dir = sandboxDir(ROOT, CONTAINER);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateKeyPath = ensureClientKey(dir);
  const publicKey = fs.readFileSync(`${privateKeyPath}.pub`, "utf8");
  writeInContainer(`/home/${USER}/.ssh/authorized_keys`, publicKey, "0600", `${USER}:${USER}`);
  installHostKey(ensureHostKey(dir));
  const hostKeyPub = await waitFor("the sandbox's ed25519 host key", 30_000, () => {
    const res = run("docker", ["exec", CONTAINER, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"], {
      allowFail: true,
    });
    return res.status === 0 ? res.stdout : undefined;
  });
  const hostKey = hostKeyLineFromPub(hostKeyPub);
  const knownHostsPath = path.join(dir, "known_hosts");
  fs.writeFileSync(knownHostsPath, knownHostsLine("127.0.0.1", port, hostKey));

  const api = await ensureCloudflareApi({ sandboxDir: dir, gateway, log });
  // ddclient trusts only this CA for the API (its ssl_ca_file=), as hemma trusts Cloudflare's.
  writeInContainer(SANDBOX_CA_FILE, api.caCert, "0644");

  const info: SandboxInfo = {
    container: CONTAINER,
    image,
    host: "127.0.0.1",
    port,
    ...web,
    user: USER,
    hostKey,
    privateKeyPath,
    knownHostsPath,
    network: CONTAINER,
    cloudflareApi: {
      url: api.url,
      tlsUrl: api.tlsUrl,
      caFile: cloudflareApiFiles(dir).caCert,
      stateFile: api.stateFile,
      logFile: api.logFile,
    },
  };
  // Prove the whole path (published port, sshd, key, pinned host key, sudo) before reporting success.
  await waitFor("sshd to accept the client key", 30_000, () =>
    run("ssh", [...sshArgs(info), "sudo", "-n", "true"], { allowFail: true }).status === 0 ? true : undefined,
  );
  fs.writeFileSync(path.join(dir, "sandbox.json"), `${JSON.stringify(info, null, 2)}\n`);
  log(`up: ${CONTAINER} (${image}) systemd ${state}, ssh ${USER}@127.0.0.1:${port}`);
  log(`wrote ${path.relative(ROOT, path.join(dir, "sandbox.json"))}`);
  // Every sandbox gets its overrides in its own directory; only the developer's is where the dev
  // stack reads by default, so another one (CI's, a test's) never redirects it: point
  // HEMMA_OVERRIDES_FILE at the file to run the dev stack against that sandbox.
  const overrides = writeDevOverrides(
    ROOT,
    info,
    fs.readFileSync(privateKeyPath, "utf8"),
    dnsOverrides(gateway),
    path.join(dir, DEV_OVERRIDES_FILE),
  );
  log(
    `wrote ${path.relative(ROOT, overrides)}${CONTAINER === DEFAULT_CONTAINER ? " (the dev stack's target)" : ` (use with HEMMA_OVERRIDES_FILE=${overrides})`}`,
  );
}

/** nginx-proxy's published ports: `--http-port`/`--https-port` style env, else the defaults (developer's sandbox) or free ones. */
async function webPorts(): Promise<{ httpPort: number; httpsPort: number }> {
  const fromEnv = (name: string): number | undefined =>
    process.env[name] === undefined ? undefined : parsePortValue(name, process.env[name]!);
  const http = fromEnv("HEMMA_SANDBOX_HTTP_PORT");
  const https = fromEnv("HEMMA_SANDBOX_HTTPS_PORT");
  const mine = CONTAINER === DEFAULT_CONTAINER;
  return {
    httpPort: http ?? (mine ? DEFAULT_HTTP_PORT : await freeLoopbackPort()),
    httpsPort: https ?? (mine ? DEFAULT_HTTPS_PORT : await freeLoopbackPort()),
  };
}

async function down(): Promise<void> {
  const dir = sandboxDir(ROOT, CONTAINER);
  if (await stopCloudflareApi(dir))
    log(`down: stopped the local Cloudflare API (records kept in ${cloudflareApiFiles(dir).stateFile})`);
  if (!inspectContainer()) log(`down: no container ${CONTAINER}`);
  else {
    // --volumes: the inner Docker Engine's data (an anonymous volume) goes with the container.
    run("docker", ["rm", "--force", "--volumes", CONTAINER]);
    log(`down: removed ${CONTAINER}`);
  }
  removeSandboxNetwork(CONTAINER);
}

function status(): number {
  if (run("docker", ["info"], { allowFail: true }).status !== 0) {
    process.stdout.write("stopped (Docker Engine is not running)\n");
    return 0;
  }
  const c = inspectContainer();
  if (!c) process.stdout.write("stopped (no container)\n");
  else
    process.stdout.write(
      `${c.running ? "running" : "stopped"} ${CONTAINER} ssh 127.0.0.1:${c.port ?? "?"} http 127.0.0.1:${c.httpPort ?? "?"} https 127.0.0.1:${c.httpsPort ?? "?"} image ${c.image}\n`,
    );
  process.stdout.write(`${cloudflareApiStatus(sandboxDir(ROOT, CONTAINER))}\n`);
  return 0;
}

function ssh(command: string[]): number {
  const info = readSandboxInfo(ROOT);
  const args = sshArgs(info);
  if (command.length === 0) args.unshift("-t");
  const res = spawnSync("ssh", [...args, ...command], { stdio: "inherit" });
  return res.status ?? 1;
}

function parsePortValue(what: string, raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`${what}: expected a TCP port 1-65535, got ${JSON.stringify(raw)}`);
  return port;
}

function parsePort(args: string[]): number | undefined {
  const i = args.indexOf("--port");
  const raw = i >= 0 ? args[i + 1] : process.env.HEMMA_SANDBOX_PORT;
  return raw === undefined ? undefined : parsePortValue("--port", raw);
}

/** A TCP port nothing listens on at 127.0.0.1 right now. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "up":
      await up(parsePort(rest));
      return 0;
    case "down":
      await down();
      return 0;
    case "status":
      return status();
    case "ssh":
      return ssh(rest);
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new UsageError(
        command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`,
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`sandbox: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(
      `sandbox: ${err instanceof SandboxError || err instanceof CloudflareApiError ? err.message : String(err instanceof Error ? err.stack : err)}\n`,
    );
    process.exit(1);
  },
);
