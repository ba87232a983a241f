import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { RevertGuardArm, RevertGuardConfirm } from "../../providers/revert-guard";

/** What a guarded change declares about itself. */
export interface GuardSpec {
  /** Guard name: `/var/lib/hemma/revert/<name>` and unit `hemma-revert-<name>`. */
  readonly name: string;
  /** Files the revert restores. */
  readonly paths: string[];
  /** Command the revert runs after restoring them. */
  readonly restoreCommand: string;
  /** Command printing the guarded live state. */
  readonly probeCommand: string;
  /** sha256 (`probeDigest`) of what the probe prints once the change is applied. */
  readonly desiredDigest: pulumi.Input<string>;
  /** Seconds until the host reverts unless access is proven. */
  readonly timeoutSeconds: number;
  /** What the change is, for the lockout message. */
  readonly description: string;
  /** Resources the Arm waits for, e.g. another guard's Confirm: one guarded change at a time. */
  readonly after?: pulumi.Resource[];
}

/**
 * Wraps the resources `makeChange` creates between a revert Arm and a fresh-login Confirm
 * (docs/decisions/0066): the change depends on the Arm, the Confirm on the change. Child names
 * derive from `name`.
 */
export function guardedChange<T extends pulumi.Resource>(
  name: string,
  connection: HostConnectionArgs,
  spec: GuardSpec,
  parent: pulumi.Resource,
  makeChange: (dependsOn: pulumi.Resource[]) => T[],
): { arm: RevertGuardArm; changed: T[]; confirm: RevertGuardConfirm } {
  const arm = new RevertGuardArm(
    `${name}-revert-arm`,
    {
      connection,
      name: spec.name,
      paths: spec.paths,
      restoreCommand: spec.restoreCommand,
      probeCommand: spec.probeCommand,
      desiredDigest: spec.desiredDigest,
      timeoutSeconds: spec.timeoutSeconds,
    },
    { parent, ...(spec.after ? { dependsOn: spec.after } : {}) },
  );
  const changed = makeChange([arm]);
  const confirm = new RevertGuardConfirm(
    `${name}-revert-confirm`,
    {
      connection,
      name: spec.name,
      armId: arm.armId,
      timeoutSeconds: spec.timeoutSeconds,
      description: spec.description,
      probeCommand: spec.probeCommand,
      desiredDigest: spec.desiredDigest,
    },
    { parent, dependsOn: changed },
  );
  return { arm, changed, confirm };
}
