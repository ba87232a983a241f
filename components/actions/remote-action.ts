import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { withTimeout } from "./shell";

/** One idempotent one-shot step run on the host over SSH. */
export interface RemoteActionArgs {
  /** Connection built by `sshConnection` (never an ad-hoc object). */
  readonly connection: command.types.input.remote.ConnectionArgs;
  /** Bash script; plain text so a reviewer can read it in the diff. Secrets never go here. */
  readonly script: string;
  /** Seconds the script may run before `timeout` kills it. */
  readonly timeoutSeconds: number;
  /** Data piped to the script's stdin; the only way secrets reach the host. Default none. */
  readonly stdin?: pulumi.Input<string>;
  /** Values whose change re-runs the step (replace). Secrets in here stay secret Outputs. */
  readonly triggers: pulumi.Input<unknown>[];
  /** Whether stdout/stderr may be shown in the Pulumi log. False for anything near a secret. */
  readonly logOutput: boolean;
}

/**
 * Creates a `remote.Command` with the project's safety defaults: the script under `timeout`,
 * no delete command (a one-shot is never undone by Pulumi), no previous stdout injected into the
 * environment, and output hidden and kept secret unless `logOutput`.
 */
export function remoteAction(
  name: string,
  args: RemoteActionArgs,
  opts: pulumi.CustomResourceOptions,
): command.remote.Command {
  const hidden = !args.logOutput;
  return new command.remote.Command(
    name,
    {
      connection: args.connection,
      create: withTimeout(args.timeoutSeconds, args.script),
      ...(args.stdin === undefined ? {} : { stdin: args.stdin }),
      triggers: args.triggers,
      addPreviousOutputInEnv: false,
      logging: hidden
        ? command.types.enums.remote.Logging.None
        : command.types.enums.remote.Logging.StdoutAndStderr,
    },
    {
      ...opts,
      additionalSecretOutputs: hidden ? ["stdout", "stderr"] : [],
      // The engine waits a little longer than the script's own timeout, so `timeout` reports first.
      customTimeouts: { create: `${args.timeoutSeconds + 60}s`, update: `${args.timeoutSeconds + 60}s` },
    },
  );
}
