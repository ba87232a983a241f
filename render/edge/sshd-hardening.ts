import type { RenderedFile } from "../types";
import { shellQuote } from "../../providers/shell";

/**
 * One `AllowUsers` entry: a login name, optionally `@` a host part sshd matches against the
 * client (an address, a CIDR network, or a pattern with `*`, `?` and `!`).
 */
export const ALLOW_USERS_ENTRY = /^[a-z_][a-z0-9_-]{0,31}(@[A-Za-z0-9.:/*?!_-]+)?$/;

/** The login name of an `AllowUsers` entry (`paunchygent@192.168.0.0/24` → `paunchygent`). */
export function allowUsersName(entry: string): string {
  const at = entry.indexOf("@");
  return at === -1 ? entry : entry.slice(0, at);
}

/** Arguments of {@link renderSshdHardening}. */
export interface SshdHardeningArgs {
  /** `AllowUsers` entries (`name` or `name@host`), in order. */
  readonly allowUsers: readonly string[];
  /** `PermitRootLogin` value. */
  readonly permitRootLogin: "no" | "prohibit-password" | "forced-commands-only";
  /**
   * `MaxSessions`: sessions per SSH connection. The docker provider multiplexes one session per
   * Docker API connection over one SSH connection (decision 0037). Absent: sshd's default (10).
   */
  readonly maxSessions?: number;
}

/** The directives of the drop-in, as `sshd -T` prints them (lower-case keyword, value). */
export function sshdHardeningDirectives(args: SshdHardeningArgs): Array<readonly [string, string]> {
  if (args.allowUsers.length === 0) {
    throw new Error("sshd hardening: AllowUsers must name at least one user, or nobody can log in");
  }
  for (const user of args.allowUsers) {
    if (!ALLOW_USERS_ENTRY.test(user)) {
      throw new Error(`sshd hardening: '${user}' is not a login name or name@host`);
    }
  }
  return [
    ["PasswordAuthentication", "no"],
    ["KbdInteractiveAuthentication", "no"],
    ["PubkeyAuthentication", "yes"],
    ["PermitRootLogin", args.permitRootLogin],
    ["AllowUsers", args.allowUsers.join(" ")],
    ...(args.maxSessions === undefined ? [] : [["MaxSessions", String(args.maxSessions)] as const]),
  ];
}

/** Renders `/etc/ssh/sshd_config.d/99-hardening.conf` (spec §7.1, plus `MaxSessions`). */
export function renderSshdHardening(args: SshdHardeningArgs): string {
  const lines = [
    "# Managed by hemma-infra (render/edge/sshd-hardening.ts); local edits are reverted.",
    ...sshdHardeningDirectives(args).map(([k, v]) => `${k} ${v}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** The drop-in as a host file (0644 like the rest of /etc/ssh/sshd_config.d). */
export function renderSshdHardeningFile(path: string, args: SshdHardeningArgs): RenderedFile {
  return { path, content: renderSshdHardening(args), mode: "0644", kind: "config" };
}

/** Arguments of {@link sshdValidateScript}. */
export interface SshdValidateArgs extends SshdHardeningArgs {
  /** Drop-in path on the host, e.g. `/etc/ssh/sshd_config.d/99-hardening.conf`. */
  readonly dropInPath: string;
  /** sshd binary. Default `sshd` (from PATH). */
  readonly sshd?: string;
}

/**
 * A POSIX sh script (argument `$1`: the candidate drop-in) that proves the candidate before it
 * replaces the live file: it builds a copy of the real config in which the candidate stands at
 * its final place among the other drop-ins, runs `sshd -t` on it, and then checks with `sshd -T`
 * that every hardening value is the one sshd would really use. sshd keeps the FIRST value it
 * reads, so an earlier drop-in (cloud-init's `50-cloud-init.conf` sets `PasswordAuthentication
 * yes`) silently beats `99-hardening.conf`; that case fails here, naming the directive
 * (docs/decisions/0063).
 */
export function sshdValidateScript(args: SshdValidateArgs): string {
  const slash = args.dropInPath.lastIndexOf("/");
  const dropInDir = args.dropInPath.slice(0, slash);
  const dropInName = args.dropInPath.slice(slash + 1);
  const etcDir = dropInDir.replace(/\/sshd_config\.d$/, "");
  if (etcDir === dropInDir || !/^[A-Za-z0-9._-]+\.conf$/.test(dropInName)) {
    throw new Error(
      `sshd hardening: drop-in path '${args.dropInPath}' must be <dir>/sshd_config.d/<name>.conf`,
    );
  }
  const sshd = args.sshd ?? "sshd";
  const expected = sshdHardeningDirectives(args).flatMap(([k, v]) =>
    // sshd -T prints one `allowusers` line per user.
    k === "AllowUsers" ? v.split(" ").map((u) => `allowusers ${u}`) : [`${k.toLowerCase()} ${v}`],
  );
  return [
    "set -u",
    'cand="$1"',
    `etc=${shellQuote(etcDir)}`,
    `name=${shellQuote(dropInName)}`,
    `sshd=${shellQuote(sshd)}`,
    "work=$(mktemp -d) || exit 1",
    "trap 'rm -rf \"$work\"' EXIT",
    'mkdir "$work/d"',
    'for f in "$etc"/sshd_config.d/*.conf; do [ -e "$f" ] && cp "$f" "$work/d/"; done',
    'cp "$cand" "$work/d/$name"',
    'inc="Include $etc/sshd_config.d/\\*.conf"',
    'if ! grep -q "^$inc\\$" "$etc/sshd_config"; then',
    "  echo \"hemma: $etc/sshd_config has no 'Include $etc/sshd_config.d/*.conf' line, so $name would have no effect\" >&2",
    "  exit 1",
    "fi",
    'sed "s#^$inc\\$#Include $work/d/*.conf#" "$etc/sshd_config" > "$work/main"',
    'if ! "$sshd" -t -f "$work/main"; then',
    '  echo "hemma: sshd -t rejects the config with the new $name" >&2',
    "  exit 1",
    "fi",
    '"$sshd" -T -f "$work/main" > "$work/raw" || exit 1',
    // Older OpenSSH prints the legacy alias of prohibit-password.
    'sed \'s/^permitrootlogin without-password$/permitrootlogin prohibit-password/\' "$work/raw" > "$work/effective"',
    "rc=0",
    `for want in ${expected.map(shellQuote).join(" ")}; do`,
    '  if ! grep -qix "$want" "$work/effective"; then',
    "    key=${want%% *}",
    '    got=$(grep -i "^$key " "$work/effective" | tr "\\n" " ")',
    "    echo \"hemma: with the new $name sshd would use '${got% }' instead of '$want': an earlier file in $etc/sshd_config.d or sshd_config sets $key first\" >&2",
    "    rc=1",
    "  fi",
    "done",
    'exit "$rc"',
  ].join("\n");
}

/** The HostFile `validate` command: runs {@link sshdValidateScript} with `{}` (the staged file) as `$1`. */
export function sshdValidateCommand(args: SshdValidateArgs): string {
  return `sh -c ${shellQuote(sshdValidateScript(args))} hemma-sshd-validate {}`;
}
