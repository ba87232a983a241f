import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { isUnknown } from "./values";

/** How the host providers reach one host over SSH. Build it once per host and share it. */
export interface HostConnectionArgs {
  /** Host name or address (the sandbox: `127.0.0.1`). */
  host: string;
  /** SSH port. */
  port: number;
  /** Non-root login user; every command runs through `sudo -n` as root. */
  user: string;
  /** Pinned host key: one OpenSSH public key line, e.g. `ssh-ed25519 AAAA... comment`. Never skipped. */
  hostKey: string;
  /** OpenSSH private key of `user`, unencrypted. Kept a secret in state. */
  privateKey: pulumi.Input<string>;
  /** Limit for TCP connect plus SSH handshake, in seconds. Default 10. */
  connectTimeoutSeconds?: number;
  /** Limit for each remote command, in seconds; the channel is closed when it expires. Default 120. */
  commandTimeoutSeconds?: number;
}

/** The connection as the providers receive and store it: defaults filled in, the key in plain text. */
export interface HostConnectionState {
  host: string;
  port: number;
  user: string;
  hostKey: string;
  privateKey: string;
  connectTimeoutSeconds: number;
  commandTimeoutSeconds: number;
}

/** {@link HostConnectionState} as a resource input: each field may be an `Output`. */
export type HostConnectionInput = { [K in keyof HostConnectionState]: pulumi.Input<HostConnectionState[K]> };

/** Default connect (TCP + handshake) limit in seconds. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** Default per-command limit in seconds. */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 120;

/**
 * The resource input for a connection: every default written out (so state says what was used)
 * and the private key wrapped as a secret, so it is encrypted in state.
 */
export function connectionInput(args: HostConnectionArgs): HostConnectionInput {
  return {
    host: args.host,
    port: args.port,
    user: args.user,
    hostKey: args.hostKey.trim(),
    privateKey: pulumi.secret(args.privateKey),
    connectTimeoutSeconds: args.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS,
    commandTimeoutSeconds: args.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS,
  };
}

/** A pinned OpenSSH public key line, decoded. */
export interface PinnedHostKey {
  /** Key type from the line, e.g. `ssh-ed25519`. */
  type: string;
  /** The raw key blob (what the server sends during key exchange). */
  blob: Buffer;
}

/** Parse `type base64 [comment]`; throws with the reason when the line is not a public key. */
export function parsePinnedHostKey(line: string): PinnedHostKey {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 2 || fields[0] === "") {
    throw new Error(
      `pinned host key must be an OpenSSH public key line "type base64", got ${JSON.stringify(line)}`,
    );
  }
  const [type, b64] = fields as [string, string];
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new Error(`pinned host key ${type} has invalid base64 data`);
  }
  const blob = Buffer.from(b64, "base64");
  const embedded = keyBlobType(blob);
  if (embedded !== type) {
    throw new Error(`pinned host key says ${type} but its data holds a ${embedded ?? "malformed"} key`);
  }
  return { type, blob };
}

/** The key type string embedded at the start of an SSH public key blob, or undefined if malformed. */
export function keyBlobType(blob: Buffer): string | undefined {
  if (blob.length < 4) {
    return undefined;
  }
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) {
    return undefined;
  }
  return blob.subarray(4, 4 + len).toString("latin1");
}

/** OpenSSH fingerprint of a key blob: `SHA256:` + unpadded base64 of its SHA-256 digest. */
export function keyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Compare the key the server presented with the pinned line. Returns undefined when they are
 * the same key, or the error message to fail with (it names host and port and both fingerprints).
 */
export function hostKeyMismatch(
  host: string,
  port: number,
  pinnedLine: string,
  presented: Buffer,
): string | undefined {
  const pinned = parsePinnedHostKey(pinnedLine);
  if (pinned.blob.equals(presented)) {
    return undefined;
  }
  return (
    `host key mismatch for ${host}:${port}: expected ${pinned.type} ${keyFingerprint(pinned.blob)}, ` +
    `got ${keyBlobType(presented) ?? "unknown"} ${keyFingerprint(presented)}`
  );
}

/**
 * Host key algorithms to offer so the server presents a key of the pinned type (a server with
 * several host keys would otherwise pick its own preference and always "mismatch").
 */
export function hostKeyAlgorithms(pinnedType: string): string[] {
  if (pinnedType === "ssh-rsa") {
    return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  }
  return [pinnedType];
}

/** Problems with a connection as received by a provider's `check`, one message per field. */
export function connectionFailures(conn: unknown): { property: string; reason: string }[] {
  const failures: { property: string; reason: string }[] = [];
  if (typeof conn !== "object" || conn === null) {
    return [{ property: "connection", reason: "connection is required" }];
  }
  const c = conn as Record<string, unknown>;
  const known = (v: unknown): boolean => !isUnknown(v);
  if (known(c.host) && (typeof c.host !== "string" || c.host.trim() === "")) {
    failures.push({ property: "connection.host", reason: "host must be a non-empty string" });
  }
  if (
    known(c.port) &&
    (typeof c.port !== "number" || !Number.isInteger(c.port) || c.port < 1 || c.port > 65535)
  ) {
    failures.push({
      property: "connection.port",
      reason: `port must be an integer 1-65535, got ${JSON.stringify(c.port)}`,
    });
  }
  if (
    known(c.user) &&
    (typeof c.user !== "string" || !/^[a-z_][a-z0-9_-]*$/.test(c.user) || c.user === "root")
  ) {
    failures.push({
      property: "connection.user",
      reason: `user must be a non-root login name, got ${JSON.stringify(c.user)}`,
    });
  }
  if (known(c.hostKey)) {
    try {
      parsePinnedHostKey(String(c.hostKey ?? ""));
    } catch (e) {
      failures.push({ property: "connection.hostKey", reason: (e as Error).message });
    }
  }
  for (const field of ["connectTimeoutSeconds", "commandTimeoutSeconds"]) {
    const v = c[field];
    if (known(v) && (typeof v !== "number" || !Number.isInteger(v) || v <= 0)) {
      failures.push({
        property: `connection.${field}`,
        reason: `${field} must be a positive integer, got ${JSON.stringify(v)}`,
      });
    }
  }
  return failures;
}
