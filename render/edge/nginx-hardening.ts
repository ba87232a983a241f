import type { RenderedFile } from "../types";

/** What the probe-blocking snippet drops. */
export interface ProbeBlockArgs {
  /** Regexes (PCRE, case-insensitive) matched against the normalised `$uri`; a match is dropped with 444. */
  readonly blockedPathPatterns: readonly string[];
  /** Methods let through; any other method is dropped with 444. */
  readonly allowedMethods: readonly string[];
}

/**
 * Environment the nginx-proxy container runs with for the edge (docs/decisions/0061): `HSTS=off`,
 * because `vhost.d/default` sends HSTS itself and nginx-proxy 1.6 would add a second header; and
 * `TRUST_DOWNSTREAM_PROXY=false`, because nothing sits in front of hemma's proxy, so a client must
 * not be able to set `X-Forwarded-Proto/For` itself. The docker layer passes exactly these to the
 * container (`stacks/layers/docker.ts`).
 */
export const NGINX_PROXY_EDGE_ENV = ["HSTS=off", "TRUST_DOWNSTREAM_PROXY=false"] as const;

/** File name of the probe-blocking snippet inside vhost.d (`vhost.d/default` includes it). */
export const GLOBAL_HARDENING_FILE = "global-hardening.conf";

/** File name of the snippet nginx-proxy includes for every vhost without a `vhost.d/<host>` file. */
export const DEFAULT_VHOST_FILE = "default";

/**
 * Renders `vhost.d/global-hardening.conf`: server-level `if … { return 444; }` rules.
 *
 * Server-level rewrite directives run in the server-rewrite phase, before nginx picks a
 * location, so no location nginx-proxy generates (nor a regex location added later) can bypass
 * them; `$uri` is used rather than `$request_uri` because it is decoded and normalised, so
 * `/%2eenv` and `//.git` are caught too (docs/decisions/0060).
 */
export function renderGlobalHardening(args: ProbeBlockArgs): string {
  if (args.allowedMethods.length === 0) {
    throw new Error("renderGlobalHardening: allowedMethods must name at least one method");
  }
  for (const method of args.allowedMethods) {
    if (!/^[A-Z]{3,20}$/.test(method)) {
      throw new Error(`renderGlobalHardening: method '${method}' is not an upper-case HTTP method`);
    }
  }
  for (const pattern of args.blockedPathPatterns) {
    if (pattern.length === 0 || /["\n\r]/.test(pattern)) {
      throw new Error(
        `renderGlobalHardening: pattern '${pattern}' is empty or holds a double quote or newline`,
      );
    }
  }
  const lines = [
    "# Managed by hemma-infra (render/edge/nginx-hardening.ts); local edits are reverted.",
    "# Included through vhost.d/default inside every nginx-proxy server block. Probe traffic gets",
    "# 444: nginx closes the connection without sending a response.",
    `if ($request_method !~ ^(${args.allowedMethods.join("|")})$) {`,
    "    return 444;",
    "}",
    ...args.blockedPathPatterns.flatMap((pattern) => [`if ($uri ~* "${pattern}") {`, "    return 444;", "}"]),
  ];
  return `${lines.join("\n")}\n`;
}

/** Security headers sent on every response of every vhost. */
export interface SecurityHeadersArgs {
  /** `Strict-Transport-Security` value; sent on HTTPS responses only. */
  readonly hsts: string;
  /** `X-Frame-Options` value. */
  readonly frameOptions: string;
  /** `Referrer-Policy` value. */
  readonly referrerPolicy: string;
  /** `Permissions-Policy` value. */
  readonly permissionsPolicy: string;
}

/** Arguments of {@link renderVhostDefault}. */
export interface VhostDefaultArgs extends SecurityHeadersArgs {
  /** Directory the proxy sees vhost.d at (the include path inside the container), e.g. `/etc/nginx/vhost.d`. */
  readonly containerVhostDir: string;
}

/**
 * Renders `vhost.d/default`, which nginx-proxy includes in the server block of every vhost that
 * has no `vhost.d/<VIRTUAL_HOST>` file of its own.
 *
 * Headers are server-level `add_header … always`: nginx-proxy's generated `location /` has no
 * `add_header` of its own, so it inherits them (nginx drops inherited `add_header`s from any level
 * that declares one). HSTS comes from here, not from nginx-proxy, so the container must run with
 * `HSTS=off` or the header is sent twice (docs/decisions/0061). The snippet sets no
 * `proxy_set_header`: one would stop the proxy's http-level `X-Forwarded-*` headers from being
 * inherited, and the app would lose `X-Forwarded-Proto`.
 */
export function renderVhostDefault(args: VhostDefaultArgs): string {
  for (const [name, value] of Object.entries({
    hsts: args.hsts,
    frameOptions: args.frameOptions,
    referrerPolicy: args.referrerPolicy,
    permissionsPolicy: args.permissionsPolicy,
  })) {
    if (value.length === 0 || /["\n\r$\\]/.test(value)) {
      throw new Error(`renderVhostDefault: ${name} '${value}' is empty or holds ", $, \\ or a newline`);
    }
  }
  const lines = [
    "# Managed by hemma-infra (render/edge/nginx-hardening.ts); local edits are reverted.",
    "# nginx-proxy includes this in every server block without a vhost.d/<host> file of its own.",
    `include ${args.containerVhostDir}/${GLOBAL_HARDENING_FILE};`,
    "",
    "# An empty value makes nginx omit the header, so plain-HTTP responses carry no HSTS.",
    'set $hemma_hsts "";',
    "if ($https) {",
    `    set $hemma_hsts "${args.hsts}";`,
    "}",
    "add_header Strict-Transport-Security $hemma_hsts always;",
    `add_header X-Frame-Options "${args.frameOptions}" always;`,
    'add_header X-Content-Type-Options "nosniff" always;',
    `add_header Referrer-Policy "${args.referrerPolicy}" always;`,
    `add_header Permissions-Policy "${args.permissionsPolicy}" always;`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Arguments of {@link renderVhostFiles}. */
export interface VhostFilesArgs extends ProbeBlockArgs, VhostDefaultArgs {
  /** Host directory bind-mounted at {@link VhostDefaultArgs.containerVhostDir}. */
  readonly hostVhostDir: string;
}

/** The two vhost.d files, at their host paths. Mode 0644: the proxy's workers only need to read them. */
export function renderVhostFiles(args: VhostFilesArgs): RenderedFile[] {
  return [
    {
      path: `${args.hostVhostDir}/${GLOBAL_HARDENING_FILE}`,
      content: renderGlobalHardening(args),
      mode: "0644",
      kind: "config",
    },
    { path: `${args.hostVhostDir}/default`, content: renderVhostDefault(args), mode: "0644", kind: "config" },
  ];
}
