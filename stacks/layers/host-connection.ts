import type { HemmaConfig } from "../../config/schema";
import type { HemmaSecrets } from "../../config/secrets";
import type { HostConnectionArgs } from "../../providers/host-connection";

/**
 * The one SSH connection every host resource of a stack uses, built from `hemma:ssh` and the
 * `hemma:sshPrivateKey` secret. Built in one place so all layers pin the same host key and
 * share one pooled connection per run.
 */
export function hostConnectionFromConfig(config: HemmaConfig, secrets: HemmaSecrets): HostConnectionArgs {
  return {
    host: config.ssh.host,
    port: config.ssh.port,
    user: config.ssh.user,
    hostKey: config.ssh.hostKey,
    privateKey: secrets.sshPrivateKey,
    connectTimeoutSeconds: config.ssh.connectTimeoutSeconds,
    commandTimeoutSeconds: config.ssh.commandTimeoutSeconds,
  };
}
