import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";

/** Where and how remote actions reach the Docker host over SSH. */
export interface SshTarget {
  /** Hostname or IP address of the host. */
  readonly host: string;
  /** SSH port. */
  readonly port: number;
  /** Login user (needs NOPASSWD sudo for the docker binary). */
  readonly user: string;
  /** Pinned host key line (`ssh-ed25519 AAAA...`); a host presenting another key is refused. */
  readonly hostKey: string;
  /** Private key (PEM/OpenSSH text), a secret. */
  readonly privateKey: pulumi.Input<string>;
  /** Seconds one dial attempt may take. Default 10. */
  readonly connectTimeoutSeconds?: number;
}

/** Dial attempts before a remote action gives up; low so an unreachable host fails fast. */
export const DIAL_ERROR_LIMIT = 3;

/**
 * Builds the one `remote.Command` connection every action uses. The object is built field by
 * field (never spread) so no stray key can leak into the logged connection, and the private key
 * is forced secret so a plain value from a test or a misread config cannot reach state in clear.
 */
export function sshConnection(target: SshTarget): command.types.input.remote.ConnectionArgs {
  if (target.hostKey.trim() === "") {
    throw new Error("sshConnection: hostKey is empty; every SSH transport must pin the host key");
  }
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    hostKey: target.hostKey,
    privateKey: pulumi.secret(target.privateKey),
    dialErrorLimit: DIAL_ERROR_LIMIT,
    perDialTimeout: target.connectTimeoutSeconds ?? 10,
  };
}
