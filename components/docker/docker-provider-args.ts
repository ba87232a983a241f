/** How the docker provider reaches the daemon. */
export interface DockerDaemonTarget {
  /** Daemon URL: `unix:///path`, `ssh://user@host[:port]` or `tcp://host:port`. */
  readonly host: string;
  /** Pinned host key line (`ssh-ed25519 AAAA...`), required for `ssh://`. */
  readonly hostKey: string;
  /** Seconds the SSH handshake may take. */
  readonly connectTimeoutSeconds: number;
  /** Private key file for `ssh://` (`-i`, `IdentitiesOnly`). Default: the ssh agent and config. */
  readonly identityFile?: string;
}

/** Where the shared SSH connections' control sockets live (short: a unix socket path is limited). */
export const SSH_CONTROL_DIR = "/tmp";

/** Arguments for `new docker.Provider`: plain data so it is tested without the provider. */
export interface DockerProviderSettings {
  /** Daemon URL. */
  readonly host: string;
  /** Extra `ssh` flags; empty unless the URL is `ssh://`. */
  readonly sshOpts: string[];
}

/**
 * Docker provider settings. For `ssh://` the provider shells out to the local `ssh`, which would
 * trust `~/.ssh/known_hosts` (or nothing): these options make it accept only the pinned key
 * (`KnownHostsCommand` prints it; the known-hosts files are emptied), never prompt, and give up
 * quickly on an unreachable host. The login key is `identityFile` when given, else whatever the
 * operator's ssh agent or config offers.
 */
export function dockerProviderSettings(t: DockerDaemonTarget): DockerProviderSettings {
  if (!t.host.startsWith("ssh://")) return { host: t.host, sshOpts: [] };
  const m = /^([a-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(t.hostKey.trim());
  if (!m)
    throw new Error(
      "dockerProviderSettings: an ssh:// daemon needs a pinned host key line '<type> <base64>'",
    );
  return {
    host: t.host,
    sshOpts: [
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      "-o",
      `KnownHostsCommand=/bin/echo %H ${m[1]} ${m[2]}`,
      "-o",
      "BatchMode=yes",
      "-o",
      `ConnectTimeout=${t.connectTimeoutSeconds}`,
      // Every Docker API connection of the provider is an ssh process: share one SSH connection
      // among them, or a burst of parallel operations exceeds sshd's MaxStartups (0037).
      "-o",
      "ControlMaster=auto",
      "-o",
      `ControlPath=${SSH_CONTROL_DIR}/hemma-ssh-%C`,
      "-o",
      "ControlPersist=60",
      ...(t.identityFile === undefined ? [] : ["-o", "IdentitiesOnly=yes", "-i", t.identityFile]),
    ],
  };
}
