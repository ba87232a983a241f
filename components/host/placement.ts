import * as pulumi from "@pulumi/pulumi";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { HostFile } from "../../providers/host-file";
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
}

/** The unit (or `unit.d/drop-in.conf`) name of a file under /etc/systemd/system, or undefined. */
export function unitNameOf(f: RenderedFile): string | undefined {
  return f.kind === "unit" && f.path.startsWith(UNIT_DIR) ? f.path.slice(UNIT_DIR.length) : undefined;
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
 * syntax-checked before the atomic swap). Missing parent directories are created.
 */
export function placeRenderedFile(
  component: string,
  connection: HostConnectionArgs,
  f: RenderedFile,
  placement: Placement,
  parent: pulumi.Resource,
): HostFile | SystemdUnit {
  const name = placement.name ?? resourceNameOf(component, f);
  const opts: pulumi.CustomResourceOptions = {
    parent,
    ...(placement.dependsOn?.length ? { dependsOn: placement.dependsOn } : {}),
  };
  const unit = unitNameOf(f);
  if (unit !== undefined) {
    if (placement.onChange !== undefined)
      throw new Error(`${f.path}: units take no onChange; SystemdUnit restarts them`);
    return new SystemdUnit(
      name,
      {
        connection,
        name: unit,
        content: f.content,
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
      createDirectories: true,
    },
    opts,
  );
}
