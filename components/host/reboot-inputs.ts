import * as pulumi from "@pulumi/pulumi";
import type { HostFile } from "../../providers/host-file";

/**
 * `{ path: digest }` of the files whose change takes effect only after a reboot. A component
 * exposes it as an output: when its value changes in `up`, hemma needs a reboot.
 */
export function rebootInputs(
  files: Readonly<Record<string, HostFile>>,
): pulumi.Output<Record<string, string>> {
  const paths = Object.keys(files).sort();
  return pulumi
    .all(paths.map((p) => files[p]!.digest))
    .apply((digests) => Object.fromEntries(paths.map((p, i) => [p, digests[i]!])));
}

/** Merges several components' reboot inputs into one map (undefined entries are skipped). */
export function mergeRebootInputs(
  parts: readonly (pulumi.Output<Record<string, string>> | undefined)[],
): pulumi.Output<Record<string, string>> {
  const present = parts.filter((p): p is pulumi.Output<Record<string, string>> => p !== undefined);
  return pulumi.all(present).apply((maps) => Object.assign({}, ...maps) as Record<string, string>);
}
