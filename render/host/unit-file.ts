/** One `Key=Value` line of a systemd unit; an empty value resets a list setting (`ExecStart=`). */
export type UnitDirective = readonly [key: string, value: string];

/** A `[Section]` of a unit file with its directives in order. */
export interface UnitSection {
  /** Section name without brackets, e.g. `Unit`, `Service`, `Timer`, `Install`, `Manager`. */
  readonly name: string;
  /** Directives in the order they are written (order matters for list resets). */
  readonly directives: readonly UnitDirective[];
}

/**
 * Render systemd INI text: an optional leading comment, then each section. Sections without
 * directives are dropped so callers can build them conditionally.
 */
export function renderUnitFile(sections: readonly UnitSection[], comment?: string): string {
  const parts: string[] = [];
  if (comment)
    parts.push(
      comment
        .split("\n")
        .map((l) => `# ${l}`.trimEnd())
        .join("\n"),
    );
  for (const s of sections) {
    if (s.directives.length === 0) continue;
    parts.push([`[${s.name}]`, ...s.directives.map(([k, v]) => `${k}=${v}`)].join("\n"));
  }
  return parts.join("\n\n") + "\n";
}

/**
 * systemd's path escaping (`systemd-escape --path`): `/dev/watchdog0` becomes `dev-watchdog0`,
 * so a device path can name its `.device` unit.
 */
export function systemdEscapePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "").replace(/\/+/g, "/");
  if (trimmed === "") return "-";
  let out = "";
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i]!;
    if (c === "/") out += "-";
    else if (/[A-Za-z0-9:_]/.test(c) || (c === "." && i > 0)) out += c;
    else out += "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0");
  }
  return out;
}

/** The `.device` unit systemd creates for a device node path. */
export function deviceUnitName(path: string): string {
  return `${systemdEscapePath(path)}.device`;
}

/** Absolute path of a unit file (or drop-in) under the admin unit directory. */
export function unitPath(name: string, dropIn?: string): string {
  return dropIn ? `/etc/systemd/system/${name}.d/${dropIn}` : `/etc/systemd/system/${name}`;
}
