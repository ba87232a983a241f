import type { RenderedFile } from "../types";

/** Never banned on any stack: loopback. */
export const LOOPBACK = ["127.0.0.0/8", "::1"] as const;

/** Never banned unless `ignorePrivateRanges` is off: RFC 1918 and IPv6 ULA (spec §11 invariant 18). */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"] as const;

/** What prod never bans, whatever extra addresses config adds: loopback and the private ranges. */
export const ALWAYS_IGNORED = [...LOOPBACK, ...PRIVATE_RANGES] as const;

/**
 * Ban action for jails whose offenders reach nginx-proxy: Docker DNATs published ports in
 * prerouting and forwards them, so a ban on the input hook (fail2ban's default) never sees that
 * traffic. A filter chain on prerouting before DNAT (priority -150) drops it for host and
 * containers alike; `reject` is not allowed on prerouting, hence `drop`. Its own table keeps its
 * `f2b-chain` apart from jails using the stock input-hook one in `f2b-table`; the chain name
 * itself cannot be set here, jail.conf passes the jail's `chain` (docs/decisions/0065).
 */
export const PREROUTING_BANACTION =
  "nftables[type=allports, table=f2b-edge, chain_hook=prerouting, chain_priority=-150, blocktype=drop]";

/** The jails {@link renderFail2banFiles} declares, as `fail2ban-client status` lists them. */
export const FAIL2BAN_JAILS = ["nginx-proxy-probe", "recidive", "sshd"] as const;

/** The jail that reads nginx-proxy's log. */
export const PROBE_JAIL = "nginx-proxy-probe";

/** Docker's json-file log of container `id` under the `containers` directory `dir`. */
export function dockerContainerLog(dir: string, id: string): string {
  return `${dir}/${id}/${id}-json.log`;
}

/** Arguments of {@link renderFail2banFiles}. */
export interface Fail2banArgs {
  /** Docker's `containers` directory, holding `<id>/<id>-json.log`. */
  readonly dockerContainersDir: string;
  /** Whether the private ranges are never banned (prod); off only where a private LAN stand-in must be bannable. */
  readonly ignorePrivateRanges: boolean;
  /** Addresses never banned in addition to loopback (and the private ranges). */
  readonly extraIgnoreIp: readonly string[];
  /** sshd `maxretry`. */
  readonly sshdMaxRetry: number;
  /** sshd `findtime`. */
  readonly sshdFindTime: string;
  /** sshd `bantime`. */
  readonly sshdBanTime: string;
  /** nginx-proxy-probe `maxretry`. */
  readonly probeMaxRetry: number;
  /** nginx-proxy-probe `findtime`. */
  readonly probeFindTime: string;
  /** nginx-proxy-probe `bantime`. */
  readonly probeBanTime: string;
  /** Always-present empty log for the probe jail. Default {@link PROBE_PLACEHOLDER_LOG}. */
  readonly placeholderLog?: string;
}

/**
 * An empty file listed as the probe jail's second logpath. fail2ban 1.0 refuses its whole
 * configuration (sshd and recidive included) when a jail's logpath matches no file, which is the
 * case until Docker has written a container log (docs/decisions/0065).
 */
export const PROBE_PLACEHOLDER_LOG = "/var/log/hemma/nginx-proxy-probe.placeholder.log";

/** The `ignoreip` value: loopback, the private ranges unless switched off, then config extras, without repeats. */
export function fail2banIgnoreIp(extra: readonly string[], ignorePrivateRanges: boolean): string {
  const fixed = ignorePrivateRanges ? ALWAYS_IGNORED : LOOPBACK;
  return [...new Set([...fixed, ...extra])].join(" ");
}

/**
 * The failregex of `nginx-proxy-probe`, one line of Docker's json-file log holding one line of
 * nginx-proxy's `vhost` access log (`$host $remote_addr - $remote_user [$time_local] "$request"
 * $status $body_bytes_sent "$http_referer" "$http_user_agent" "$upstream_addr"`), optionally
 * behind forego's `nginx.1    | ` prefix. It counts only answers nginx itself gave — upstream
 * `"-"` — with 444 (probe dropped), 401 (basic auth failed) or 403 (denied), so an app's own
 * 401 to a logged-out browser never bans anyone (docs/decisions/0065). `<HOST>` sits before
 * every client-controlled field except `$host`, which nginx only accepts without spaces.
 * fail2ban cuts the `[$time_local]` it found with `datepattern` out of the line before matching,
 * so the regex holds no date.
 */
export const PROBE_FAILREGEX =
  '^\\{"log":"(?:[^"|]*\\|\\s*)?\\S+ <HOST> - .*? ' +
  '\\\\"[^"]*\\\\" (?:444|401|403) \\d+ \\\\"[^"]*\\\\" \\\\"[^"]*\\\\" \\\\"-\\\\"(?:\\\\r)?\\\\n"';

/** Renders `filter.d/nginx-proxy-probe.conf`. `%` is doubled because fail2ban interpolates it. */
export function renderProbeFilter(): string {
  return [
    "# Managed by hemma-infra (render/edge/fail2ban.ts); local edits are reverted.",
    "# nginx-proxy access lines (log_format vhost) inside Docker json-file logs, answered by",
    '# nginx itself (upstream "-") with 444, 401 or 403.',
    "[Definition]",
    `failregex = ${PROBE_FAILREGEX}`,
    "ignoreregex =",
    "datepattern = \\[%%d/%%b/%%Y:%%H:%%M:%%S %%z\\]",
    "",
  ].join("\n");
}

function jail(name: string, settings: ReadonlyArray<readonly [string, string | number]>): string {
  return [
    "# Managed by hemma-infra (render/edge/fail2ban.ts); local edits are reverted.",
    `[${name}]`,
    ...settings.map(([k, v]) => `${k} = ${v}`),
    "",
  ].join("\n");
}

/**
 * The jail and filter files of spec §7.3. `ignoreip` is set on every jail: a LAN or Docker
 * address banned by `sshd` or `recidive` would close the break-glass path (docs/decisions/0065).
 */
export function renderFail2banFiles(args: Fail2banArgs): RenderedFile[] {
  const ignoreip = fail2banIgnoreIp(args.extraIgnoreIp, args.ignorePrivateRanges);
  const placeholder = args.placeholderLog ?? PROBE_PLACEHOLDER_LOG;
  const file = (path: string, content: string): RenderedFile => ({
    path,
    content,
    mode: "0644",
    kind: "config",
  });
  return [
    file(
      "/etc/fail2ban/jail.d/sshd.local",
      jail("sshd", [
        ["enabled", "true"],
        ["backend", "systemd"],
        ["maxretry", args.sshdMaxRetry],
        ["findtime", args.sshdFindTime],
        ["bantime", args.sshdBanTime],
        ["ignoreip", ignoreip],
      ]),
    ),
    file(
      "/etc/fail2ban/jail.d/recidive.local",
      jail("recidive", [
        ["enabled", "true"],
        ["logpath", "/var/log/fail2ban.log*"],
        ["banaction", PREROUTING_BANACTION],
        ["findtime", "7d"],
        ["maxretry", 3],
        ["bantime", -1],
        ["ignoreip", ignoreip],
      ]),
    ),
    file(
      "/etc/fail2ban/jail.d/nginx-proxy-probe.local",
      jail("nginx-proxy-probe", [
        ["enabled", "true"],
        ["backend", "polling"],
        ["filter", "nginx-proxy-probe"],
        ["logpath", `${args.dockerContainersDir}/*/*-json.log\n          ${placeholder}`],
        ["usedns", "no"],
        ["banaction", PREROUTING_BANACTION],
        ["maxretry", args.probeMaxRetry],
        ["findtime", args.probeFindTime],
        ["bantime", args.probeBanTime],
        ["ignoreip", ignoreip],
      ]),
    ),
    file("/etc/fail2ban/filter.d/nginx-proxy-probe.conf", renderProbeFilter()),
    file(placeholder, ""),
  ];
}
