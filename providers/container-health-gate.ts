import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import { shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";
import { isUnknown } from "./values";

/**
 * Waits until a new container reports healthy, and removes it when it does not in time, so a
 * failed deploy leaves nothing half-started and the previous version serving. It replaces the
 * docker provider's own `wait`, which leaves an unhealthy container running, and whose wait a
 * killed `pulumi up` turns into an untracked container (docs/decisions/0013).
 */
export interface ContainerHealthGateArgs {
  /** How to reach the Docker host. */
  connection: HostConnectionArgs;
  /** Absolute path of the docker CLI on the host. */
  dockerBinary: string;
  /** The container's name (the docker.Container `name` output). */
  container: pulumi.Input<string>;
  /** Seconds the container may take to report healthy. */
  timeoutSeconds: number;
  /** Seconds a container that failed the gate gets to finish its requests before it is killed. */
  stopGraceSeconds: number;
}

interface Inputs {
  connection: HostConnectionState;
  dockerBinary: string;
  container: string;
  timeoutSeconds: number;
  stopGraceSeconds: number;
}

/** State: the inputs and the health the container last had. */
export interface ContainerHealthGateOutputs extends Inputs {
  /** `healthy` once passed; the live health status after a refresh. */
  health: string;
}

/** Exit code of {@link gateScript} when the container never became healthy and was removed. */
export const GATE_FAILED_EXIT = 3;

/**
 * Bash that polls the container's health every 2 s for `timeout` seconds. Healthy: prints
 * `health=healthy`. A container that stops, reports `unhealthy`, or stays `starting`: its last
 * health log lines go to stderr, it is stopped with `grace` and removed (never its volumes), and
 * the script exits {@link GATE_FAILED_EXIT}.
 */
export function gateScript(docker: string, container: string, timeout: number, grace: number): string {
  const d = shellQuote(docker);
  const c = shellQuote(container);
  return [
    "set -uo pipefail",
    `deadline=$((SECONDS + ${timeout}))`,
    "status=missing",
    "while :; do",
    `  status=$(${d} inspect -f '{{if .State.Running}}{{if .State.Health}}{{.State.Health.Status}}{{else}}no-healthcheck{{end}}{{else}}stopped{{end}}' ${c} 2>/dev/null || echo missing)`,
    '  case "$status" in',
    "    healthy) echo health=healthy; exit 0 ;;",
    "    unhealthy|stopped|missing|no-healthcheck) break ;;",
    "  esac",
    '  [ "$SECONDS" -ge "$deadline" ] && break',
    "  sleep 2",
    "done",
    `echo "container ${container.replace(/[^A-Za-z0-9_.-]/g, "?")} is $status, not healthy, after at most ${timeout} s; removing it so the previous version keeps serving" >&2`,
    `${d} inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' ${c} 2>/dev/null | tail -n 5 >&2`,
    `${d} stop --time ${grace} ${c} >/dev/null 2>&1`,
    `${d} rm ${c} >/dev/null 2>&1`,
    `exit ${GATE_FAILED_EXIT}`,
  ].join("\n");
}

/** Bash printing `health=<status>` of the container, or `health=` when it does not exist. */
export function healthScript(docker: string, container: string): string {
  return `echo "health=$(${shellQuote(docker)} inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' ${shellQuote(container)} 2>/dev/null || true)"`;
}

async function pass(inputs: Inputs): Promise<ContainerHealthGateOutputs> {
  // The host-side poll runs under the connection's command limit: give it the gate's time.
  const conn = {
    ...inputs.connection,
    commandTimeoutSeconds: inputs.timeoutSeconds + inputs.stopGraceSeconds + 60,
  };
  await runRemoteChecked(
    conn,
    `wait for container ${inputs.container} to be healthy`,
    gateScript(inputs.dockerBinary, inputs.container, inputs.timeoutSeconds, inputs.stopGraceSeconds),
  );
  return { ...inputs, health: "healthy" };
}

/** The dynamic provider; holds no secrets and no module state (serialized into state). */
export const containerHealthGateProvider: pulumi.dynamic.ResourceProvider<
  Inputs,
  ContainerHealthGateOutputs
> = {
  async check(_olds, news) {
    const failures = connectionFailures((news as unknown as Record<string, unknown>).connection);
    for (const f of ["timeoutSeconds", "stopGraceSeconds"] as const)
      if (!Number.isInteger(news[f]) || news[f] <= 0)
        failures.push({ property: f, reason: `${f} must be a positive integer` });
    if (!isUnknown(news.container) && (typeof news.container !== "string" || news.container === ""))
      failures.push({ property: "container", reason: "container must be a container name" });
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    // Only a new container is gated; its health later is the container's own business.
    const replaces = olds.container !== news.container ? ["container"] : [];
    const changes =
      replaces.length > 0 ||
      olds.timeoutSeconds !== news.timeoutSeconds ||
      olds.stopGraceSeconds !== news.stopGraceSeconds ||
      olds.dockerBinary !== news.dockerBinary;
    return { changes, replaces, deleteBeforeReplace: false };
  },

  async create(news) {
    return {
      id: `${news.connection.host}:${news.connection.port}:${news.container}:health`,
      outs: await pass(news),
    };
  },

  async read(id, props) {
    if (props === undefined || props.connection === undefined)
      throw new Error(`ContainerHealthGate ${id}: no prior state (dynamic resources cannot be imported)`);
    const res = await runRemoteChecked(
      props.connection,
      `read health of ${props.container}`,
      healthScript(props.dockerBinary, props.container),
    );
    const health = /^health=(.*)$/m.exec(res.stdout)?.[1]?.trim() ?? "";
    // A missing container is the container resource's drift; the gate goes with it.
    return health === "" ? { id: "" } : { id, props: { ...props, health } };
  },

  async update(_id, olds, news) {
    return { outs: { ...news, health: olds.health } };
  },

  async delete() {
    // Nothing on the host is the gate's own.
  },
};

/** The provider of ContainerHealthGate resources, with their type token `pulumi-nodejs:dynamic/host:ContainerHealthGate`. */
export const CONTAINER_HEALTH_GATE_TYPE = dynamicProviderType(
  "host",
  "ContainerHealthGate",
  containerHealthGateProvider,
);

/** A new container's health gate (type `pulumi-nodejs:dynamic/host:ContainerHealthGate`). */
export class ContainerHealthGate extends DynamicResource {
  /** `healthy` once passed. */
  declare readonly health: pulumi.Output<string>;

  constructor(name: string, args: ContainerHealthGateArgs, opts?: pulumi.CustomResourceOptions) {
    const limit = args.timeoutSeconds + args.stopGraceSeconds + 120;
    super(
      CONTAINER_HEALTH_GATE_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        dockerBinary: args.dockerBinary,
        container: args.container,
        timeoutSeconds: args.timeoutSeconds,
        stopGraceSeconds: args.stopGraceSeconds,
        health: undefined,
      },
      { ...opts, customTimeouts: { create: `${limit}s`, update: `${limit}s` } },
    );
  }
}
