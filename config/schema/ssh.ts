import { z } from "zod";
import { hostKeySchema } from "./host-key";
import { hostOrIpSchema } from "./hostname";
import { portSchema, secondsSchema } from "./fields";

/** `hemma:ssh`: how the program reaches the host over SSH. The private key is the secret `hemma:sshPrivateKey`. */
export const sshSchema = z.strictObject({
  /** Hostname or IP address to connect to (prod: the Tailscale name). */
  host: hostOrIpSchema,
  /** SSH port. Default 22. */
  port: portSchema.default(22),
  /** Login user. Default `paunchygent`. */
  user: z
    .string({ error: "a login name" })
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: "a login name: lower-case letters, digits, '_' or '-'" })
    .default("paunchygent"),
  /** Pinned host key line; connections to a host presenting another key are refused. */
  hostKey: hostKeySchema,
  /** Seconds to wait for the TCP+SSH handshake. Default 10. */
  connectTimeoutSeconds: secondsSchema.default(10),
  /** Seconds one remote command may run before it is aborted. Default 120. */
  commandTimeoutSeconds: secondsSchema.default(120),
});

/** Parsed `hemma:ssh`. */
export type SshConfig = z.output<typeof sshSchema>;
