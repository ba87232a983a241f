import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { HostFile } from "../../providers/host-file";
import { probeDigest } from "../../providers/revert-guard";
import {
  UFW_PROBE_COMMAND,
  UFW_RESTORE_COMMAND,
  UFW_STATE_FILES,
  UfwRules,
  ufwProbeExpected,
} from "../../providers/ufw-rules";
import { renderUfwRules, type UfwRulesArgs } from "../../render/edge/ufw-rules";
import {
  DOCKER_INGRESS_APPLY_COMMAND,
  renderDockerIngressHook,
  type ContainerIngress,
} from "../../render/edge/docker-ingress";
import { guardedChange } from "./guarded";

/** Arguments of {@link Firewall}. */
export interface FirewallArgs extends UfwRulesArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** Seconds until the host restores its previous UFW state unless a fresh login works. */
  readonly revertTimeoutSeconds: number;
  /** Resources to finish first (another guard's Confirm): one guarded change at a time. */
  readonly after?: pulumi.Resource[];
  /** What reaches containers from outside the host (`/etc/ufw/after.init`, docs/decisions/0067). */
  readonly containerIngress: ContainerIngress;
}

/**
 * UFW: default deny incoming plus the rule set of spec §7.2 (docs/decisions/0064) as one
 * resource that reads the live rules back, guarded against lockout (docs/decisions/0066), and
 * ufw's hook that keeps routed traffic off containers' own addresses (docs/decisions/0067).
 */
export class Firewall extends pulumi.ComponentResource {
  /** The rule set resource. */
  readonly rules: UfwRules;
  /** `/etc/ufw/after.init`. */
  readonly dockerIngress: HostFile;

  constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:edge:Firewall", name, {}, opts);
    const rules = renderUfwRules(args);
    const hook = renderDockerIngressHook(args.containerIngress);
    // Outside the guard: it filters forwarded traffic only, never the host's own SSH. Placed
    // first, so the `ufw enable` of a first run already runs it.
    this.dockerIngress = new HostFile(
      `${name}-docker-ingress`,
      {
        connection: args.connection,
        path: hook.path,
        content: hook.content,
        mode: hook.mode,
        validate: "sh -n {}",
        onChange: DOCKER_INGRESS_APPLY_COMMAND,
      },
      { parent: this },
    );
    const { changed } = guardedChange(
      name,
      args.connection,
      {
        name: "ufw",
        paths: UFW_STATE_FILES,
        restoreCommand: UFW_RESTORE_COMMAND,
        probeCommand: UFW_PROBE_COMMAND,
        desiredDigest: probeDigest(ufwProbeExpected(rules)),
        timeoutSeconds: args.revertTimeoutSeconds,
        description: "the UFW rule set",
        after: [...(args.after ?? []), this.dockerIngress],
      },
      this,
      (dependsOn) => [
        new UfwRules(`${name}-rules`, { connection: args.connection, rules }, { parent: this, dependsOn }),
      ],
    );
    this.rules = changed[0]!;
    this.registerOutputs({ rules: this.rules.rules, dockerIngress: this.dockerIngress.path });
  }
}
