import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { HostFile } from "../../providers/host-file";
import { probeDigest, type RevertGuardConfirm } from "../../providers/revert-guard";
import { shellQuote } from "../../providers/shell";
import {
  renderSshdHardeningFile,
  sshdHardeningDirectives,
  sshdValidateCommand,
  type SshdHardeningArgs as RenderArgs,
} from "../../render/edge/sshd-hardening";
import { guardedChange } from "./guarded";

/** Reload sshd when it runs as a service; with socket activation each new connection reads the config anyway. */
export const SSHD_RELOAD_COMMAND =
  "if systemctl is-active -q ssh.service; then systemctl reload ssh.service; fi";

/** Arguments of {@link SshdHardening}. */
export interface SshdHardeningArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** Drop-in path. Default `/etc/ssh/sshd_config.d/99-hardening.conf`. */
  readonly dropInPath: string;
  /** `AllowUsers`; it must let `connection.user` in, or the guard reverts the change. */
  readonly allowUsers: RenderArgs["allowUsers"];
  /** `PermitRootLogin`. */
  readonly permitRootLogin: RenderArgs["permitRootLogin"];
  /** `MaxSessions`. Default: not set (sshd's 10). */
  readonly maxSessions?: number;
  /** Seconds until the host reverts the drop-in unless a fresh login works. */
  readonly revertTimeoutSeconds: number;
}

/**
 * `/etc/ssh/sshd_config.d/99-hardening.conf`, validated by `sshd -t`/`sshd -T` before the swap,
 * applied with a reload, and guarded: a host-side revert is armed first and disarmed only after
 * a fresh SSH login as the program's user works (docs/decisions/0063, 0066).
 */
export class SshdHardening extends pulumi.ComponentResource {
  /** The drop-in. */
  readonly file: HostFile;
  /** The fresh-login proof; later guarded changes wait for it. */
  readonly confirm: RevertGuardConfirm;

  constructor(name: string, args: SshdHardeningArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:edge:SshdHardening", name, {}, opts);
    const rendered = renderSshdHardeningFile(args.dropInPath, args);
    const { changed, confirm } = guardedChange(
      name,
      args.connection,
      {
        name: "sshd",
        paths: [args.dropInPath],
        restoreCommand: SSHD_RELOAD_COMMAND,
        probeCommand: `cat ${shellQuote(args.dropInPath)}`,
        desiredDigest: probeDigest(rendered.content),
        timeoutSeconds: args.revertTimeoutSeconds,
        description: `sshd hardening (${args.dropInPath})`,
      },
      this,
      (dependsOn) => [
        new HostFile(
          `${name}-drop-in`,
          {
            connection: args.connection,
            path: rendered.path,
            content: rendered.content,
            mode: rendered.mode,
            validate: sshdValidateCommand({ ...args, dropInPath: args.dropInPath }),
            onChange: SSHD_RELOAD_COMMAND,
            // Another drop-in setting one of these keywords differently overrides ours (decision 0063).
            shadows: { kind: "sshd", settings: Object.fromEntries(sshdHardeningDirectives(args)) },
          },
          { parent: this, dependsOn },
        ),
      ],
    );
    this.file = changed[0]!;
    this.confirm = confirm;
    this.registerOutputs({ path: this.file.path, digest: this.file.digest });
  }
}
