import type * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import { ContainerNetworks } from "../../providers/container-networks";
import type { HostConnectionArgs } from "../../providers/host-connection";

/** The label every container this program runs carries; a claimant without it is a stray (docs/decisions/0036). */
export const MANAGED_LABEL = { key: "education.hule.hemma.managed-by", value: "hemma-infra" } as const;

/** How the docker layer's guards reach the Docker host: the host layer's SSH connection and docker CLI. */
export interface DockerHostAccess {
  /** The host connection of the dynamic providers. */
  readonly connection: HostConnectionArgs;
  /** Absolute path of the docker CLI on the host. */
  readonly dockerBinary: string;
}

/** One network a container joins, with its aliases there. */
export interface ContainerNetwork {
  /** Network name. */
  readonly name: pulumi.Input<string>;
  /** Aliases on that network. Default none. */
  readonly aliases?: string[];
}

/** `networksAdvanced` of a docker.Container for these networks. */
export function networksAdvanced(
  networks: readonly ContainerNetwork[],
): docker.types.input.ContainerNetworksAdvanced[] {
  return networks.map((n) => ({ name: n.name, ...(n.aliases?.length ? { aliases: [...n.aliases] } : {}) }));
}

/**
 * Keeps `container` on exactly `networks` (the list its `networksAdvanced` came from): the docker
 * provider never reads networks back, so without this a hand disconnect is invisible drift.
 */
export function networkGuard(
  name: string,
  container: docker.Container,
  networks: readonly ContainerNetwork[],
  access: DockerHostAccess,
  parent: pulumi.Resource,
): ContainerNetworks {
  return new ContainerNetworks(
    `${name}-networks`,
    {
      connection: access.connection,
      dockerBinary: access.dockerBinary,
      container: container.name,
      networks: networks.map((n) => ({ name: n.name, aliases: n.aliases ?? [] })),
    },
    { parent, dependsOn: [container] },
  );
}
