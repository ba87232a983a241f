import { z } from "zod";

/** Host key algorithms OpenSSH offers for host keys. */
export const HOST_KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
] as const;

/**
 * Whether `line` is an OpenSSH public host key line `<type> <base64 blob>`, and the blob is a
 * real key of that type (its wire encoding starts with the same type name).
 */
export function isHostKeyLine(line: string): boolean {
  const m = /^([a-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
  if (!m) return false;
  const [, type, blob] = m;
  if (!(HOST_KEY_TYPES as readonly string[]).includes(type!)) return false;
  const bytes = Buffer.from(blob!, "base64");
  if (bytes.length < 4 + type!.length) return false;
  const nameLength = bytes.readUInt32BE(0);
  return nameLength === type!.length && bytes.subarray(4, 4 + nameLength).toString("ascii") === type;
}

const HOST_KEY_EXPECTED =
  "the host's pinned OpenSSH key line '<type> <base64>' such as 'ssh-ed25519 AAAAC3Nz...' " +
  "(from `ssh-keyscan -t ed25519 <host>`, without the leading host name)";

/** The pinned SSH host key of the target, as one OpenSSH public key line. */
export const hostKeySchema = z
  .string({ error: HOST_KEY_EXPECTED })
  .refine(isHostKeyLine, { error: HOST_KEY_EXPECTED });
