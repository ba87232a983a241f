import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import { inspectContainersScript, parseDockerInspect, type NetworkAttachment } from "./docker-inspect";
import { shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";
import { isUnknown } from "./values";

/**
 * The networks (and aliases) of one container, read from the live host. The docker provider
 * never reads a container's networks back, so a `docker network disconnect` by hand would be
 * invisible to refresh (docs/decisions/0036); this resource makes it drift and repairs it.
 */
export interface ContainerNetworksArgs {
  /** How to reach the Docker host. */
  connection: HostConnectionArgs;
  /** Absolute path of the docker CLI on the host (run as root). */
  dockerBinary: string;
  /** The container's name (the docker.Container `name` output). */
  container: pulumi.Input<string>;
  /** Every network the container must be on, with the aliases it must have there; no others. */
  networks: { name: pulumi.Input<string>; aliases?: string[] }[];
}

interface Inputs {
  connection: HostConnectionState;
  dockerBinary: string;
  container: string;
  networks: NetworkAttachment[];
}

/**
 * State: `networks` is what the host had at the last read (declared aliases that are present,
 * and every undeclared network with no aliases listed), so it compares with the wanted input of
 * the same name and a drift report names the field; `declared` keeps the wanted attachments.
 */
export interface ContainerNetworksOutputs extends Inputs {
  /** The wanted attachments, for reading the live ones in the same shape. */
  declared: NetworkAttachment[];
}

/** Normalises the wanted attachments: sorted by name, aliases sorted and unique. */
export function wantedNetworks(networks: { name: string; aliases?: string[] }[]): NetworkAttachment[] {
  return networks
    .map((n) => ({ name: n.name, aliases: [...new Set(n.aliases ?? [])].sort() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The live attachments in the shape of `wanted`: for a wanted network, the wanted aliases it has
 * (Docker's own short-id alias is not compared); an undeclared network with no aliases. So
 * `live` equals `wanted` exactly when nothing differs.
 */
export function comparableLive(wanted: NetworkAttachment[], live: NetworkAttachment[]): NetworkAttachment[] {
  return live.map((n) => {
    const want = wanted.find((w) => w.name === n.name);
    return { name: n.name, aliases: want ? want.aliases.filter((a) => n.aliases.includes(a)) : [] };
  });
}

/**
 * Whether the live attachments differ from the wanted ones. Compared as canonical text, not as
 * objects: values that went through the engine come back with their keys in another order.
 */
export function networksDiffer(wanted: NetworkAttachment[], live: NetworkAttachment[]): boolean {
  const canonical = (list: NetworkAttachment[]): string =>
    list
      .map((n) => `${n.name}=${[...n.aliases].sort().join(",")}`)
      .sort()
      .join(";");
  return canonical(wanted) !== canonical(live);
}

/**
 * The docker commands that make `container` attached exactly as `wanted`, given `live` (in the
 * {@link comparableLive} shape): undeclared networks disconnected, missing ones connected with
 * their aliases, a network missing an alias reconnected (Docker cannot add an alias in place).
 */
export function repairCommands(
  container: string,
  wanted: NetworkAttachment[],
  live: NetworkAttachment[],
): string[][] {
  const cmds: string[][] = [];
  for (const n of live) {
    const want = wanted.find((w) => w.name === n.name);
    if (!want || want.aliases.some((a) => !n.aliases.includes(a)))
      cmds.push(["network", "disconnect", "--force", n.name, container]);
  }
  for (const w of wanted) {
    const have = live.find((n) => n.name === w.name);
    if (!have || w.aliases.some((a) => !have.aliases.includes(a)))
      cmds.push(["network", "connect", ...w.aliases.flatMap((a) => ["--alias", a]), w.name, container]);
  }
  return cmds;
}

async function readLive(
  target: Pick<Inputs, "connection" | "dockerBinary" | "container">,
  wanted: NetworkAttachment[],
): Promise<NetworkAttachment[] | undefined> {
  const res = await runRemoteChecked(
    target.connection,
    `inspect container ${target.container}`,
    inspectContainersScript(target.dockerBinary, target.container),
  );
  const [found] = parseDockerInspect(res.stdout);
  return found ? comparableLive(wanted, found.networks) : undefined;
}

async function converge(inputs: Inputs): Promise<ContainerNetworksOutputs> {
  const live = await readLive(inputs, inputs.networks);
  if (live === undefined) throw new Error(`container ${inputs.container} does not exist on the host`);
  const cmds = repairCommands(inputs.container, inputs.networks, live);
  if (cmds.length === 0) return { ...inputs, networks: live, declared: inputs.networks };
  const bin = shellQuote(inputs.dockerBinary);
  await runRemoteChecked(
    inputs.connection,
    `attach container ${inputs.container} to its networks`,
    ["set -euo pipefail", ...cmds.map((c) => `${bin} ${c.map(shellQuote).join(" ")} >/dev/null`)].join("\n"),
  );
  const after = await readLive(inputs, inputs.networks);
  if (after === undefined || networksDiffer(inputs.networks, after))
    throw new Error(`container ${inputs.container}: networks still differ after repair`);
  return { ...inputs, networks: after, declared: inputs.networks };
}

/** The dynamic provider; holds no secrets and no module state (serialized into state). */
export const containerNetworksProvider: pulumi.dynamic.ResourceProvider<Inputs, ContainerNetworksOutputs> = {
  async check(_olds, news) {
    const failures = connectionFailures((news as unknown as Record<string, unknown>).connection);
    const container = news.container;
    if (!isUnknown(container) && (typeof container !== "string" || container === ""))
      failures.push({ property: "container", reason: "container must be a container name" });
    const networks = Array.isArray(news.networks) ? news.networks : [];
    if (networks.some((n) => isUnknown(n.name))) return { inputs: news, failures };
    return { inputs: { ...news, networks: wantedNetworks(networks) }, failures };
  },

  async diff(_id, olds, news) {
    const replaces = olds.container !== news.container ? ["container"] : [];
    const changes =
      replaces.length > 0 ||
      isUnknown(news.container) ||
      networksDiffer(news.networks, olds.networks) ||
      olds.dockerBinary !== news.dockerBinary;
    return { changes, replaces, deleteBeforeReplace: false };
  },

  async create(news) {
    const outs = await converge(news);
    return { id: `${news.connection.host}:${news.connection.port}:${news.container}:networks`, outs };
  },

  async read(id, props) {
    if (props === undefined || props.connection === undefined)
      throw new Error(`ContainerNetworks ${id}: no prior state (dynamic resources cannot be imported)`);
    const live = await readLive(props, props.declared);
    // A missing container is the docker.Container resource's drift to report, not this one's.
    return live === undefined ? { id: "" } : { id, props: { ...props, networks: live } };
  },

  async update(_id, _olds, news) {
    return { outs: await converge(news) };
  },

  async delete() {
    // The attachments go with the container; nothing on the host is this resource's own.
  },
};

/** The provider of ContainerNetworks resources, with their type token `pulumi-nodejs:dynamic/host:ContainerNetworks`. */
export const CONTAINER_NETWORKS_TYPE = dynamicProviderType(
  "host",
  "ContainerNetworks",
  containerNetworksProvider,
);

/** A container's network attachments, kept exactly as declared (type `pulumi-nodejs:dynamic/host:ContainerNetworks`). */
export class ContainerNetworks extends DynamicResource {
  /** Live attachments at the last read. */
  declare readonly networks: pulumi.Output<NetworkAttachment[]>;

  constructor(name: string, args: ContainerNetworksArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      CONTAINER_NETWORKS_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        dockerBinary: args.dockerBinary,
        container: args.container,
        networks: args.networks,
        declared: undefined,
      },
      opts,
    );
  }
}
