import { z } from "zod";

/** A TCP port, 1-65535. */
export const portSchema = z
  .number({ error: "a port number 1-65535" })
  .int({ error: "a whole port number 1-65535" })
  .min(1, { error: "a port number 1-65535" })
  .max(65535, { error: "a port number 1-65535" });

/** A positive whole number of seconds. */
export const secondsSchema = z
  .number({ error: "a whole number of seconds > 0" })
  .int({ error: "a whole number of seconds > 0" })
  .min(1, { error: "a whole number of seconds > 0" });

/** An absolute POSIX path without `..` segments, spaces or trailing slash. */
export const absolutePathSchema = z
  .string({ error: "an absolute path" })
  .regex(/^\/(?:[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*)?$/, {
    error: "an absolute path such as /usr/bin/docker (letters, digits, . _ - @ +; no spaces or trailing /)",
  })
  .refine((v) => !v.split("/").includes(".."), { error: "an absolute path without '..' segments" });

/** A full 40-character lower-case hex git commit sha. */
export const gitShaSchema = z
  .string({ error: "a full 40-character git commit sha" })
  .regex(/^[0-9a-f]{40}$/, {
    error: "a full 40-character lower-case hex git commit sha (git rev-parse <ref>)",
  });

/** Docker object names (containers, volumes, networks): Docker's own rule `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
export const dockerNameSchema = z
  .string({ error: "a Docker object name" })
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, {
    error: "a Docker object name: a letter or digit, then letters, digits, '_', '.' or '-'",
  });

/** A PostgreSQL identifier that needs no quoting: lower case, starts with a letter or `_`, at most 63 bytes. */
export const sqlIdentifierSchema = z.string({ error: "a SQL identifier" }).regex(/^[a-z_][a-z0-9_]{0,62}$/, {
  error:
    "a safe SQL identifier: lower-case letters, digits and '_', starting with a letter or '_', at most 63",
});

/** An e-mail address (simple form: local@domain.tld, no spaces). */
export const emailSchema = z
  .string({ error: "an e-mail address" })
  .regex(/^[A-Za-z0-9._%+-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/, {
    error: "an e-mail address such as ops@example.org",
  });

/** An http(s) URL without spaces. */
export const httpUrlSchema = z
  .string({ error: "an http(s) URL" })
  .regex(/^https?:\/\/[^\s/$.?#][^\s]*$/, { error: "an http:// or https:// URL without spaces" });
