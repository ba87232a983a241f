import type { RenderedFile } from "../types";

/** Hash schemes nginx's `auth_basic_user_file` verifies: apr1 (built in), bcrypt and SHA-crypt (libc crypt). */
const HASH_FORMATS: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp }> = [
  { name: "apr1", pattern: /^\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$/ },
  { name: "bcrypt", pattern: /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./0-9A-Za-z]{53}$/ },
  { name: "sha256-crypt", pattern: /^\$5\$(rounds=[0-9]{4,9}\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43}$/ },
  { name: "sha512-crypt", pattern: /^\$6\$(rounds=[0-9]{4,9}\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/ },
];

/** Which hash scheme `hash` is in, or `undefined` when nginx could not verify it or it is weak (plain, {SHA}, DES). */
export function htpasswdHashScheme(hash: string): string | undefined {
  return HASH_FORMATS.find((f) => f.pattern.test(hash))?.name;
}

/** One user of a basic-auth file. */
export interface HtpasswdEntry {
  /** User name. */
  readonly user: string;
  /** Password hash (apr1, bcrypt or SHA-crypt), never a password. */
  readonly hash: string;
  /** Where the hash came from, named in errors instead of the value (e.g. `hemma:jaegerBasicAuthHash`). */
  readonly source: string;
}

/**
 * Renders an htpasswd file. The secret config holds the hash itself, so the output is
 * deterministic and a second `up` changes nothing (docs/decisions/0062). Errors name the
 * source key and never echo the value.
 */
export function renderHtpasswd(entries: readonly HtpasswdEntry[]): string {
  if (entries.length === 0) {
    throw new Error("renderHtpasswd: at least one user is required");
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(entry.user)) {
      throw new Error(
        `${entry.source}: user name '${entry.user}' must be 1-64 letters, digits, '.', '_' or '-'`,
      );
    }
    if (seen.has(entry.user)) {
      throw new Error(`${entry.source}: user '${entry.user}' appears twice in one htpasswd file`);
    }
    seen.add(entry.user);
    if (htpasswdHashScheme(entry.hash) === undefined) {
      throw new Error(
        `${entry.source}: not a password hash nginx accepts (value not shown); expected apr1, bcrypt or ` +
          "SHA-crypt, e.g. the output of `openssl passwd -apr1` or `htpasswd -nbB <user> <password> | cut -d: -f2`",
      );
    }
  }
  return entries.map((e) => `${e.user}:${e.hash}\n`).join("");
}

/** Arguments of {@link renderHtpasswdFile}. */
export interface HtpasswdFileArgs {
  /** Host directory bind-mounted at `/etc/nginx/htpasswd` in nginx-proxy. */
  readonly hostHtpasswdDir: string;
  /** The `VIRTUAL_HOST` protected; nginx-proxy looks for a file of exactly this name. */
  readonly vhost: string;
  /** Users and hashes. */
  readonly entries: readonly HtpasswdEntry[];
  /** Group that may read the file: the gid the proxy's nginx workers run as. */
  readonly group: string;
}

/**
 * The htpasswd file for one vhost: `root:<group>` 0640, because nginx workers (not the root
 * master) read it on every request, and nobody else needs to.
 */
export function renderHtpasswdFile(args: HtpasswdFileArgs): RenderedFile {
  return {
    path: `${args.hostHtpasswdDir}/${args.vhost}`,
    content: renderHtpasswd(args.entries),
    mode: "0640",
    owner: "root",
    group: args.group,
    kind: "config",
  };
}
