/**
 * A sandbox container of one test file's own: the same image and client key as `npm run
 * sandbox`, its own name, network and loopback port, so a suite that locks SSH or rewrites the
 * host cannot disturb the suites sharing the default sandbox.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { HostConnectionArgs } from "../../../providers/host-connection";
import {
  dockerRunArgs,
  hostKeyLineFromPub,
  knownHostsLine,
  readSandboxInfo,
  sshArgs,
  type SandboxInfo,
} from "../../../scripts/sandbox-spec";
import { ensureSandbox, privateKey, ROOT } from "./sandbox";

/** A running private sandbox. */
export interface PrivateSandbox {
  /** Connection facts (its own container, port, pinned host key and known_hosts). */
  readonly info: SandboxInfo;
  /** The host resources' connection to it. */
  readonly connection: HostConnectionArgs;
  /** Runs a root shell script through `docker exec` (works even when SSH is locked). */
  inContainer(script: string): string;
  /** Removes the container, its network and its temp dir. */
  remove(): void;
}

/** Runs docker and returns stdout; throws with stderr on failure. */
export function docker(args: string[], input?: string): string {
  const r = spawnSync("docker", args, { encoding: "utf8", input, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Polls `check` every 500 ms until it holds; throws naming `what` after `ms`. */
export async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The shared sandbox's facts (image, user, client key); `sandbox up` only when its image is missing. */
function sharedSandbox(): SandboxInfo {
  try {
    const known = readSandboxInfo(ROOT);
    if (
      spawnSync("docker", ["image", "inspect", known.image]).status === 0 &&
      fs.existsSync(known.privateKeyPath)
    )
      return known;
  } catch {
    // No sandbox.json yet: build it.
  }
  return ensureSandbox();
}

/**
 * Starts a private sandbox named `hemma-sandbox-<label>-<random>` and waits until systemd has
 * booted and SSH with the pinned host key works.
 */
export async function startPrivateSandbox(label: string): Promise<PrivateSandbox> {
  const shared = sharedSandbox();
  const container = `hemma-sandbox-${label}-${randomBytes(3).toString("hex")}`;
  const port = await freePort();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `hemma-${label}-e2e-`));
  const remove = (): void => {
    spawnSync("docker", ["rm", "-f", "--volumes", container]);
    spawnSync("docker", ["network", "rm", container]);
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    // A network of its own, so this container needs nothing from the default bridge.
    docker(["network", "create", container]);
    const web = { httpPort: await freePort(), httpsPort: await freePort() };
    docker(
      dockerRunArgs({
        container,
        image: shared.image,
        sshPort: port,
        inputsHash: `${label}-e2e`,
        network: container,
        ...web,
      }),
    );
    await until("systemd in the private sandbox", 60_000, () => {
      const r = spawnSync("docker", ["exec", container, "systemctl", "is-system-running"], {
        encoding: "utf8",
      });
      return ["running", "degraded"].includes(r.stdout.trim());
    });
    const user = shared.user;
    docker(
      [
        "exec",
        "-i",
        container,
        "sh",
        "-c",
        `umask 077 && cat > /home/${user}/.ssh/authorized_keys && chown ${user}:${user} /home/${user}/.ssh/authorized_keys`,
      ],
      fs.readFileSync(`${shared.privateKeyPath}.pub`, "utf8"),
    );
    const hostKey = hostKeyLineFromPub(
      docker(["exec", container, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"]),
    );
    const knownHostsPath = path.join(workDir, "known_hosts");
    fs.writeFileSync(knownHostsPath, knownHostsLine("127.0.0.1", port, hostKey));
    const info: SandboxInfo = { ...shared, container, port, ...web, hostKey, knownHostsPath };
    await until(
      "ssh into the private sandbox",
      30_000,
      () => spawnSync("ssh", [...sshArgs(info), "true"]).status === 0,
    );
    return {
      info,
      connection: {
        host: info.host,
        port: info.port,
        user: info.user,
        hostKey,
        privateKey: privateKey(info),
      },
      inContainer: (script) => docker(["exec", "-i", container, "bash", "-s"], script).trim(),
      remove,
    };
  } catch (err) {
    remove();
    throw err;
  }
}
