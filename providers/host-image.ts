import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import { shellQuote } from "./shell";
import { remoteFailure, runRemote, runRemoteChecked } from "./ssh-pool";
import { isUnknown } from "./values";

/**
 * A Docker image that exists on the host under one tag, made by a build script when it is
 * missing: its refresh reads `docker image inspect`, so an image removed by hand (or a fresh
 * host) is drift that `up` rebuilds, where a `remote.Command` would never notice.
 */
export interface HostImageArgs {
  /** How to reach the Docker host. */
  connection: HostConnectionArgs;
  /** Absolute path of the docker CLI on the host. */
  dockerBinary: string;
  /** The tag, e.g. `skriptoteket-web:<commit>`. Changing it replaces the resource. */
  ref: string;
  /** Bash that builds `ref`; run as the login user (not root), so git reads repositories it owns. */
  buildScript: string;
  /** Seconds the build may take. */
  timeoutSeconds: number;
}

interface Inputs {
  connection: HostConnectionState;
  dockerBinary: string;
  ref: string;
  buildScript: string;
  timeoutSeconds: number;
}

/** State: the inputs and the image id last read. */
export interface HostImageOutputs extends Inputs {
  /** `sha256:...` of the image the tag names. */
  imageId: string;
}

/** Lines of a failed build's output kept in the error: the end is where the reason is. */
const FAILURE_TAIL_LINES = 40;

/** Bash printing `id=<image id>` for `ref`, or `id=` when there is no such image. */
export function imageIdScript(docker: string, ref: string): string {
  return `echo "id=$(${shellQuote(docker)} image inspect --format '{{.Id}}' ${shellQuote(ref)} 2>/dev/null || true)"`;
}

/** Bash that runs `buildScript` as the user who logged in (`SUDO_USER`), stdout and stderr merged. */
export function asLoginUserScript(buildScript: string): string {
  return `runuser -u "\${SUDO_USER:?run through sudo}" -- bash -c ${shellQuote(`set -euo pipefail\n${buildScript}`)} 2>&1`;
}

async function imageId(inputs: Inputs): Promise<string> {
  const res = await runRemoteChecked(
    inputs.connection,
    `inspect image ${inputs.ref}`,
    imageIdScript(inputs.dockerBinary, inputs.ref),
  );
  return /^id=(.*)$/m.exec(res.stdout)?.[1]?.trim() ?? "";
}

async function build(inputs: Inputs): Promise<HostImageOutputs> {
  const label = `build image ${inputs.ref}`;
  const conn = { ...inputs.connection, commandTimeoutSeconds: inputs.timeoutSeconds };
  const res = await runRemote(conn, label, asLoginUserScript(inputs.buildScript));
  if (res.code !== 0) {
    const tail = res.stdout.trimEnd().split("\n").slice(-FAILURE_TAIL_LINES).join("\n");
    throw remoteFailure(conn, label, { ...res, stderr: `${res.stderr}\n${tail}` });
  }
  const id = await imageId(inputs);
  if (id === "") throw new Error(`${label}: the build exited 0 but ${inputs.ref} does not exist`);
  return { ...inputs, imageId: id };
}

/** The dynamic provider; holds no secrets and no module state (serialized into state). */
export const hostImageProvider: pulumi.dynamic.ResourceProvider<Inputs, HostImageOutputs> = {
  async check(_olds, news) {
    const failures = connectionFailures((news as unknown as Record<string, unknown>).connection);
    if (!isUnknown(news.ref) && !/^[a-z0-9._/-]+:[A-Za-z0-9._-]+$/.test(String(news.ref)))
      failures.push({
        property: "ref",
        reason: `ref must be <repository>:<tag>, got ${JSON.stringify(news.ref)}`,
      });
    if (!Number.isInteger(news.timeoutSeconds) || news.timeoutSeconds <= 0)
      failures.push({ property: "timeoutSeconds", reason: "timeoutSeconds must be a positive integer" });
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    // A new tag is a new image; the old one is kept for a rollback. A changed recipe alone does
    // not rebuild an existing tag (the tag is the commit, the content is fixed by it).
    const replaces = olds.ref !== news.ref ? ["ref"] : [];
    const changes =
      replaces.length > 0 ||
      olds.buildScript !== news.buildScript ||
      olds.timeoutSeconds !== news.timeoutSeconds ||
      olds.dockerBinary !== news.dockerBinary;
    return { changes, replaces, deleteBeforeReplace: false };
  },

  async create(news) {
    const existing = await imageId(news);
    const outs = existing === "" ? await build(news) : { ...news, imageId: existing };
    return { id: `${news.connection.host}:${news.connection.port}:${news.ref}`, outs };
  },

  async read(id, props) {
    if (props === undefined || props.connection === undefined)
      throw new Error(`HostImage ${id}: no prior state (dynamic resources cannot be imported)`);
    const live = await imageId(props);
    return live === "" ? { id: "" } : { id, props: { ...props, imageId: live } };
  },

  async update(_id, _olds, news) {
    const existing = await imageId(news);
    return { outs: existing === "" ? await build(news) : { ...news, imageId: existing } };
  },

  async delete() {
    // Images stay: a rollback to the previous commit reuses its image instead of rebuilding.
  },
};

/** The provider of HostImage resources, with their type token `pulumi-nodejs:dynamic/host:HostImage`. */
export const HOST_IMAGE_TYPE = dynamicProviderType("host", "HostImage", hostImageProvider);

/** A tagged image on the Docker host, built when missing (type `pulumi-nodejs:dynamic/host:HostImage`). */
export class HostImage extends DynamicResource {
  /** The tag. */
  declare readonly ref: pulumi.Output<string>;
  /** The image id the tag names. */
  declare readonly imageId: pulumi.Output<string>;

  constructor(name: string, args: HostImageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      HOST_IMAGE_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        dockerBinary: args.dockerBinary,
        ref: args.ref,
        buildScript: args.buildScript,
        timeoutSeconds: args.timeoutSeconds,
        imageId: undefined,
      },
      {
        ...opts,
        customTimeouts: { create: `${args.timeoutSeconds + 60}s`, update: `${args.timeoutSeconds + 60}s` },
      },
    );
  }
}
