import { parseKeyValues, shellQuote } from "./shell";
import type { FoundUnitFiles } from "./unit-files";
import { listUnitFilesScript, parseFoundUnitFiles } from "./unit-files";

/*
 * Pure pieces of the SystemdUnit provider: unit names, the remote read script and its parser,
 * and the plan of systemctl commands that moves a unit from its live to its desired state.
 */

/** A parsed `name`: a unit file, or a drop-in of a parent unit. */
export type UnitName =
  { kind: "unit"; unit: string; type: string } | { kind: "dropin"; parent: string; file: string };

/** Parse "foo.service", "foo.timer" or "foo.service.d/10-x.conf"; undefined when it is neither. */
export function parseUnitName(name: string): UnitName | undefined {
  // Built here, not at module level: the provider is serialized and must capture no module state.
  const types = "service|socket|timer|path|mount|automount|swap|target|slice";
  const dropin = new RegExp(`^([A-Za-z0-9:_.\\\\@-]+\\.(?:${types}))\\.d/([A-Za-z0-9:_.@-]+\\.conf)$`).exec(
    name,
  );
  if (dropin !== null) {
    return { kind: "dropin", parent: dropin[1] as string, file: dropin[2] as string };
  }
  const unit = new RegExp(`^[A-Za-z0-9:_.\\\\@-]+\\.(${types})$`).exec(name);
  if (unit !== null) {
    return { kind: "unit", unit: name, type: unit[1] as string };
  }
  return undefined;
}

/** The unit whose state systemctl commands act on: the unit itself, or a drop-in's parent. */
export function actedUnit(name: UnitName): string {
  return name.kind === "unit" ? name.unit : name.parent;
}

/**
 * Bash script printing the file and systemctl state of a unit as key=value lines, and with
 * `withUnitFiles` every unit file and drop-in systemd reads for `unit` (see unit-files.ts).
 */
export function readUnitScript(
  filePath: string,
  unit: string,
  withUnitState: boolean,
  withUnitFiles = false,
): string {
  const lines = [
    "set -uo pipefail",
    `f=${shellQuote(filePath)}`,
    `u=${shellQuote(unit)}`,
    'if [ -e "$f" ] || [ -L "$f" ]; then',
    "  echo file=1",
    '  if [ -f "$f" ] && [ ! -L "$f" ]; then d=$(sha256sum -- "$f"); echo "digest=${d%% *}"; fi',
    "else",
    "  echo file=0",
    "fi",
  ];
  if (withUnitState) {
    lines.push(
      // is-enabled/is-active exit non-zero for disabled/inactive units; their stdout is the answer.
      'echo "enabled=$(systemctl is-enabled -- "$u" 2>/dev/null | head -n1)"',
      'echo "active=$(systemctl is-active -- "$u" 2>/dev/null | head -n1)"',
      'echo "load=$(systemctl show -p LoadState --value -- "$u" 2>/dev/null)"',
    );
  }
  if (withUnitFiles) {
    lines.push(...listUnitFilesScript(unit));
  }
  lines.push("");
  return lines.join("\n");
}

/** Live state of a unit as read by {@link readUnitScript}. */
export interface UnitState {
  /** The file at the resource's path exists (any type). */
  fileExists: boolean;
  /** sha256 of the file when it is a regular file, else "". */
  digest: string;
  /** Raw `systemctl is-enabled` answer ("enabled", "disabled", "static", "masked", ... or ""). */
  enabledState: string;
  /** Raw `systemctl is-active` answer ("active", "inactive", "failed", ... or ""). */
  activeState: string;
  /** Raw LoadState ("loaded", "not-found", "masked", ... or ""). */
  loadState: string;
  enabled: boolean;
  active: boolean;
  masked: boolean;
  /** Unit files and drop-ins systemd reads for the unit (empty unless the script listed them). */
  found: FoundUnitFiles;
}

/** Parse {@link readUnitScript} output; throws on output it does not understand. */
export function parseUnitState(stdout: string): UnitState {
  const kv = parseKeyValues(stdout);
  if (kv.file !== "0" && kv.file !== "1") {
    throw new Error(`cannot parse unit state: ${JSON.stringify(stdout)}`);
  }
  const enabledState = kv.enabled ?? "";
  const activeState = kv.active ?? "";
  const loadState = kv.load ?? "";
  return {
    fileExists: kv.file === "1",
    digest: kv.digest ?? "",
    enabledState,
    activeState,
    loadState,
    enabled: enabledState === "enabled" || enabledState === "enabled-runtime",
    // A unit that is starting or reloading is up as far as the desired state is concerned.
    active: activeState === "active" || activeState === "reloading" || activeState === "activating",
    masked: enabledState === "masked" || enabledState === "masked-runtime" || loadState === "masked",
    found: parseFoundUnitFiles(stdout),
  };
}

/** Desired state; an absent field is not managed. */
export interface UnitDesired {
  enabled?: boolean;
  active?: boolean;
  masked?: boolean;
}

/**
 * systemctl commands (each a complete shell line) that take a unit from `live` to `desired`.
 * `fileChanged`: this run replaced the unit's (or drop-in's) file, so systemd must reload it and
 * a running unit must restart to pick it up; a unit whose file did not change is never restarted.
 */
export function planUnitCommands(
  name: UnitName,
  live: UnitState,
  desired: UnitDesired,
  fileChanged: boolean,
): string[] {
  const cmds: string[] = [];
  if (fileChanged) {
    cmds.push("systemctl daemon-reload");
  }
  if (name.kind === "dropin") {
    if (fileChanged) {
      cmds.push(`systemctl try-restart -- ${shellQuote(name.parent)}`);
    }
    return cmds;
  }
  const u = shellQuote(name.unit);
  if (desired.masked === true && !live.masked) {
    cmds.push(`systemctl mask --now -- ${u}`);
    return cmds;
  }
  if (desired.masked === false && live.masked) {
    cmds.push(`systemctl unmask -- ${u}`);
  }
  if (desired.enabled === true && !live.enabled) {
    cmds.push(`systemctl enable -- ${u}`);
  } else if (desired.enabled === false && live.enabled) {
    cmds.push(`systemctl disable -- ${u}`);
  }
  if (desired.active === true) {
    cmds.push(live.active ? (fileChanged ? `systemctl restart -- ${u}` : "") : `systemctl start -- ${u}`);
  } else if (desired.active === false) {
    if (live.active) {
      cmds.push(`systemctl stop -- ${u}`);
    }
  } else if (fileChanged && live.active) {
    cmds.push(`systemctl try-restart -- ${u}`);
  }
  return cmds.filter((c) => c !== "");
}

/** Bash script running commands in order, stopping at the first failure. */
export function commandsScript(cmds: readonly string[]): string {
  return ["set -euo pipefail", ...cmds, ""].join("\n");
}

/**
 * Commands that undo a unit resource on delete.
 * - own unit file: stop and disable, remove the file, daemon-reload, clear a failed state;
 * - drop-in: remove the file, daemon-reload, restart the parent if running;
 * - no file (a stock unit): only put back the mask, enable and running state it had before we
 *   managed it (`initial.active` absent: state written before it was recorded, left alone).
 * Removing the file itself (and directories we created) is done by the caller's file script.
 */
export function planDeleteCommands(
  name: UnitName,
  ownsFile: boolean,
  live: UnitState,
  initial: { enabled: boolean; masked: boolean; active?: boolean } | undefined,
): { before: string[]; after: string[] } {
  if (name.kind === "dropin") {
    return ownsFile
      ? {
          before: [],
          after: ["systemctl daemon-reload", `systemctl try-restart -- ${shellQuote(name.parent)}`],
        }
      : { before: [], after: [] };
  }
  const u = shellQuote(name.unit);
  if (ownsFile) {
    return {
      before: [`systemctl disable --now -- ${u} || true`],
      after: ["systemctl daemon-reload", `systemctl reset-failed -- ${u} 2>/dev/null || true`],
    };
  }
  const before: string[] = [];
  if (initial !== undefined) {
    if (live.masked && !initial.masked) {
      // Stopping a unit while masking it can leave it "failed"; clear that so the host is not
      // reported degraded for a state we caused.
      before.push(`systemctl unmask -- ${u}`, `systemctl reset-failed -- ${u} 2>/dev/null || true`);
    } else if (!live.masked && initial.masked) {
      before.push(`systemctl mask -- ${u}`);
    }
    // While masked, is-enabled answers "masked" and hides the enablement links, which masking
    // keeps: unmasking alone brings back the state from before.
    if (!initial.masked && !live.masked) {
      if (live.enabled && !initial.enabled) {
        before.push(`systemctl disable -- ${u}`);
      } else if (!live.enabled && initial.enabled) {
        before.push(`systemctl enable -- ${u}`);
      }
    }
    if (!initial.masked && initial.active === true && !live.active) {
      before.push(`systemctl start -- ${u}`);
    } else if (!initial.masked && initial.active === false && live.active) {
      before.push(`systemctl stop -- ${u}`);
    }
  }
  return { before, after: [] };
}
