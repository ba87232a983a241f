import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { HostFile } from "../../providers/host-file";
import type { RenderedFile } from "../../render/types";
import { DEFAULT_VHOST_FILE, GLOBAL_HARDENING_FILE } from "../../render/edge/nginx-hardening";
import { renderHtpasswdFile, type HtpasswdEntry } from "../../render/edge/htpasswd";
import {
  nginxReloadCommand,
  nginxSnippetValidateCommand,
  type ProxyContainer,
} from "../../render/edge/validate-commands";

/** One basic-auth file: the vhost and its users, whose hashes come from secret config. */
export interface BasicAuthFile {
  /** The protected `VIRTUAL_HOST`. */
  readonly vhost: string;
  /** User name. */
  readonly user: string;
  /** The secret key the hash comes from (named in errors). */
  readonly source: string;
  /** The hash, a secret Output. */
  readonly hash: pulumi.Input<string>;
}

/**
 * The content of one htpasswd file as a secret Output. The hash is checked inside `apply`, where
 * its value is known; the error names the secret key, never the value.
 */
export function htpasswdContent(
  auth: BasicAuthFile,
  htpasswdDir: string,
  group: string,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.output(auth.hash).apply((hash) => {
      const entry: HtpasswdEntry = { user: auth.user, hash, source: auth.source };
      return renderHtpasswdFile({ hostHtpasswdDir: htpasswdDir, vhost: auth.vhost, entries: [entry], group })
        .content;
    }),
  );
}

/** Arguments of {@link NginxEdge}. */
export interface NginxEdgeArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** `vhost.d/global-hardening.conf` then `vhost.d/default` (`renderVhostFiles`). */
  readonly vhostFiles: readonly RenderedFile[];
  /** Host directory bind-mounted at `/etc/nginx/htpasswd`. */
  readonly htpasswdDir: string;
  /** Group of the htpasswd files (the proxy's nginx worker gid). */
  readonly htpasswdGroup: string;
  /** Basic-auth files, one per vhost. */
  readonly basicAuth: readonly BasicAuthFile[];
  /**
   * Host names nginx-proxy serves through `vhost.d/default`: a `vhost.d/<name>` or
   * `<name>_location...` file for any of them replaces or extends our snippets, and is drift.
   */
  readonly servedHosts: readonly string[];
  /** The proxy container the snippets are validated in and reloaded. */
  readonly proxy: ProxyContainer;
}

/**
 * nginx-proxy's hardening: the vhost.d snippets (validated with `nginx -t` inside the proxy
 * before the swap, then `nginx -s reload`, never a restart) and the basic-auth files, written
 * from secret hashes at 0640 (docs/decisions/0060-0062).
 */
export class NginxEdge extends pulumi.ComponentResource {
  /** vhost.d files by file name. */
  readonly snippets: Record<string, HostFile> = {};
  /** htpasswd files by vhost. */
  readonly htpasswd: Record<string, HostFile> = {};

  constructor(name: string, args: NginxEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:edge:NginxEdge", name, {}, opts);
    const reload = nginxReloadCommand(args.proxy);
    let previous: HostFile | undefined;
    // global-hardening.conf first: `default` includes it, and nginx -t of `default` needs it there.
    const ordered = [...args.vhostFiles].sort(
      (a, b) =>
        Number(!a.path.endsWith(`/${GLOBAL_HARDENING_FILE}`)) -
        Number(!b.path.endsWith(`/${GLOBAL_HARDENING_FILE}`)),
    );
    for (const f of ordered) {
      const fileName = f.path.slice(f.path.lastIndexOf("/") + 1);
      const resourceName = `${name}-vhost-${fileName.replace(/\./g, "-")}`;
      previous = new HostFile(
        resourceName,
        {
          connection: args.connection,
          path: f.path,
          content: f.content,
          mode: f.mode,
          validate: nginxSnippetValidateCommand(args.proxy, fileName),
          onChange: reload,
          createDirectories: true,
          ...(fileName === DEFAULT_VHOST_FILE
            ? { shadows: { kind: "nginx-vhost" as const, hosts: [...args.servedHosts] } }
            : {}),
        },
        { parent: this, ...(previous ? { dependsOn: [previous] } : {}) },
      );
      this.snippets[fileName] = previous;
    }
    for (const auth of args.basicAuth) {
      this.htpasswd[auth.vhost] = new HostFile(
        `${name}-htpasswd-${auth.vhost.replace(/\./g, "-")}`,
        {
          connection: args.connection,
          path: `${args.htpasswdDir}/${auth.vhost}`,
          content: htpasswdContent(auth, args.htpasswdDir, args.htpasswdGroup),
          mode: "0640",
          owner: "root",
          group: args.htpasswdGroup,
          onChange: reload,
          createDirectories: true,
        },
        { parent: this },
      );
    }
    this.registerOutputs({ snippets: Object.keys(this.snippets), htpasswd: Object.keys(this.htpasswd) });
  }
}
