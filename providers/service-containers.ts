import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import { inspectContainersScript, parseDockerInspect, type InspectedContainer } from "./docker-inspect";
import { shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";
import { isUnknown } from "./values";

/**
 * Keeps exactly the declared containers of some services on the host (the app's web and worker):
 * any other container with one of their service labels is stopped gracefully and removed. It is
 * the retire step of a deploy, run after the new containers passed their health gates, and it
 * also removes what a killed `pulumi up` left behind: a container the engine started but never
 * recorded, which would otherwise serve next to the managed one unseen (docs/decisions/0013).
 */
export interface ServiceContainersArgs {
  /** How to reach the Docker host. */
  connection: HostConnectionArgs;
  /** Absolute path of the docker CLI on the host. */
  dockerBinary: string;
  /** The label key that names a container's service. */
  serviceLabel: string;
  /** The services kept to their declared containers. */
  services: string[];
  /** Ids of the declared containers (the docker.Container `id` outputs). */
  keep: pulumi.Input<string>[];
  /** Seconds a retired container gets to finish requests and jobs before it is killed. */
  stopGraceSeconds: number;
}

/** A container of one of the services that is not declared. */
export interface OtherContainer {
  /** Short id (12 hex). */
  id: string;
  /** Container name. */
  name: string;
  /** Its service label value. */
  service: string;
}

interface Inputs {
  connection: HostConnectionState;
  dockerBinary: string;
  serviceLabel: string;
  services: string[];
  keep: string[];
  stopGraceSeconds: number;
  /** Always `[]`: the wanted state, compared with the live list of the same name. */
  others: OtherContainer[];
}

/** State: the inputs with `others` as found at the last read, and what the last change retired. */
export interface ServiceContainersOutputs extends Inputs {
  /** Containers the last create or update stopped and removed. */
  retired: OtherContainer[];
}

/** The containers of `services` that are not in `keep` (full or short ids), sorted by name. */
export function otherContainers(
  containers: InspectedContainer[],
  serviceLabel: string,
  services: string[],
  keep: string[],
): OtherContainer[] {
  const kept = (id: string): boolean => keep.some((k) => k !== "" && (id.startsWith(k) || k.startsWith(id)));
  return containers
    .filter((c) => services.includes(c.labels[serviceLabel] ?? "") && !kept(c.id))
    .map((c) => ({ id: c.id.slice(0, 12), name: c.name, service: c.labels[serviceLabel]! }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Bash that stops the containers together (SIGTERM, then `grace` seconds before SIGKILL) and
 * removes them, never their volumes.
 */
export function retireScript(docker: string, containers: OtherContainer[], grace: number): string {
  const bin = shellQuote(docker);
  const ids = containers.map((c) => shellQuote(c.id)).join(" ");
  return [
    "set -euo pipefail",
    `${bin} stop --time ${grace} ${ids} >/dev/null`,
    `${bin} rm ${ids} >/dev/null`,
  ].join("\n");
}

async function readOthers(inputs: Inputs): Promise<OtherContainer[]> {
  const res = await runRemoteChecked(
    inputs.connection,
    "list containers",
    inspectContainersScript(inputs.dockerBinary),
  );
  return otherContainers(parseDockerInspect(res.stdout), inputs.serviceLabel, inputs.services, inputs.keep);
}

async function converge(inputs: Inputs): Promise<ServiceContainersOutputs> {
  const others = await readOthers(inputs);
  if (others.length > 0) {
    // Stopping takes up to the grace: give the command that long.
    const conn = {
      ...inputs.connection,
      commandTimeoutSeconds: inputs.connection.commandTimeoutSeconds + inputs.stopGraceSeconds,
    };
    await runRemoteChecked(
      conn,
      `retire ${others.map((o) => o.name).join(", ")}`,
      retireScript(inputs.dockerBinary, others, inputs.stopGraceSeconds),
    );
  }
  const left = await readOthers(inputs);
  if (left.length > 0)
    throw new Error(
      `containers still running beside the declared ones: ${left.map((o) => o.name).join(", ")}`,
    );
  return { ...inputs, others: [], retired: others };
}

/** The dynamic provider; holds no secrets and no module state (serialized into state). */
export const serviceContainersProvider: pulumi.dynamic.ResourceProvider<Inputs, ServiceContainersOutputs> = {
  async check(_olds, news) {
    const failures = connectionFailures((news as unknown as Record<string, unknown>).connection);
    if (!Number.isInteger(news.stopGraceSeconds) || news.stopGraceSeconds <= 0)
      failures.push({ property: "stopGraceSeconds", reason: "stopGraceSeconds must be a positive integer" });
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const changes =
      (olds.others ?? []).length > 0 ||
      news.keep.some(isUnknown) ||
      [...olds.keep].sort().join(",") !== [...news.keep].sort().join(",") ||
      [...olds.services].sort().join(",") !== [...news.services].sort().join(",") ||
      olds.serviceLabel !== news.serviceLabel ||
      olds.stopGraceSeconds !== news.stopGraceSeconds ||
      olds.dockerBinary !== news.dockerBinary;
    return { changes, replaces: [], deleteBeforeReplace: false };
  },

  async create(news) {
    return {
      id: `${news.connection.host}:${news.connection.port}:${news.services.join("+")}`,
      outs: await converge(news),
    };
  },

  async read(id, props) {
    if (props === undefined || props.connection === undefined)
      throw new Error(`ServiceContainers ${id}: no prior state (dynamic resources cannot be imported)`);
    return { id, props: { ...props, others: await readOthers(props) } };
  },

  async update(_id, _olds, news) {
    return { outs: await converge(news) };
  },

  async delete() {
    // The declared containers are their own resources; nothing here is the guard's own.
  },
};

/** The provider of ServiceContainers resources, with their type token `pulumi-nodejs:dynamic/host:ServiceContainers`. */
export const SERVICE_CONTAINERS_TYPE = dynamicProviderType(
  "host",
  "ServiceContainers",
  serviceContainersProvider,
);

/** The app's services kept to their declared containers (type `pulumi-nodejs:dynamic/host:ServiceContainers`). */
export class ServiceContainers extends DynamicResource {
  /** Containers of the services found beside the declared ones at the last read. */
  declare readonly others: pulumi.Output<OtherContainer[]>;
  /** What the last change retired. */
  declare readonly retired: pulumi.Output<OtherContainer[]>;

  constructor(name: string, args: ServiceContainersArgs, opts?: pulumi.CustomResourceOptions) {
    const limit = 300 + args.stopGraceSeconds;
    super(
      SERVICE_CONTAINERS_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        dockerBinary: args.dockerBinary,
        serviceLabel: args.serviceLabel,
        services: args.services,
        keep: args.keep,
        stopGraceSeconds: args.stopGraceSeconds,
        others: [],
        retired: undefined,
      },
      { ...opts, customTimeouts: { create: `${limit}s`, update: `${limit}s` } },
    );
  }
}
