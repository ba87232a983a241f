import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";

/** Arguments of {@link HuleNetwork}. */
export interface HuleNetworkArgs {
  /** Network name every container joins. Default `hule-network` (co-tenant stacks use it by name). */
  readonly name?: string;
}

/**
 * The shared bridge network (spec §1). Protected and retained on delete: co-tenant containers
 * (HuleEdu, observability) attach to it by name, and a replacement would detach every one of
 * them, so a change that would replace it stops the update instead (docs/decisions/0010).
 */
export class HuleNetwork extends pulumi.ComponentResource {
  /** The Docker network. */
  readonly network: docker.Network;
  /** Network name, for `networksAdvanced` and `--network`. */
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: HuleNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:docker:HuleNetwork", name, {}, opts);
    this.network = new docker.Network(
      name,
      { name: args.name ?? "hule-network", driver: "bridge" },
      { parent: this, protect: true, retainOnDelete: true },
    );
    this.name = this.network.name;
    this.registerOutputs({ name: this.name });
  }
}
