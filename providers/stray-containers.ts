import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import { inspectContainersScript, parseDockerInspect, type InspectedContainer } from "./docker-inspect";
import { shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";

/** What the program's containers claim on the host: anything else claiming it is a stray. */
export interface ContainerClaims {
  /** Fixed container names (`shared-postgres`, `nginx-proxy`, ...). */
  names: string[];
  /** Labels whose key and value mark one of the program's services. */
  labels: { key: string; value: string }[];
  /** Network aliases the program's containers answer to. */
  aliases: { network: string; alias: string }[];
  /** Host names nginx-proxy routes to the program's containers (`VIRTUAL_HOST`). */
  virtualHosts: string[];
}

/**
 * Containers that claim a name, service label, network alias or public host name of the
 * program without carrying its `managedLabel`: a container recreated by hand, or left over
 * from a compose stack, that would take traffic or a name the program owns (docs/decisions/0036).
 */
export interface StrayContainersArgs {
  /** How to reach the Docker host. */
  connection: HostConnectionArgs;
  /** Absolute path of the docker CLI on the host (run as root). */
  dockerBinary: string;
  /** What the program's containers claim. */
  claims: ContainerClaims;
  /** The label every container of the program carries. */
  managedLabel: { key: string; value: string };
  /** Host directory where a removed stray's `docker inspect` is kept before removal. */
  backupDir: string;
  /** Seconds a stray gets to stop before it is killed. Default 30. */
  stopGraceSeconds?: number;
}

/** One container found claiming what the program owns. */
export interface Stray {
  /** Short container id (12 hex). */
  id: string;
  /** Container name. */
  name: string;
  /** What it claims, e.g. `name shared-postgres`, `alias skriptoteket-web on hule-network`. */
  claims: string[];
}

/** A stray removed by the last `up`. */
export interface RemovedStray extends Stray {
  /** Where its `docker inspect` was saved on the host. */
  backup: string;
}

interface Inputs {
  connection: HostConnectionState;
  dockerBinary: string;
  claims: ContainerClaims;
  managedLabel: { key: string; value: string };
  backupDir: string;
  stopGraceSeconds: number;
  /** Always `[]`: the wanted state, compared with the live strays of the same name. */
  strays: Stray[];
}

/** State: the inputs with `strays` as live at the last read, and those the last `up` removed. */
export interface StrayContainersOutputs extends Inputs {
  /** Strays the last create or update removed, with their backups. */
  removed: RemovedStray[];
}

/** What `c` claims of `claims`, one phrase each; empty when it claims nothing. */
export function claimsOf(c: InspectedContainer, claims: ContainerClaims): string[] {
  const found: string[] = [];
  if (claims.names.includes(c.name)) found.push(`name ${c.name}`);
  for (const l of claims.labels) if (c.labels[l.key] === l.value) found.push(`label ${l.key}=${l.value}`);
  for (const a of claims.aliases) {
    if (c.networks.some((n) => n.name === a.network && n.aliases.includes(a.alias)))
      found.push(`alias ${a.alias} on ${a.network}`);
  }
  const hosts = (c.env.VIRTUAL_HOST ?? "").split(",").map((h) => h.trim());
  for (const h of claims.virtualHosts) if (hosts.includes(h)) found.push(`VIRTUAL_HOST ${h}`);
  return found;
}

/** The containers claiming what the program owns without its managed label, sorted by name. */
export function findStrays(
  containers: InspectedContainer[],
  claims: ContainerClaims,
  managed: { key: string; value: string },
): Stray[] {
  return containers
    .filter((c) => c.labels[managed.key] !== managed.value)
    .map((c) => ({ id: c.id.slice(0, 12), name: c.name, claims: claimsOf(c, claims) }))
    .filter((s) => s.claims.length > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Bash that keeps each stray's `docker inspect` under `backupDir` and removes the container
 * (stopped with `grace` seconds first; its volumes are never removed). Prints `removed=<id> <file>`.
 */
export function removeStraysScript(
  docker: string,
  strays: Stray[],
  backupDir: string,
  grace: number,
  stamp: string,
): string {
  const bin = shellQuote(docker);
  const lines = ["set -euo pipefail", `install -d -m 0700 ${shellQuote(backupDir)}`];
  for (const s of strays) {
    const file = `${backupDir}/${s.name}-${s.id}-${stamp}.json`;
    lines.push(
      `${bin} container inspect ${shellQuote(s.id)} > ${shellQuote(file)}`,
      `chmod 0600 ${shellQuote(file)}`,
      `${bin} stop --time ${grace} ${shellQuote(s.id)} >/dev/null`,
      `${bin} rm ${shellQuote(s.id)} >/dev/null`,
      `echo ${shellQuote(`removed=${s.id} ${file}`)}`,
    );
  }
  return lines.join("\n");
}

async function readStrays(inputs: Inputs): Promise<Stray[]> {
  const res = await runRemoteChecked(
    inputs.connection,
    "list containers",
    inspectContainersScript(inputs.dockerBinary),
  );
  return findStrays(parseDockerInspect(res.stdout), inputs.claims, inputs.managedLabel);
}

async function converge(inputs: Inputs): Promise<StrayContainersOutputs> {
  const strays = await readStrays(inputs);
  const removed: RemovedStray[] = [];
  if (strays.length > 0) {
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z");
    const res = await runRemoteChecked(
      inputs.connection,
      `remove stray containers ${strays.map((s) => s.name).join(", ")}`,
      removeStraysScript(inputs.dockerBinary, strays, inputs.backupDir, inputs.stopGraceSeconds, stamp),
    );
    for (const line of res.stdout.split("\n")) {
      const m = /^removed=(\S+) (.+)$/.exec(line);
      const s = m && strays.find((x) => x.id === m[1]);
      if (m && s) removed.push({ ...s, backup: m[2]! });
    }
  }
  const left = await readStrays(inputs);
  if (left.length > 0)
    throw new Error(`stray containers still present after removal: ${left.map((s) => s.name).join(", ")}`);
  return { ...inputs, strays: [], removed };
}

/** The dynamic provider; holds no secrets and no module state (serialized into state). */
export const strayContainersProvider: pulumi.dynamic.ResourceProvider<Inputs, StrayContainersOutputs> = {
  async check(_olds, news) {
    return {
      inputs: news,
      failures: connectionFailures((news as unknown as Record<string, unknown>).connection),
    };
  },

  async diff(_id, olds, news) {
    const changed =
      (olds.strays ?? []).length > 0 ||
      JSON.stringify([
        olds.claims,
        olds.managedLabel,
        olds.backupDir,
        olds.dockerBinary,
        olds.stopGraceSeconds,
      ]) !==
        JSON.stringify([
          news.claims,
          news.managedLabel,
          news.backupDir,
          news.dockerBinary,
          news.stopGraceSeconds,
        ]);
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
  },

  async create(news) {
    return {
      id: `${news.connection.host}:${news.connection.port}:stray-containers`,
      outs: await converge(news),
    };
  },

  async read(id, props) {
    if (props === undefined || props.connection === undefined)
      throw new Error(`StrayContainers ${id}: no prior state (dynamic resources cannot be imported)`);
    return { id, props: { ...props, strays: await readStrays(props) } };
  },

  async update(_id, _olds, news) {
    return { outs: await converge(news) };
  },

  async delete() {
    // Nothing on the host belongs to the guard itself.
  },
};

/** The provider of StrayContainers resources, with their type token `pulumi-nodejs:dynamic/host:StrayContainers`. */
export const STRAY_CONTAINERS_TYPE = dynamicProviderType("host", "StrayContainers", strayContainersProvider);

/** The host's containers checked for strays; `up` removes them (type `pulumi-nodejs:dynamic/host:StrayContainers`). */
export class StrayContainers extends DynamicResource {
  /** Strays at the last read (empty once converged). */
  declare readonly strays: pulumi.Output<Stray[]>;
  /** Strays the last `up` removed, with the path of each one's saved `docker inspect`. */
  declare readonly removed: pulumi.Output<RemovedStray[]>;

  constructor(name: string, args: StrayContainersArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      STRAY_CONTAINERS_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        dockerBinary: args.dockerBinary,
        claims: args.claims,
        managedLabel: args.managedLabel,
        backupDir: args.backupDir,
        stopGraceSeconds: args.stopGraceSeconds ?? 30,
        strays: [],
        removed: undefined,
      },
      opts,
    );
  }
}
