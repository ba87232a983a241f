import { z } from "zod";
import { hostnameSchema, isIpv4, isIpv6 } from "./hostname";
import { absolutePathSchema, portSchema, secondsSchema } from "./fields";
import { ALLOW_USERS_ENTRY } from "../../render/edge/sshd-hardening";

/**
 * Probe paths nginx-proxy drops with 444 (docs/decisions/0060). PCRE, matched case-insensitively
 * against the normalised `$uri`. The dotfile rule spares `/.well-known/` so ACME HTTP-01
 * challenges and security.txt keep working.
 */
export const DEFAULT_BLOCKED_PATH_PATTERNS = [
  "(^|/)\\.(?!well-known(/|$))",
  "(^|/)wp-",
  "\\.(php[0-9]?|phtml)(/|$)",
  "(^|/)cgi-bin(/|$)",
] as const;

/** Methods the proxied apps serve; every other method (WebDAV, scanners) is dropped with 444. */
export const DEFAULT_ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** An IPv4 or IPv6 address or CIDR network (`192.168.0.0/24`, `::1`, `fc00::/7`). */
export const cidrSchema = z.string({ error: "an IP address or CIDR network" }).refine(
  (v) => {
    const [addr, bits, ...rest] = v.split("/");
    if (rest.length > 0 || addr === undefined) return false;
    const v4 = isIpv4(addr);
    if (!v4 && !isIpv6(addr)) return false;
    if (bits === undefined) return true;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(bits)) return false;
    return Number(bits) <= (v4 ? 32 : 128);
  },
  { error: "an IPv4/IPv6 address or CIDR network such as 192.168.0.0/24" },
);

/** A fail2ban duration: seconds, or a number with s/m/h/d/w, or -1 (forever). */
const fail2banTimeSchema = z
  .string({ error: "a fail2ban duration such as 10m, 1h, 7d or -1" })
  .regex(/^(-1|[1-9][0-9]*[smhdw]?)$/, {
    error: "a fail2ban duration such as 600, 10m, 1h, 7d, or -1 for forever",
  });

/**
 * One `AllowUsers` entry: a login name, or `name@host` where the host part is an address, a
 * CIDR network or a pattern sshd matches against the client (`root@192.168.0.0/24`).
 */
const allowUsersEntrySchema = z.string({ error: "a login name" }).regex(ALLOW_USERS_ENTRY, {
  error:
    "a login name (lower-case letters, digits, '_' or '-'), optionally @ an address, CIDR network or host pattern",
});

/** `hemma:edge.nginx`: the vhost.d snippets nginx-proxy includes in every server block. */
const nginxSchema = z.strictObject({
  /** Regexes (PCRE, case-insensitive) of request paths dropped with 444. Default: dotfiles except /.well-known, wp-*, *.php, cgi-bin. */
  blockedPathPatterns: z
    .array(
      z
        .string({ error: "a regex" })
        .min(1, { error: "a non-empty regex" })
        .refine((v) => !/["\n\r]/.test(v), { error: "a regex without double quotes or newlines" })
        .refine(
          (v) => {
            try {
              new RegExp(v);
              return true;
            } catch {
              return false;
            }
          },
          { error: "a valid regular expression" },
        ),
    )
    .default([...DEFAULT_BLOCKED_PATH_PATTERNS]),
  /** HTTP methods let through; all others are dropped with 444. Default GET HEAD POST PUT PATCH DELETE OPTIONS. */
  allowedMethods: z
    .array(z.string().regex(/^[A-Z]{3,20}$/, { error: "an upper-case HTTP method such as GET" }))
    .min(1, { error: "at least one allowed method" })
    .default([...DEFAULT_ALLOWED_METHODS]),
  /** `Strict-Transport-Security` value, sent on HTTPS only. */
  hsts: z
    .string()
    .regex(/^max-age=[0-9]+(; ?[A-Za-z]+)*$/, {
      error: "an HSTS value such as max-age=31536000; includeSubDomains",
    })
    .default("max-age=31536000; includeSubDomains"),
  /** `X-Frame-Options` value. Default `DENY`. */
  frameOptions: z.enum(["DENY", "SAMEORIGIN"]).default("DENY"),
  /** `Referrer-Policy` value. Default `strict-origin-when-cross-origin`. */
  referrerPolicy: z
    .enum([
      "no-referrer",
      "no-referrer-when-downgrade",
      "origin",
      "origin-when-cross-origin",
      "same-origin",
      "strict-origin",
      "strict-origin-when-cross-origin",
    ])
    .default("strict-origin-when-cross-origin"),
  /** `Permissions-Policy` value. Default `geolocation=(), camera=(), microphone=()`. */
  permissionsPolicy: z
    .string()
    .regex(/^[a-z-]+=\([^()"]*\)(, ?[a-z-]+=\([^()"]*\))*$/, {
      error: "a Permissions-Policy such as geolocation=(), camera=()",
    })
    .default("geolocation=(), camera=(), microphone=()"),
  /** Directory the proxy sees its vhost.d mount at (the include path inside the container). Default `/etc/nginx/vhost.d`. */
  containerVhostDir: absolutePathSchema.default("/etc/nginx/vhost.d"),
});

/** One basic-auth protected vhost: nginx-proxy reads `/etc/nginx/htpasswd/<vhost>`. */
const basicAuthSchema = z.strictObject({
  /** The `VIRTUAL_HOST` the file protects (file name in the htpasswd dir). */
  vhost: hostnameSchema,
  /** User name in the file. */
  user: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: "a user name of letters, digits, '.', '_' or '-'" }),
  /** Name of the flat secret key (`hemma:<key>`) holding the password hash (apr1, bcrypt or sha-crypt). */
  hashSecret: z
    .string()
    .regex(/^[a-z][A-Za-z0-9]*$/, { error: "a secret key name in camelCase such as jaegerBasicAuthHash" }),
});

/** `hemma:edge.ssh`: `/etc/ssh/sshd_config.d/99-hardening.conf`. */
const sshHardeningSchema = z.strictObject({
  /** Drop-in path. Default `/etc/ssh/sshd_config.d/99-hardening.conf`. */
  dropInPath: absolutePathSchema.default("/etc/ssh/sshd_config.d/99-hardening.conf"),
  /** `AllowUsers` (`name` or `name@host`); must name the user the program logs in as (`hemma:ssh.user`). Default root paunchygent. */
  allowUsers: z.array(allowUsersEntrySchema).min(1).default(["root", "paunchygent"]),
  /** `PermitRootLogin`. Default `prohibit-password`. */
  permitRootLogin: z.enum(["no", "prohibit-password", "forced-commands-only"]).default("prohibit-password"),
  /**
   * `MaxSessions` per SSH connection: the docker provider runs one multiplexed session per Docker
   * API connection, up to `pulumi up --parallel` at once (decision 0037). Default 32.
   */
  maxSessions: z.number({ error: "a whole number 1-256" }).int().min(1).max(256).default(32),
});

/** An extra UFW rule, written exactly as `ufw show added` prints it (without the leading `ufw `). */
const ufwRuleSchema = z
  .string()
  .regex(/^(allow|deny|reject|limit) [A-Za-z0-9 ./:_+-]+( comment '[^'\n]*')?$/, {
    error: "a ufw rule as `ufw show added` prints it, e.g. allow from 10.0.0.0/8 to any port 9100 proto tcp",
  });

/** `hemma:edge.firewall`: the UFW rule set. */
const firewallSchema = z.strictObject({
  /** Interface SSH is allowed on (the VPN). Default `tailscale0`. */
  sshInterface: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,14}$/)
    .default("tailscale0"),
  /** LAN subnet allowed to SSH as break-glass. Default `192.168.0.0/24`. */
  lanSubnet: cidrSchema.default("192.168.0.0/24"),
  /** Port of the host LLM server reached from containers. Default 8082. */
  llmPort: portSchema.default(8082),
  /** Source of the container-to-host LLM traffic (Docker bridges). Default `172.16.0.0/12`. */
  llmSource: cidrSchema.default("172.16.0.0/12"),
  /** Addresses denied outright, placed before every allow. Default none. */
  denyFrom: z.array(cidrSchema).default([]),
  /** Further rules, appended after the built-in ones. Default none. */
  extraRules: z.array(ufwRuleSchema).default([]),
  /**
   * What reaches containers from outside the host: `published-ports` (only connections Docker
   * forwarded for a port it publishes on a host address; a packet routed to a container's own
   * address is dropped) or `docker-default` (Docker's rules alone). Default `published-ports`
   * (docs/decisions/0067).
   */
  containerIngress: z.enum(["published-ports", "docker-default"]).default("published-ports"),
});

/** `hemma:edge.fail2ban`: jails `sshd`, `recidive`, `nginx-proxy-probe`. */
const fail2banSchema = z.strictObject({
  /** Docker's `containers` directory holding `<id>/<id>-json.log` (snap path on hemma). */
  dockerContainersDir: absolutePathSchema.default("/var/snap/docker/common/var-lib-docker/containers"),
  /**
   * Never ban loopback, RFC 1918 and IPv6 ULA sources (spec §11 invariant 18). Default true;
   * only a sandbox whose LAN stand-in must be bannable turns it off (docs/decisions/0065).
   */
  ignorePrivateRanges: z.boolean().default(true),
  /** Addresses never banned besides loopback and, with `ignorePrivateRanges`, the private ranges: the program's own source belongs here. Default none. */
  extraIgnoreIp: z.array(cidrSchema).default([]),
  /** sshd: failed logins within sshdFindTime that trigger a ban. Default 5 (spec §7.3). */
  sshdMaxRetry: z.number().int().min(1).default(5),
  /** sshd findtime. Default `10m` (spec §7.3). */
  sshdFindTime: fail2banTimeSchema.default("10m"),
  /** sshd bantime. Default `1h` (spec §7.3). */
  sshdBanTime: fail2banTimeSchema.default("1h"),
  /** nginx-proxy-probe: hits within findTime that trigger a ban. Default 10. */
  probeMaxRetry: z.number().int().min(1).default(10),
  /** nginx-proxy-probe findtime. Default `10m`. */
  probeFindTime: fail2banTimeSchema.default("10m"),
  /** nginx-proxy-probe bantime. Default `1h`. */
  probeBanTime: fail2banTimeSchema.default("1h"),
});

/** `hemma:edge.manage`: which parts the stack declares. Plain booleans: they decide which resources exist. */
const manageSchema = z.strictObject({
  /** vhost.d snippets and htpasswd files. Default true. */
  nginx: z.boolean().default(true),
  /** sshd hardening drop-in (guarded). Default true. */
  sshd: z.boolean().default(true),
  /** UFW rule set (guarded). Default true. */
  firewall: z.boolean().default(true),
  /** fail2ban jails and filter. Default true. */
  fail2ban: z.boolean().default(true),
});

/** The default `hemma:edge.basicAuth`: Jaeger and Prometheus, user admin, one hash secret each. */
export const DEFAULT_BASIC_AUTH = [
  { vhost: "jaeger.hemma.hule.education", user: "admin", hashSecret: "jaegerBasicAuthHash" },
  { vhost: "prometheus.hemma.hule.education", user: "admin", hashSecret: "prometheusBasicAuthHash" },
] as const;

/** `hemma:edge`: nginx edge hardening, sshd, UFW, fail2ban and the lockout guard (docs/decisions/0060-0066). */
export const edgeSchema = z.strictObject({
  /** Which parts exist (a sandbox without ufw or fail2ban turns those off). Default all. */
  manage: manageSchema.prefault({}),
  nginx: nginxSchema.prefault({}),
  /** Basic-auth files. Default: Jaeger and Prometheus, user admin. */
  basicAuth: z.array(basicAuthSchema).default([...DEFAULT_BASIC_AUTH]),
  /** Group owning the htpasswd files (0640): the gid nginx workers run as in the nginx-proxy image. Default `101`. */
  htpasswdGroup: z
    .string()
    .regex(/^([0-9]+|[a-z_][a-z0-9_-]*)$/)
    .default("101"),
  ssh: sshHardeningSchema.prefault({}),
  firewall: firewallSchema.prefault({}),
  fail2ban: fail2banSchema.prefault({}),
  /** Seconds after which an armed revert restores sshd/UFW unless access was proven. Default 90. */
  revertTimeoutSeconds: secondsSchema.default(90),
});

/** Parsed `hemma:edge`. */
export type EdgeConfig = z.output<typeof edgeSchema>;
