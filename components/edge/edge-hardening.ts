import * as pulumi from "@pulumi/pulumi";
import type { EdgeConfig } from "../../config/schema/edge";
import type { HostConnectionArgs } from "../../providers/host-connection";
import {
  dockerContainerLog,
  FAIL2BAN_JAILS,
  PROBE_JAIL,
  renderFail2banFiles,
} from "../../render/edge/fail2ban";
import { renderVhostFiles } from "../../render/edge/nginx-hardening";
import { allowUsersName } from "../../render/edge/sshd-hardening";
import type { BasicAuthFile } from "./nginx-edge";
import { NginxEdge } from "./nginx-edge";
import { SshdHardening } from "./sshd-hardening";
import { Firewall } from "./firewall";
import { Fail2ban } from "./fail2ban";

/** Arguments of {@link EdgeHardening}. */
export interface EdgeHardeningArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** `hemma:edge`; `manage` decides which parts exist. */
  readonly edge: EdgeConfig;
  /** Host directory nginx-proxy mounts at `/etc/nginx/vhost.d` (`hemma:proxy.vhostDir`). */
  readonly vhostDir: string;
  /** Host directory nginx-proxy mounts at `/etc/nginx/htpasswd` (`hemma:proxy.htpasswdDir`). */
  readonly htpasswdDir: string;
  /** nginx-proxy container name (`hemma:proxy.containerName`). */
  readonly proxyContainer: string;
  /** docker CLI on the host (`hemma:docker.binary`). */
  readonly dockerBin: string;
  /** Hashes for `edge.basicAuth`, by secret key name; secret Outputs. */
  readonly basicAuthHashes: Readonly<Record<string, pulumi.Input<string>>>;
  /** The nginx-proxy container's id, when the docker layer runs: the probe jail must follow its log. Default none. */
  readonly proxyContainerId?: pulumi.Input<string>;
  /** Public vhost names nginx-proxy serves (`hemma:domains` but `host`); see `NginxEdgeArgs.servedHosts`. */
  readonly servedHosts: readonly string[];
}

/** hemma's edge and access hardening: nginx-proxy snippets and basic auth, sshd, UFW and fail2ban (spec §4, §7). */
export class EdgeHardening extends pulumi.ComponentResource {
  readonly nginx?: NginxEdge;
  readonly sshd?: SshdHardening;
  readonly firewall?: Firewall;
  readonly fail2ban?: Fail2ban;

  constructor(name: string, args: EdgeHardeningArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:edge:EdgeHardening", name, {}, opts);
    const { edge, connection } = args;
    // Only the name is checked here: whether a `name@host` entry matches the address the program
    // comes from is known on the host alone, so the revert guard catches that (docs/decisions/0066).
    if (edge.manage.sshd && !edge.ssh.allowUsers.map(allowUsersName).includes(connection.user)) {
      throw new Error(
        `hemma:edge.ssh.allowUsers is [${edge.ssh.allowUsers.join(", ")}] but the program logs in as hemma:ssh.user ` +
          `'${connection.user}': add it, or the sshd hardening would lock the program out`,
      );
    }
    if (edge.manage.nginx) {
      const basicAuth: BasicAuthFile[] = edge.basicAuth.map((b) => {
        const hash = args.basicAuthHashes[b.hashSecret];
        if (hash === undefined) {
          throw new Error(
            `hemma:edge.basicAuth for ${b.vhost} names the secret hemma:${b.hashSecret}, which the program does not read`,
          );
        }
        return { vhost: b.vhost, user: b.user, source: `hemma:${b.hashSecret}`, hash };
      });
      this.nginx = new NginxEdge(
        `${name}-nginx`,
        {
          connection,
          vhostFiles: renderVhostFiles({ ...edge.nginx, hostVhostDir: args.vhostDir }),
          htpasswdDir: args.htpasswdDir,
          htpasswdGroup: edge.htpasswdGroup,
          basicAuth,
          servedHosts: args.servedHosts,
          proxy: { dockerBin: args.dockerBin, container: args.proxyContainer },
        },
        { parent: this },
      );
    }
    if (edge.manage.sshd) {
      this.sshd = new SshdHardening(
        `${name}-sshd`,
        { connection, ...edge.ssh, revertTimeoutSeconds: edge.revertTimeoutSeconds },
        { parent: this },
      );
    }
    if (edge.manage.firewall) {
      this.firewall = new Firewall(
        `${name}-firewall`,
        // One guarded change at a time: each proves access on its own.
        {
          connection,
          ...edge.firewall,
          revertTimeoutSeconds: edge.revertTimeoutSeconds,
          ...(this.sshd ? { after: [this.sshd.confirm] } : {}),
        },
        { parent: this },
      );
    }
    if (edge.manage.fail2ban) {
      this.fail2ban = new Fail2ban(
        `${name}-fail2ban`,
        {
          connection,
          files: renderFail2banFiles(edge.fail2ban),
          jails: FAIL2BAN_JAILS,
          ...(args.proxyContainerId === undefined
            ? {}
            : {
                logs: [
                  pulumi.output(args.proxyContainerId).apply((id) => ({
                    jail: PROBE_JAIL,
                    path: dockerContainerLog(edge.fail2ban.dockerContainersDir, id),
                  })),
                ],
              }),
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
