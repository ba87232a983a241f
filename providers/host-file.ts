import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import { sha256Hex } from "./digest";
import { captureFields, captureLive } from "./drift-capture";
import { declaredDigest } from "./declared-digest";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import {
  accountNameProblem,
  deleteFileScript,
  normalizeMode,
  ON_CHANGE_FAILED_EXIT,
  parseBackups,
  parseFileState,
  asDeclared,
  parseWriteResult,
  pathProblem,
  readFileScript,
  removeWithBackupScript,
  writeFileScript,
} from "./remote-file";
import { partialCreateError } from "./partial-create";
import { readFileStateBatched, runRemoteReadChecked } from "./read-batch";
import type { ShadowCheck } from "./shadows";
import { parseShadows, shadowCheckProblem, shadowScript } from "./shadows";
import { remoteFailure, runRemote, runRemoteChecked } from "./ssh-pool";
import { isUnknown, withoutUndefined } from "./values";

/** One file on the host, read back on every refresh. */
export interface HostFileArgs {
  /** How to reach the host. */
  connection: HostConnectionArgs;
  /** Absolute, normalized path of the file. Changing it replaces the resource. */
  path: string;
  /** Full content. Always stored as a secret; state and diffs show only its sha256 `digest`. */
  content: pulumi.Input<string>;
  /** Permission bits as octal digits. Default "0644". */
  mode?: string;
  /** Owning user. Default "root". */
  owner?: string;
  /** Owning group. Default "root". */
  group?: string;
  /** Command run on the new content before it replaces the file; `{}` (unquoted) is its temp path; a non-zero exit rejects it and leaves the old file. */
  validate?: string;
  /** Command run (as root) after the file was created or its content changed. */
  onChange?: string;
  /** Create missing parent directories (0755 root:root; removed again on delete when empty). Default false. */
  createDirectories?: boolean;
  /**
   * Files that could override this one's settings or take its place; any that does is drift
   * (`shadowedBy`), and `up` backs it up, removes it and runs `onChange`. Default: none checked.
   */
  shadows?: ShadowCheck;
}

/** The inputs the provider receives (after `check`). */
export interface HostFileInputs {
  connection: HostConnectionState;
  path: string;
  content: string;
  digest: string;
  mode: string;
  owner: string;
  group: string;
  validate?: string;
  onChange?: string;
  createDirectories: boolean;
  shadows?: ShadowCheck;
  /** Files shadowing this one: declared none (`[]`) when `shadows` is set. */
  shadowedBy?: string[];
  /** The provider code (`__provider`), compared so a new version is stored (see diffHostFile). */
  __provider?: string;
}

/** The state the provider keeps: everything but the content, plus what it found and created. */
export interface HostFileOutputs {
  connection: HostConnectionState;
  path: string;
  /** sha256 hex of the live file; "" when the path is not a regular file. */
  digest: string;
  mode: string;
  owner: string;
  group: string;
  validate?: string;
  onChange?: string;
  createDirectories: boolean;
  /** The file existed before this resource wrote it, so delete leaves it in place. */
  adopted: boolean;
  /** Directories this resource created (outermost first); the last resource deleted inside one removes it when empty. */
  createdDirectories: string[];
  shadows?: ShadowCheck;
  /** Live files shadowing this one (paths, sorted); only with `shadows`. */
  shadowedBy?: string[];
  /** What the last create or update moved away: `<path> -> <backup copy>`. */
  backups?: string[];
  __provider?: string;
}

/** Result of {@link diffHostFile}: the engine's diff plus the names of the fields that differ. */
export interface HostFileDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Every field that differs, e.g. ["content", "mode"]. */
  changed: string[];
}

/**
 * Compare stored (or freshly read) state with desired inputs. A new path is a new file (replace,
 * create-before-delete is safe as paths are normalized); a new host or port may be the same
 * machine under another name, so that replace deletes first.
 */
export function diffHostFile(olds: HostFileOutputs, news: HostFileInputs): HostFileDiff {
  const changed: string[] = [];
  const replaces: string[] = [];
  let deleteBeforeReplace = false;
  if (olds.connection.host !== news.connection.host || olds.connection.port !== news.connection.port) {
    replaces.push("connection");
    deleteBeforeReplace = true;
  }
  if (olds.path !== news.path) {
    replaces.push("path");
  }
  changed.push(...replaces);
  if (isUnknown(news.content) || isUnknown(news.digest) || olds.digest !== news.digest) {
    changed.push("content");
  }
  for (const field of ["mode", "owner", "group", "validate", "onChange"] as const) {
    if (olds[field] !== news[field]) {
      changed.push(field);
    }
  }
  // Absent in state written before the field existed; absent means false.
  if ((olds.createDirectories ?? false) !== (news.createDirectories ?? false)) {
    changed.push("createDirectories");
  }
  if ((olds.shadowedBy ?? []).length > 0) {
    changed.push("shadowedBy");
  }
  if (JSON.stringify(olds.shadows ?? null) !== JSON.stringify(news.shadows ?? null)) {
    changed.push("shadows");
  }
  // Refresh and delete run the code stored with the resource: a new version is stored by an
  // update (which touches the host only where something else changed).
  if (olds.__provider !== undefined && news.__provider !== undefined && olds.__provider !== news.__provider) {
    changed.push("__provider");
  }
  if (!replaces.includes("connection")) {
    for (const field of [
      "user",
      "hostKey",
      "privateKey",
      "connectTimeoutSeconds",
      "commandTimeoutSeconds",
    ] as const) {
      if (olds.connection[field] !== news.connection[field]) {
        changed.push("connection");
        break;
      }
    }
  }
  return { changes: changed.length > 0, replaces, deleteBeforeReplace, changed };
}

/** Validate and normalize raw inputs: defaults, four-digit mode, and the digest recomputed from the content. */
export function checkHostFile(news: Record<string, unknown>): {
  inputs: Record<string, unknown>;
  failures: { property: string; reason: string }[];
} {
  const failures = connectionFailures(news.connection);
  const inputs: Record<string, unknown> = { ...news };
  if (typeof news.path !== "string") {
    failures.push({ property: "path", reason: "path is required" });
  } else if (!isUnknown(news.path)) {
    const problem = pathProblem(news.path);
    if (problem !== undefined) {
      failures.push({ property: "path", reason: problem });
    }
  }
  const mode = news.mode ?? "0644";
  if (!isUnknown(mode)) {
    const normalized = normalizeMode(String(mode));
    if (normalized.problem !== undefined) {
      failures.push({ property: "mode", reason: normalized.problem });
    } else {
      inputs.mode = normalized.mode;
    }
  }
  for (const field of ["owner", "group"] as const) {
    const value = news[field] ?? "root";
    inputs[field] = value;
    if (!isUnknown(value)) {
      const problem = accountNameProblem(field, String(value));
      if (problem !== undefined) {
        failures.push({ property: field, reason: problem });
      }
    }
  }
  inputs.createDirectories = news.createDirectories ?? false;
  const shadowProblem = shadowCheckProblem(news.shadows);
  if (shadowProblem !== undefined) {
    failures.push({ property: "shadows", reason: shadowProblem });
  }
  if (typeof news.content !== "string") {
    failures.push({ property: "content", reason: 'content is required (use "" for an empty file)' });
  } else if (!isUnknown(news.content)) {
    inputs.digest = sha256Hex(news.content);
  }
  return { inputs, failures };
}

function writeSpec(news: HostFileInputs, runOnChange: boolean): Parameters<typeof writeFileScript>[0] {
  return {
    path: news.path,
    digest: news.digest,
    mode: news.mode,
    owner: news.owner,
    group: news.group,
    validate: news.validate,
    onChange: runOnChange ? news.onChange : undefined,
    createDirectories: news.createDirectories,
  };
}

function outputsOf(
  news: HostFileInputs,
  adopted: boolean,
  createdDirectories: string[],
  backups: string[] = [],
): HostFileOutputs {
  return withoutUndefined({
    connection: news.connection,
    path: news.path,
    digest: news.digest,
    mode: news.mode,
    owner: news.owner,
    group: news.group,
    validate: news.validate,
    onChange: news.onChange,
    createDirectories: news.createDirectories,
    adopted,
    createdDirectories,
    shadows: news.shadows,
    shadowedBy: news.shadows === undefined ? undefined : [],
    backups: news.shadows === undefined ? undefined : backups,
  });
}

/**
 * Moves every file now shadowing `news.path` to the backup tree (read, then remove with a copy)
 * and returns the moves; nothing to do without a shadow check.
 */
async function removeShadows(news: HostFileInputs): Promise<string[]> {
  if (news.shadows === undefined) return [];
  const found = await runRemoteChecked(
    news.connection,
    `find files shadowing ${news.path}`,
    ["set -uo pipefail", ...shadowScript(news.path, news.shadows), ""].join("\n"),
  );
  const shadows = parseShadows(news.path, news.shadows, found.stdout);
  if (shadows.length === 0) return [];
  const moved = await runRemoteChecked(
    news.connection,
    `remove files shadowing ${news.path}`,
    removeWithBackupScript(shadows),
  );
  return parseBackups(moved.stdout);
}

/** Runs the file's onChange command on its own: what was shadowing it is gone, its content did not change. */
async function reapply(news: HostFileInputs): Promise<void> {
  if (news.onChange === undefined) return;
  await runRemoteChecked(news.connection, `apply ${news.path}`, `set -euo pipefail\n${news.onChange}\n`);
}

/**
 * The dynamic provider. Serialized into state with everything it references, so it and its
 * helpers hold no secrets and no module state (the SSH pool lives on `globalThis`).
 */
export const hostFileProvider: pulumi.dynamic.ResourceProvider<HostFileInputs, HostFileOutputs> = {
  async check(_olds, news) {
    const { inputs, failures } = checkHostFile(news as unknown as Record<string, unknown>);
    return { inputs: inputs as unknown as HostFileInputs, failures };
  },

  async diff(_id, olds, news) {
    const d = diffHostFile(olds, news);
    if (d.changes && !isUnknown(news.path)) {
      captureFields(olds.connection, news.path, d.changed);
      if (d.changed.includes("content")) await captureLive(olds.connection, news.path);
    }
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
  },

  async create(news) {
    const label = `write ${news.path}`;
    const backups = await removeShadows(news);
    const result = await runRemote(
      news.connection,
      label,
      writeFileScript(writeSpec(news, true)),
      news.content,
    );
    const id = `${news.connection.host}:${news.connection.port}:${news.path}`;
    if (result.code === ON_CHANGE_FAILED_EXIT) {
      // The file is in place; only its on-change command failed.
      const written = parseWriteResult(result.stdout);
      throw partialCreateError(
        remoteFailure(news.connection, label, result),
        id,
        outputsOf(news, written.existed, written.createdDirectories),
        news,
      );
    }
    if (result.code !== 0) {
      throw remoteFailure(news.connection, label, result);
    }
    const written = parseWriteResult(result.stdout);
    return { id, outs: outputsOf(news, written.existed, written.createdDirectories, backups) };
  },

  async read(id, props) {
    if (props === undefined || props.connection === undefined) {
      throw new Error(`HostFile ${id}: no prior state to read from (dynamic resources cannot be imported)`);
    }
    const shadows = props.shadows;
    // A missing file ends the script early: it is recreated whole, whatever shadows it.
    const result =
      shadows === undefined
        ? await readFileStateBatched(props.connection, props.path)
        : await runRemoteReadChecked(
            props.connection,
            `read ${props.path}`,
            [readFileScript(props.path), ...shadowScript(props.path, shadows), ""].join("\n"),
          );
    const live = parseFileState(result.stdout);
    if (!live.exists) {
      return { id: "" };
    }
    return {
      id,
      props: {
        ...props,
        digest: live.digest,
        mode: live.mode,
        owner: asDeclared(props.owner, live.owner, live.uid),
        group: asDeclared(props.group, live.group, live.gid),
        ...(shadows === undefined ? {} : { shadowedBy: parseShadows(props.path, shadows, result.stdout) }),
      },
    };
  },

  async update(_id, olds, news) {
    const d = diffHostFile(olds, news);
    const backups = await removeShadows(news);
    const hostFields = ["content", "mode", "owner", "group"];
    const contentChanged = d.changed.includes("content");
    if (d.changed.some((f) => hostFields.includes(f))) {
      await runRemoteChecked(
        news.connection,
        `write ${news.path}`,
        writeFileScript(writeSpec(news, contentChanged)),
        news.content,
      );
    }
    if (backups.length > 0 && !contentChanged) {
      await reapply(news);
    }
    return { outs: outputsOf(news, olds.adopted, olds.createdDirectories ?? [], backups) };
  },

  async delete(_id, props) {
    await runRemoteChecked(
      props.connection,
      `delete ${props.path}`,
      deleteFileScript(props.path, !props.adopted),
    );
  },
};

/** What a {@link HostFile} registers for `args` (besides `__provider`), with its outputs as undefined. */
export function hostFileInputs(args: HostFileArgs): pulumi.Inputs {
  const content = pulumi.output(args.content);
  return {
    connection: connectionInput(args.connection),
    path: args.path,
    content: pulumi.secret(args.content),
    // Shown in previews instead of the (secret) content; a secret content keeps it secret too.
    // A drift run also gets the declared content here, unless it is a secret.
    digest: declaredDigest(content, args.connection.host, args.connection.port, args.path),
    mode: args.mode ?? "0644",
    owner: args.owner ?? "root",
    group: args.group ?? "root",
    validate: args.validate,
    onChange: args.onChange,
    createDirectories: args.createDirectories ?? false,
    ...(args.shadows === undefined ? {} : { shadows: args.shadows, shadowedBy: [] }),
    adopted: undefined,
    createdDirectories: undefined,
    backups: undefined,
  };
}

/** The provider of HostFile resources, with their type token `pulumi-nodejs:dynamic/host:HostFile`. */
export const HOST_FILE_TYPE = dynamicProviderType("host", "HostFile", hostFileProvider);

/**
 * A file on the host with content, mode and owner, written atomically over SSH and read back
 * on refresh (type token `pulumi-nodejs:dynamic/host:HostFile`).
 */
export class HostFile extends DynamicResource {
  /** Absolute path of the file. */
  declare readonly path: pulumi.Output<string>;
  /** sha256 hex of the file's content as last written or read. */
  declare readonly digest: pulumi.Output<string>;
  /** Permission bits, four octal digits. */
  declare readonly mode: pulumi.Output<string>;
  /** Owning user. */
  declare readonly owner: pulumi.Output<string>;
  /** Owning group. */
  declare readonly group: pulumi.Output<string>;
  /** Whether the file existed before this resource first wrote it (then delete leaves it). */
  declare readonly adopted: pulumi.Output<boolean>;
  /** Files shadowing this one, as last read (only with `shadows`). */
  declare readonly shadowedBy: pulumi.Output<string[] | undefined>;
  /** What the last create or update moved to the backup tree (`<path> -> <copy>`). */
  declare readonly backups: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: HostFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(HOST_FILE_TYPE, name, hostFileInputs(args), opts);
  }
}
