import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import { sha256Hex } from "./digest";
import { captureFields, captureLive } from "./drift-capture";
import { declaredDigest } from "./declared-digest";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import {
  deleteFileScript,
  parseBackups,
  parseWriteResult,
  pathProblem,
  removeWithBackupScript,
  writeFileScript,
} from "./remote-file";
import { partialCreateError } from "./partial-create";
import { runRemoteReadChecked } from "./read-batch";
import { shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";
import type { ExtraUnitFiles } from "./unit-files";
import { extraUnitFiles } from "./unit-files";
import type { UnitName, UnitState } from "./systemd-state";
import {
  actedUnit,
  commandsScript,
  parseUnitName,
  parseUnitState,
  planDeleteCommands,
  planUnitCommands,
  readUnitScript,
} from "./systemd-state";
import { isUnknown, withoutUndefined } from "./values";

/** A systemd unit (service, timer, socket, path, ...) or drop-in, with its desired state. */
export interface SystemdUnitArgs {
  /** How to reach the host. */
  connection: HostConnectionArgs;
  /** Unit name ("foo.service", "foo.timer") or drop-in ("foo.service.d/10-x.conf"). Changing it replaces the resource. */
  name: string;
  /** Unit file content (stored as a secret, shown as its digest). Absent: manage the state of an existing (stock) unit, e.g. to mask it. */
  content?: pulumi.Input<string>;
  /** Enabled (`systemctl enable`) or disabled; absent: not managed. Default true for a `.timer` with content. */
  enabled?: boolean;
  /** Running (`start`) or stopped (`stop`); absent: not managed. Default true for a `.timer` with content. */
  active?: boolean;
  /** Masked (`mask --now`) or unmasked; only without content. Absent: not managed. */
  masked?: boolean;
  /** Directory of the unit file. Default /etc/systemd/system. */
  directory?: string;
  /** Command run on the new unit file before it replaces the old one; `{}` is its temp path (e.g. "systemd-analyze verify {}"). */
  validate?: string;
  /** Drop-ins (full paths) other resources declare for this unit (for a drop-in: its parent's, itself included). Default none. */
  declaredDropIns?: string[];
  /**
   * Whether refresh reports every unit file and drop-in systemd reads for the unit (a drop-in's
   * parent) that no resource declares (`extraUnitFiles`, `extraDropIns`), which `up` backs up and
   * removes. Default true for a unit, false for a drop-in (its parent's resource checks).
   */
  checkUnitFiles?: boolean;
}

/** The inputs the provider receives (after `check`). */
export interface SystemdUnitInputs {
  connection: HostConnectionState;
  name: string;
  directory: string;
  content?: string;
  digest?: string;
  enabled?: boolean;
  active?: boolean;
  masked?: boolean;
  validate?: string;
  /** Default none (state written before the field existed). */
  declaredDropIns?: string[];
  /** Default: true for a unit, false for a drop-in. */
  checkUnitFiles?: boolean;
  /** Declared none: `[]`. */
  extraUnitFiles?: string[];
  /** Declared none: `[]`. */
  extraDropIns?: string[];
  /** The provider code (`__provider`), compared so a new version is stored (see diffSystemdUnit). */
  __provider?: string;
}

/** The state the provider keeps (never the content). */
export interface SystemdUnitOutputs {
  connection: HostConnectionState;
  name: string;
  directory: string;
  /** Whether this resource manages a unit file (false: a stock unit's state only). */
  hasContent: boolean;
  /** sha256 of the live unit file, "" when there is none. */
  digest: string;
  /** Live state; for a drop-in, its parent's. */
  enabled: boolean;
  active: boolean;
  masked: boolean;
  /** Raw `systemctl is-enabled` / `is-active` answers. */
  enabledState: string;
  activeState: string;
  validate?: string;
  /** Desired state as last applied (an absent field is not managed). */
  wantEnabled?: boolean;
  wantActive?: boolean;
  wantMasked?: boolean;
  /** The unit file existed before this resource wrote it, so delete leaves it. */
  adopted: boolean;
  /** Directories this resource created (drop-in directories). */
  createdDirectories: string[];
  /** Enable/mask/running state before this resource first acted, restored on delete of a stock unit. */
  initialEnabled: boolean;
  initialMasked: boolean;
  initialActive?: boolean;
  declaredDropIns?: string[];
  checkUnitFiles?: boolean;
  /** Live unit files of the unit that no resource declares (runtime masks, copies in /run, ...). */
  extraUnitFiles?: string[];
  /** Live drop-ins of the unit that no resource declares. */
  extraDropIns?: string[];
  /** What the last create or update moved to the backup tree (`<path> -> <copy>`). */
  backups?: string[];
  __provider?: string;
}

/** Result of {@link diffSystemdUnit}: the engine's diff plus the names of the fields that differ. */
export interface SystemdUnitDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  changed: string[];
}

/** Path of the unit file on the host. */
export function unitFilePath(directory: string, name: string): string {
  return `${directory}/${name}`;
}

/**
 * Compare stored (or freshly read) state with desired inputs. Any replace deletes first: a new
 * directory (or host alias) can be the same unit, and two resources must never both own it.
 */
export function diffSystemdUnit(olds: SystemdUnitOutputs, news: SystemdUnitInputs): SystemdUnitDiff {
  const replaces: string[] = [];
  if (olds.connection.host !== news.connection.host || olds.connection.port !== news.connection.port) {
    replaces.push("connection");
  }
  if (olds.name !== news.name) {
    replaces.push("name");
  }
  if (olds.directory !== news.directory) {
    replaces.push("directory");
  }
  if (olds.hasContent !== (news.content !== undefined)) {
    replaces.push("content");
  }
  const changed = [...replaces];
  if (news.content !== undefined && !changed.includes("content")) {
    if (isUnknown(news.content) || isUnknown(news.digest) || olds.digest !== news.digest) {
      changed.push("content");
    }
  }
  for (const [field, live] of [
    ["enabled", olds.enabled],
    ["active", olds.active],
    ["masked", olds.masked],
  ] as const) {
    const want = news[field];
    if (want !== undefined && want !== live) {
      changed.push(field);
    }
  }
  if (olds.validate !== news.validate) {
    changed.push("validate");
  }
  for (const field of ["extraUnitFiles", "extraDropIns"] as const) {
    if ((olds[field] ?? []).length > 0) {
      changed.push(field);
    }
  }
  // Absent in state written before the fields existed: no drop-ins declared, a unit checks.
  if (JSON.stringify(olds.declaredDropIns ?? []) !== JSON.stringify(news.declaredDropIns ?? [])) {
    changed.push("declaredDropIns");
  }
  const checks = (v: boolean | undefined, name: string): boolean => v ?? parseUnitName(name)?.kind === "unit";
  if (checks(olds.checkUnitFiles, olds.name) !== checks(news.checkUnitFiles, news.name)) {
    changed.push("checkUnitFiles");
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
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0, changed };
}

/** Validate and normalize raw inputs: name, directory, state combinations, timer defaults, digest. */
export function checkSystemdUnit(news: Record<string, unknown>): {
  inputs: Record<string, unknown>;
  failures: { property: string; reason: string }[];
} {
  const failures = connectionFailures(news.connection);
  const inputs: Record<string, unknown> = { ...news };
  const directory = news.directory ?? "/etc/systemd/system";
  inputs.directory = directory;
  const dirProblem = pathProblem(String(directory));
  if (dirProblem !== undefined) {
    failures.push({ property: "directory", reason: dirProblem });
  }
  const parsed = typeof news.name === "string" ? parseUnitName(news.name) : undefined;
  if (parsed === undefined) {
    failures.push({
      property: "name",
      reason: `name must be a unit ("foo.service", "foo.timer", ...) or a drop-in ("foo.service.d/10-x.conf"), got ${JSON.stringify(news.name)}`,
    });
  }
  const hasContent = news.content !== undefined && news.content !== null;
  if (hasContent && typeof news.content === "string" && !isUnknown(news.content)) {
    inputs.digest = sha256Hex(news.content);
  }
  if (parsed?.kind === "dropin") {
    if (!hasContent) {
      failures.push({ property: "content", reason: "a drop-in needs content" });
    }
    for (const field of ["enabled", "active", "masked"]) {
      if (news[field] !== undefined) {
        failures.push({
          property: field,
          reason: `a drop-in has no ${field} state of its own; set it on ${parsed.parent}`,
        });
      }
    }
  }
  if (news.masked === true) {
    if (hasContent) {
      failures.push({
        property: "masked",
        reason: "a unit with content cannot be masked; masking is for stock units (omit content)",
      });
    }
    for (const field of ["enabled", "active"]) {
      if (news[field] === true) {
        failures.push({ property: field, reason: `a masked unit cannot be ${field}` });
      }
    }
  }
  if (parsed?.kind === "unit" && parsed.type === "timer" && hasContent) {
    inputs.enabled = news.enabled ?? true;
    inputs.active = news.active ?? true;
  }
  inputs.checkUnitFiles = news.checkUnitFiles ?? parsed?.kind !== "dropin";
  inputs.declaredDropIns = news.declaredDropIns ?? [];
  const dropIns = inputs.declaredDropIns;
  if (
    !isUnknown(dropIns) &&
    (!Array.isArray(dropIns) || dropIns.some((d) => typeof d !== "string" || pathProblem(d) !== undefined))
  ) {
    failures.push({
      property: "declaredDropIns",
      reason: `declaredDropIns must be absolute paths, got ${JSON.stringify(dropIns)}`,
    });
  }
  return { inputs, failures };
}

async function readUnit(
  conn: HostConnectionState,
  name: UnitName,
  filePath: string,
  withUnitFiles = false,
): Promise<UnitState> {
  const result = await runRemoteChecked(
    conn,
    `read unit ${filePath}`,
    readUnitScript(filePath, actedUnit(name), name.kind === "unit", withUnitFiles),
  );
  return parseUnitState(result.stdout);
}

/** What the resources declare about the files of the unit `name` acts on. */
function declaredFiles(
  news: Pick<SystemdUnitInputs, "content" | "masked" | "declaredDropIns">,
  name: UnitName,
  filePath: string,
) {
  const ownUnitFile = name.kind === "unit" && news.content !== undefined;
  return {
    ...(ownUnitFile ? { ownFile: filePath } : {}),
    dropIns: [...(news.declaredDropIns ?? []), ...(name.kind === "dropin" ? [filePath] : [])],
    ...(news.masked === true ? { masked: true } : {}),
  };
}

/** The undeclared files of the unit in `live`. */
function extrasOf(
  news: Pick<SystemdUnitInputs, "content" | "masked" | "declaredDropIns">,
  name: UnitName,
  filePath: string,
  live: UnitState,
): ExtraUnitFiles {
  return extraUnitFiles(actedUnit(name), live.found, declaredFiles(news, name, filePath));
}

/**
 * Backs up and removes every file systemd reads for the unit that nobody declared, then reloads
 * systemd and restarts the unit if it runs, so it runs with the declared settings only.
 */
async function removeExtras(news: SystemdUnitInputs, name: UnitName, filePath: string): Promise<string[]> {
  if (!(news.checkUnitFiles ?? name.kind === "unit")) return [];
  const live = await readUnit(news.connection, name, filePath, true);
  const extra = extrasOf(news, name, filePath, live);
  const paths = [...extra.unitFiles, ...extra.dropIns];
  if (paths.length === 0) return [];
  const moved = await runRemoteChecked(
    news.connection,
    `remove undeclared files of ${actedUnit(name)}`,
    [
      removeWithBackupScript(paths),
      "systemctl daemon-reload",
      `systemctl try-restart -- ${shellQuote(actedUnit(name))}`,
      "",
    ].join("\n"),
  );
  return parseBackups(moved.stdout);
}

function outputsOf(
  news: SystemdUnitInputs,
  live: UnitState,
  kept: Pick<
    SystemdUnitOutputs,
    "adopted" | "createdDirectories" | "initialEnabled" | "initialMasked" | "initialActive" | "backups"
  >,
): SystemdUnitOutputs {
  return withoutUndefined({
    connection: news.connection,
    name: news.name,
    directory: news.directory,
    hasContent: news.content !== undefined,
    digest: news.content !== undefined ? live.digest : "",
    enabled: live.enabled,
    active: live.active,
    masked: live.masked,
    enabledState: live.enabledState,
    activeState: live.activeState,
    validate: news.validate,
    wantEnabled: news.enabled,
    wantActive: news.active,
    wantMasked: news.masked,
    declaredDropIns: news.declaredDropIns,
    checkUnitFiles: news.checkUnitFiles,
    extraUnitFiles: [],
    extraDropIns: [],
    ...kept,
  });
}

/**
 * Remove the unit's undeclared files, write the unit file (when it has content and it
 * differs), then converge the unit's state.
 */
async function apply(
  news: SystemdUnitInputs,
  writeFile: boolean,
): Promise<{
  live: UnitState;
  before: UnitState;
  written?: ReturnType<typeof parseWriteResult>;
  backups: string[];
}> {
  const name = parseUnitName(news.name);
  if (name === undefined) {
    throw new Error(`invalid unit name ${news.name}`);
  }
  const filePath = unitFilePath(news.directory, news.name);
  const backups = await removeExtras(news, name, filePath);
  let written: ReturnType<typeof parseWriteResult> | undefined;
  if (writeFile && news.content !== undefined && news.digest !== undefined) {
    const script = writeFileScript({
      path: filePath,
      digest: news.digest,
      mode: "0644",
      owner: "root",
      group: "root",
      validate: news.validate,
      createDirectories: name.kind === "dropin",
    });
    written = parseWriteResult(
      (await runRemoteChecked(news.connection, `write ${filePath}`, script, news.content)).stdout,
    );
  }
  const before = await readUnit(news.connection, name, filePath);
  const cmds = planUnitCommands(name, before, news, written !== undefined);
  if (cmds.length === 0) {
    return { live: before, before, written, backups };
  }
  try {
    await runRemoteChecked(news.connection, `systemctl for ${news.name}`, commandsScript(cmds));
  } catch (e) {
    throw Object.assign(e as Error, {
      applied: { live: await readUnit(news.connection, name, filePath), before, written, backups },
    });
  }
  return { live: await readUnit(news.connection, name, filePath), before, written, backups };
}

type Applied = Awaited<ReturnType<typeof apply>>;

function createOutputs(news: SystemdUnitInputs, applied: Applied): SystemdUnitOutputs {
  return outputsOf(news, applied.live, {
    backups: applied.backups,
    adopted: applied.written?.existed ?? false,
    createdDirectories: applied.written?.createdDirectories ?? [],
    initialEnabled: applied.before.enabled,
    initialMasked: applied.before.masked,
    initialActive: applied.before.active,
  });
}

/**
 * The dynamic provider. Serialized into state with everything it references, so it and its
 * helpers hold no secrets and no module state (the SSH pool lives on `globalThis`).
 */
export const systemdUnitProvider: pulumi.dynamic.ResourceProvider<SystemdUnitInputs, SystemdUnitOutputs> = {
  async check(_olds, news) {
    const { inputs, failures } = checkSystemdUnit(news as unknown as Record<string, unknown>);
    return { inputs: inputs as unknown as SystemdUnitInputs, failures };
  },

  async diff(_id, olds, news) {
    const d = diffSystemdUnit(olds, news);
    if (d.changes && !isUnknown(news.name) && !isUnknown(news.directory)) {
      const filePath = unitFilePath(news.directory, news.name);
      captureFields(olds.connection, filePath, d.changed);
      if (d.changed.includes("content")) await captureLive(olds.connection, filePath);
    }
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
  },

  async create(news) {
    const id = `${news.connection.host}:${news.connection.port}:${unitFilePath(news.directory, news.name)}`;
    let applied: Applied;
    try {
      applied = await apply(news, true);
    } catch (e) {
      // The file was written but systemctl failed (a unit that will not start): keep it in state.
      const partial = (e as { applied?: Applied }).applied;
      if (partial === undefined) {
        throw e;
      }
      throw partialCreateError(e as Error, id, createOutputs(news, partial), news);
    }
    return { id, outs: createOutputs(news, applied) };
  },

  async read(id, props) {
    if (props === undefined || props.connection === undefined) {
      throw new Error(
        `SystemdUnit ${id}: no prior state to read from (dynamic resources cannot be imported)`,
      );
    }
    const name = parseUnitName(props.name);
    if (name === undefined) {
      throw new Error(`SystemdUnit ${id}: invalid unit name ${props.name} in state`);
    }
    const filePath = unitFilePath(props.directory, props.name);
    // State written before the check existed: a unit checks, a drop-in does not.
    const check = props.checkUnitFiles ?? name.kind === "unit";
    const result = await runRemoteReadChecked(
      props.connection,
      `read unit ${filePath}`,
      readUnitScript(filePath, actedUnit(name), name.kind === "unit", check),
    );
    const live = parseUnitState(result.stdout);
    const gone = props.hasContent
      ? !live.fileExists
      : live.loadState === "not-found" || live.loadState === "";
    if (gone) {
      return { id: "" };
    }
    const extra = check
      ? extrasOf(
          {
            content: props.hasContent ? "" : undefined,
            masked: props.wantMasked,
            declaredDropIns: props.declaredDropIns ?? [],
          },
          name,
          filePath,
          live,
        )
      : { unitFiles: [], dropIns: [] };
    return {
      id,
      props: {
        ...props,
        digest: props.hasContent ? live.digest : "",
        enabled: live.enabled,
        active: live.active,
        masked: live.masked,
        enabledState: live.enabledState,
        activeState: live.activeState,
        extraUnitFiles: extra.unitFiles,
        extraDropIns: extra.dropIns,
      },
    };
  },

  async update(_id, olds, news) {
    const d = diffSystemdUnit(olds, news);
    const { live, backups } = await apply(news, d.changed.includes("content"));
    return {
      outs: outputsOf(news, live, {
        backups,
        adopted: olds.adopted,
        createdDirectories: olds.createdDirectories ?? [],
        initialEnabled: olds.initialEnabled,
        initialMasked: olds.initialMasked,
        initialActive: olds.initialActive,
      }),
    };
  },

  async delete(_id, props) {
    const name = parseUnitName(props.name);
    if (name === undefined) {
      throw new Error(`invalid unit name ${props.name} in state`);
    }
    const filePath = unitFilePath(props.directory, props.name);
    const ownsFile = props.hasContent && !props.adopted;
    const live = await readUnit(props.connection, name, filePath);
    const plan = planDeleteCommands(name, ownsFile, live, {
      enabled: props.initialEnabled,
      masked: props.initialMasked,
      active: props.initialActive,
    });
    const fileStep = props.hasContent ? deleteFileScript(filePath, ownsFile) : "";
    const script = [commandsScript(plan.before), fileStep, commandsScript(plan.after)].join("\n");
    await runRemoteChecked(props.connection, `delete unit ${props.name}`, script);
  },
};

/** The provider of SystemdUnit resources, with their type token `pulumi-nodejs:dynamic/host:SystemdUnit`. */
export const SYSTEMD_UNIT_TYPE = dynamicProviderType("host", "SystemdUnit", systemdUnitProvider);

/**
 * A systemd unit or drop-in on the host: its file written atomically over SSH, its enabled /
 * active / masked state converged and read back on refresh (type token
 * `pulumi-nodejs:dynamic/host:SystemdUnit`).
 */
export class SystemdUnit extends DynamicResource {
  /** Unit or drop-in name. */
  declare readonly name: pulumi.Output<string>;
  /** sha256 hex of the unit file ("" without content). */
  declare readonly digest: pulumi.Output<string>;
  /** Live enabled state (a drop-in reports its parent's). */
  declare readonly enabled: pulumi.Output<boolean>;
  /** Live active state. */
  declare readonly active: pulumi.Output<boolean>;
  /** Live masked state. */
  declare readonly masked: pulumi.Output<boolean>;
  /** Undeclared unit files of the unit, as last read. */
  declare readonly extraUnitFiles: pulumi.Output<string[]>;
  /** Undeclared drop-ins of the unit, as last read. */
  declare readonly extraDropIns: pulumi.Output<string[]>;
  /** What the last create or update moved to the backup tree (`<path> -> <copy>`). */
  declare readonly backups: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: SystemdUnitArgs, opts?: pulumi.CustomResourceOptions) {
    const directory = args.directory ?? "/etc/systemd/system";
    const content = args.content === undefined ? undefined : pulumi.output(args.content);
    super(
      SYSTEMD_UNIT_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        name: args.name,
        directory,
        content: args.content === undefined ? undefined : pulumi.secret(args.content),
        // A drift run also gets the declared content here, unless it is a secret.
        digest:
          content === undefined
            ? undefined
            : declaredDigest(
                content,
                args.connection.host,
                args.connection.port,
                unitFilePath(directory, args.name),
              ),
        enabled: args.enabled,
        active: args.active,
        masked: args.masked,
        validate: args.validate,
        declaredDropIns: args.declaredDropIns ?? [],
        checkUnitFiles: args.checkUnitFiles ?? parseUnitName(args.name)?.kind !== "dropin",
        extraUnitFiles: [],
        extraDropIns: [],
        backups: undefined,
        hasContent: undefined,
        enabledState: undefined,
        activeState: undefined,
        adopted: undefined,
      },
      opts,
    );
  }
}
