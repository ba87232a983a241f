import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { HostFile } from "../../providers/host-file";
import type { ShadowCheck } from "../../providers/shadows";
import { SystemdUnit } from "../../providers/systemd-unit";
import type { RenderedFile } from "../../render/types";

const UNIT_DIR = "/etc/systemd/system/";

/** How one rendered file is placed beyond its content and mode. */
export interface Placement {
  /** Logical name of the resource. Default: derived from the component name and the path. */
  readonly name?: string;
  /** Command run (as root) after the file changed. Files only; units restart through `SystemdUnit`. */
  readonly onChange?: string;
  /** `enabled` of a unit. Default: the provider's (true for a timer, unmanaged otherwise). */
  readonly enabled?: boolean;
  /** `active` of a unit. Default: the provider's (true for a timer, unmanaged otherwise). */
  readonly active?: boolean;
  /** Resources this one waits for (a timer waits for its service and script). */
  readonly dependsOn?: pulumi.Resource[];
  /** Files that could override this one's settings (files only; see `HostFile`). Default: none checked. */
  readonly shadows?: ShadowCheck;
}

/** The unit (or `unit.d/drop-in.conf`) name of a file under /etc/systemd/system, or undefined. */
export function unitNameOf(f: RenderedFile): string | undefined {
  return f.kind === "unit" && f.path.startsWith(UNIT_DIR) ? f.path.slice(UNIT_DIR.length) : undefined;
}

/** The unit a unit file or drop-in name acts on: `foo.service` for `foo.service.d/10-x.conf`. */
function parentUnitOf(unit: string): string {
  const slash = unit.indexOf(".d/");
  return slash < 0 ? unit : unit.slice(0, slash);
}

/**
 * What the resource of `f` declares about its unit's files, given every file its component
 * places (`siblings`): the unit's drop-ins among them, and whether this resource reports the
 * unit's undeclared files. A unit reports them; of a unit placed without its own file (a stock
 * unit with our drop-ins), the first drop-in does, so exactly one resource per unit checks.
 */
export function unitFilesOf(
  f: RenderedFile,
  siblings: readonly RenderedFile[],
): { declaredDropIns: string[]; checkUnitFiles: boolean } | undefined {
  const unit = unitNameOf(f);
  if (unit === undefined) return undefined;
  const parent = parentUnitOf(unit);
  const units = siblings.map(unitNameOf).filter((u): u is string => u !== undefined);
  const dropIns = units.filter((u) => u !== parent && parentUnitOf(u) === parent).sort();
  const checkUnitFiles = unit === parent || (!units.includes(parent) && dropIns[0] === unit);
  return { declaredDropIns: dropIns.map((u) => `${UNIT_DIR}${u}`), checkUnitFiles };
}

/** A readable logical name: `<component>-<unit name>` or `<component>-<path with / as ->`. */
export function resourceNameOf(component: string, f: RenderedFile): string {
  return `${component}-${unitNameOf(f) ?? f.path.replace(/^\//, "").replace(/\//g, "-")}`;
}

/** The syntax check run on a script's temp file before it replaces the live one. */
export function scriptValidateCommand(f: RenderedFile): string | undefined {
  if (f.kind !== "script") return undefined;
  return f.content.startsWith("#!/bin/sh\n") ? "sh -n {}" : "bash -n {}";
}

/**
 * One rendered file as a host resource: units and drop-ins under /etc/systemd/system become
 * `SystemdUnit` (daemon-reload and restart on change), everything else a `HostFile` (scripts are
 * syntax-checked before the atomic swap). Missing parent directories are created. `siblings`
 * are all the files the component places, `f` among them: a unit's drop-ins are declared
 * there, so a drop-in of ours is never reported (or removed) as one nobody declared.
 */
export function placeRenderedFile(
  component: string,
  connection: HostConnectionArgs,
  f: RenderedFile,
  placement: Placement,
  parent: pulumi.Resource,
  siblings: readonly RenderedFile[],
): HostFile | SystemdUnit {
  const name = placement.name ?? resourceNameOf(component, f);
  const opts: pulumi.CustomResourceOptions = {
    parent,
    ...(placement.dependsOn?.length ? { dependsOn: placement.dependsOn } : {}),
  };
  const unit = unitNameOf(f);
  const unitFiles = unitFilesOf(f, siblings);
  if (unit !== undefined && unitFiles !== undefined) {
    if (placement.onChange !== undefined)
      throw new Error(`${f.path}: units take no onChange; SystemdUnit restarts them`);
    if (placement.shadows !== undefined) throw new Error(`${f.path}: a unit's shadows are its unit files`);
    return new SystemdUnit(
      name,
      {
        connection,
        name: unit,
        content: f.content,
        ...unitFiles,
        ...(placement.enabled === undefined ? {} : { enabled: placement.enabled }),
        ...(placement.active === undefined ? {} : { active: placement.active }),
      },
      opts,
    );
  }
  const validate = scriptValidateCommand(f);
  return new HostFile(
    name,
    {
      connection,
      path: f.path,
      content: f.content,
      mode: f.mode,
      ...(f.owner ? { owner: f.owner } : {}),
      ...(f.group ? { group: f.group } : {}),
      ...(validate ? { validate } : {}),
      ...(placement.onChange ? { onChange: placement.onChange } : {}),
      ...(placement.shadows ? { shadows: placement.shadows } : {}),
      createDirectories: true,
    },
    opts,
  );
}
