import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { HostFile } from "../../providers/host-file";
import { Fail2banJails, type JailLog } from "../../providers/fail2ban-jails";
import type { RenderedFile } from "../../render/types";
import { fail2banValidateCommand } from "../../render/edge/validate-commands";

/** fail2ban re-reads jails and filters on restart (spec §10). */
export const FAIL2BAN_RESTART_COMMAND = "systemctl restart fail2ban";

/** Arguments of {@link Fail2ban}. */
export interface Fail2banArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** The files of `renderFail2banFiles`: jails and filter under /etc/fail2ban, and the placeholder log. */
  readonly files: readonly RenderedFile[];
  /** Jails that must be running (`FAIL2BAN_JAILS`). */
  readonly jails: readonly string[];
  /** Logs a jail must follow (nginx-proxy's, once the docker layer made the container). Default none. */
  readonly logs?: pulumi.Input<pulumi.Input<JailLog>[]>;
}

/**
 * The `sshd`, `recidive` and `nginx-proxy-probe` jails and the probe filter, each validated on a
 * copy of the live fail2ban config before the swap, then fail2ban restarted; and fail2ban's
 * running state read back: service, jails and followed logs (docs/decisions/0065).
 */
export class Fail2ban extends pulumi.ComponentResource {
  /** Files by host path. */
  readonly files: Record<string, HostFile> = {};
  /** The running service and jails. */
  readonly running: Fail2banJails;

  constructor(name: string, args: Fail2banArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:edge:Fail2ban", name, {}, opts);
    const slug = (path: string) => path.slice(path.lastIndexOf("/") + 1).replace(/\./g, "-");
    // The placeholder log and the filter exist before the jail that names them is validated.
    const first = args.files.filter((f) => !f.path.startsWith("/etc/fail2ban/jail.d/"));
    const jails = args.files.filter((f) => f.path.startsWith("/etc/fail2ban/jail.d/"));
    const before: HostFile[] = [];
    for (const f of first) {
      const isConfig = f.path.startsWith("/etc/fail2ban/");
      const file = new HostFile(
        `${name}-${slug(f.path)}`,
        {
          connection: args.connection,
          path: f.path,
          content: f.content,
          mode: f.mode,
          createDirectories: !isConfig,
          ...(isConfig
            ? { validate: fail2banValidateCommand(f.path), onChange: FAIL2BAN_RESTART_COMMAND }
            : {}),
        },
        { parent: this },
      );
      this.files[f.path] = file;
      before.push(file);
    }
    for (const f of jails) {
      this.files[f.path] = new HostFile(
        `${name}-${slug(f.path)}`,
        {
          connection: args.connection,
          path: f.path,
          content: f.content,
          mode: f.mode,
          validate: fail2banValidateCommand(f.path),
          onChange: FAIL2BAN_RESTART_COMMAND,
        },
        { parent: this, dependsOn: before },
      );
    }
    this.running = new Fail2banJails(
      `${name}-jails`,
      { connection: args.connection, jails: [...args.jails], logs: args.logs ?? [] },
      { parent: this, dependsOn: Object.values(this.files) },
    );
    this.registerOutputs({ files: Object.keys(this.files), jails: this.running.running });
  }
}
