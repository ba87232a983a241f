import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import {
  accountNameProblem,
  asDeclared,
  CREATED_DIRECTORIES_REGISTRY,
  deleteFileScript,
  normalizeMode,
  pathProblem,
} from "./remote-file";
import { parseKeyValues, shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";

/**
 * A directory on the host that must exist with a mode and owner, e.g. the source of a container's
 * bind mount: Docker refuses to start a container whose `--mount type=bind` source is missing.
 */
export interface HostDirectoryArgs {
  /** How to reach the host. */
  connection: HostConnectionArgs;
  /** Absolute path. Changing it replaces the resource. */
  path: string;
  /** Octal mode. Default "0755". */
  mode?: string;
  /** Owner. Default root. */
  owner?: string;
  /** Group. Default root. */
  group?: string;
}

interface Inputs {
  connection: HostConnectionState;
  path: string;
  mode: string;
  owner: string;
  group: string;
}

/** State: the live mode, owner and group, and the directories this resource created. */
export interface HostDirectoryOutputs extends Inputs {
  /** Directories (the path and missing parents) created by this resource, outermost first. */
  createdDirectories: string[];
}

/** Bash printing `exists=`, `mode=`, `owner=`, `group=` of `path`. */
export function readDirectoryScript(path: string): string {
  return [
    "set -euo pipefail",
    `p=${shellQuote(path)}`,
    'if [ -d "$p" ] && [ ! -L "$p" ]; then',
    "  echo exists=1; stat -c $'mode=%04a\\nowner=%U\\nuid=%u\\ngroup=%G\\ngid=%g' -- \"$p\"",
    "else echo exists=0; fi",
  ].join("\n");
}

/**
 * Bash creating `path` and its missing parents (recorded in the shared registry of created
 * directories, so the last resource inside one removes it when empty), then setting mode and
 * owner. Prints `created_dir=` per directory it made.
 */
export function ensureDirectoryScript(
  spec: Omit<Inputs, "connection">,
  registry = CREATED_DIRECTORIES_REGISTRY,
): string {
  return [
    "set -euo pipefail",
    `p=${shellQuote(spec.path)}`,
    `reg=${shellQuote(registry)}`,
    'missing=(); d="$p"',
    'while [ ! -d "$d" ]; do missing=("$d" "${missing[@]}"); d=$(dirname -- "$d"); done',
    "made=()",
    'for m in "${missing[@]}"; do',
    '  if mkdir -m 0755 -- "$m" 2>/dev/null; then made+=("$m"); printf \'created_dir=%s\\n\' "$m";',
    '  elif [ ! -d "$m" ]; then printf \'cannot create directory %s\\n\' "$m" >&2; exit 1; fi',
    "done",
    'if [ "${#made[@]}" -gt 0 ]; then',
    '  mkdir -p -- "$(dirname -- "$reg")"',
    '  ( flock 9; for m in "${made[@]}"; do grep -qxF -- "$m" "$reg" 2>/dev/null || printf \'%s\\n\' "$m" >> "$reg"; done ) 9>>"$reg.lock"',
    "fi",
    `chown -- ${shellQuote(`${spec.owner}:${spec.group}`)} "$p"`,
    `chmod -- ${shellQuote(spec.mode)} "$p"`,
  ].join("\n");
}

async function readLive(
  inputs: Inputs,
): Promise<{ exists: boolean; mode: string; owner: string; group: string }> {
  const res = await runRemoteChecked(
    inputs.connection,
    `read directory ${inputs.path}`,
    readDirectoryScript(inputs.path),
  );
  const kv = parseKeyValues(res.stdout);
  return {
    exists: kv.exists === "1",
    mode: kv.mode ?? "",
    owner: asDeclared(inputs.owner, kv.owner ?? "", kv.uid ?? ""),
    group: asDeclared(inputs.group, kv.group ?? "", kv.gid ?? ""),
  };
}

async function ensure(inputs: Inputs, created: string[]): Promise<HostDirectoryOutputs> {
  const res = await runRemoteChecked(
    inputs.connection,
    `create directory ${inputs.path}`,
    ensureDirectoryScript(inputs),
  );
  const made = res.stdout
    .split("\n")
    .filter((l) => l.startsWith("created_dir="))
    .map((l) => l.slice("created_dir=".length));
  return { ...inputs, createdDirectories: [...created, ...made.filter((m) => !created.includes(m))] };
}

/** The dynamic provider; holds no secrets and no module state (serialized into state). */
export const hostDirectoryProvider: pulumi.dynamic.ResourceProvider<Inputs, HostDirectoryOutputs> = {
  async check(_olds, news) {
    const failures = connectionFailures((news as unknown as Record<string, unknown>).connection);
    const problem = pathProblem(news.path);
    if (problem) failures.push({ property: "path", reason: problem });
    const mode = normalizeMode(news.mode);
    if (mode.problem) failures.push({ property: "mode", reason: mode.problem });
    for (const field of ["owner", "group"] as const) {
      const p = accountNameProblem(field, news[field]);
      if (p) failures.push({ property: field, reason: p });
    }
    return { inputs: { ...news, mode: mode.mode ?? news.mode }, failures };
  },

  async diff(_id, olds, news) {
    const replaces = olds.path !== news.path ? ["path"] : [];
    const changed = (["mode", "owner", "group"] as const).some((f) => olds[f] !== news[f]);
    return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: true };
  },

  async create(news) {
    return {
      id: `${news.connection.host}:${news.connection.port}:${news.path}/`,
      outs: await ensure(news, []),
    };
  },

  async read(id, props) {
    if (props === undefined || props.connection === undefined)
      throw new Error(`HostDirectory ${id}: no prior state (dynamic resources cannot be imported)`);
    const live = await readLive(props);
    if (!live.exists) return { id: "" };
    return { id, props: { ...props, mode: live.mode, owner: live.owner, group: live.group } };
  },

  async update(_id, olds, news) {
    return { outs: await ensure(news, olds.createdDirectories ?? []) };
  },

  async delete(_id, props) {
    // Removes the directory (and parents it created) only while empty: never anyone's files.
    await runRemoteChecked(
      props.connection,
      `remove directory ${props.path}`,
      deleteFileScript(`${props.path}/.hemma-dir`, false),
    );
  },
};

/** The provider of HostDirectory resources, with their type token `pulumi-nodejs:dynamic/host:HostDirectory`. */
export const HOST_DIRECTORY_TYPE = dynamicProviderType("host", "HostDirectory", hostDirectoryProvider);

/** A host directory with mode and owner, read back on refresh (type `pulumi-nodejs:dynamic/host:HostDirectory`). */
export class HostDirectory extends DynamicResource {
  /** The path. */
  declare readonly path: pulumi.Output<string>;

  constructor(name: string, args: HostDirectoryArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      HOST_DIRECTORY_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        path: args.path,
        mode: args.mode ?? "0755",
        owner: args.owner ?? "root",
        group: args.group ?? "root",
        createdDirectories: undefined,
      },
      opts,
    );
  }
}
