import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { probeDigest } from "../../providers/revert-guard";
import {
  UFW_PROBE_COMMAND,
  UFW_RESTORE_COMMAND,
  UFW_STATE_FILES,
  UfwRules,
  ufwProbeExpected,
} from "../../providers/ufw-rules";
import { renderUfwRules, type UfwRulesArgs } from "../../render/edge/ufw-rules";
import { guardedChange } from "./guarded";

/** Arguments of {@link Firewall}. */
export interface FirewallArgs extends UfwRulesArgs {
  /** How to reach the host. */
  readonly connection: HostConnectionArgs;
  /** Seconds until the host restores its previous UFW state unless a fresh login works. */
  readonly revertTimeoutSeconds: number;
  /** Resources to finish first (another guard's Confirm): one guarded change at a time. */
  readonly after?: pulumi.Resource[];
}

/**
 * UFW: default deny incoming plus the rule set of spec §7.2 (docs/decisions/0064) as one
 * resource that reads the live rules back, guarded against lockout (docs/decisions/0066).
 */
export class Firewall extends pulumi.ComponentResource {
  /** The rule set resource. */
  readonly rules: UfwRules;

  constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:edge:Firewall", name, {}, opts);
    const rules = renderUfwRules(args);
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
        ...(args.after ? { after: args.after } : {}),
      },
      this,
      (dependsOn) => [
        new UfwRules(`${name}-rules`, { connection: args.connection, rules }, { parent: this, dependsOn }),
      ],
    );
    this.rules = changed[0]!;
    this.registerOutputs({ rules: this.rules.rules });
  }
}
