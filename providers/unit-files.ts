import { shellQuote } from "./shell";

/*
 * Every file systemd reads for one unit, and which of them nobody declared.
 *
 * systemd loads a unit from the first directory of its search path that has a file of that name
 * (or of its template), and then every drop-in `*.conf` of the unit, its template, its name
 * prefixes and its type, from all of those directories. A file put there by hand, in /etc or in
 * /run (`systemctl edit --runtime`, `systemctl mask --runtime`, `systemctl set-property`), makes
 * the unit run with settings no resource declares. Pure: the provider sends the script and
 * classifies what it prints (docs/decisions/0111).
 */

/** Who puts files into a search-path directory. */
export type UnitDirRole = "admin" | "runtime" | "vendor";

/**
 * systemd's system unit search path (systemd.unit(5)) without the generator and transient
 * directories, whose files systemd itself writes: highest priority first.
 */
export function unitSearchPath(): { dir: string; role: UnitDirRole }[] {
  return [
    { dir: "/etc/systemd/system.control", role: "admin" },
    { dir: "/run/systemd/system.control", role: "runtime" },
    { dir: "/etc/systemd/system", role: "admin" },
    { dir: "/etc/systemd/system.attached", role: "admin" },
    { dir: "/run/systemd/system", role: "runtime" },
    { dir: "/run/systemd/system.attached", role: "runtime" },
    // No package installs here: whatever is here was put here by hand.
    { dir: "/usr/local/lib/systemd/system", role: "admin" },
    { dir: "/usr/lib/systemd/system", role: "vendor" },
    { dir: "/lib/systemd/system", role: "vendor" },
  ];
}

/** The role of the search-path directory `path` lies in (directly, or in a `.d` directory of it). */
export function roleOf(path: string): UnitDirRole | undefined {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const parent = dir.endsWith(".d") ? dir.slice(0, dir.lastIndexOf("/")) : dir;
  return unitSearchPath().find((d) => d.dir === parent)?.role;
}

/**
 * Names systemd looks up for `unit`: the unit files (the unit, and its template when it is an
 * instance) and the drop-in directories, most specific first (`foo-bar@x.service.d`,
 * `foo-bar@.service.d`, `foo-bar-.service.d`, `foo-.service.d`, `service.d`).
 */
export function unitLookupNames(unit: string): { unitFiles: string[]; dropInDirs: string[] } {
  const dot = unit.lastIndexOf(".");
  const base = unit.slice(0, dot);
  const type = unit.slice(dot + 1);
  const at = base.indexOf("@");
  const template = at >= 0 ? `${base.slice(0, at + 1)}.${type}` : undefined;
  const unitFiles = template === undefined ? [unit] : [unit, template];
  const dropInDirs = unitFiles.map((u) => `${u}.d`);
  const prefixSource = at >= 0 ? base.slice(0, at) : base;
  const parts = prefixSource.split("-");
  for (let i = parts.length - 1; i >= 1; i--) {
    dropInDirs.push(`${parts.slice(0, i).join("-")}-.${type}.d`);
  }
  dropInDirs.push(`${type}.d`);
  return { unitFiles, dropInDirs };
}

/**
 * Bash lines printing, for `unit`, one `unitfile=<path>\t<symlink target>` line per unit file
 * (target empty for a regular file) and one `dropin=<path>` line per drop-in, across the whole
 * search path. A directory reached twice (/lib is /usr/lib on merged-/usr systems) is listed once.
 * `root` prefixes every directory (tests run it on a tree of their own).
 */
export function listUnitFilesScript(unit: string, root = ""): string[] {
  const names = unitLookupNames(unit);
  const dirs = unitSearchPath().map((d) => shellQuote(`${root}${d.dir}`));
  return [
    "seen=' '",
    `for d in ${dirs.join(" ")}; do`,
    '  [ -d "$d" ] || continue',
    '  r=$(readlink -f -- "$d"); case "$seen" in *" $r "*) continue;; esac; seen="$seen$r "',
    `  for u in ${names.unitFiles.map(shellQuote).join(" ")}; do`,
    '    p="$d/$u"',
    '    if [ -L "$p" ]; then printf \'unitfile=%s\\t%s\\n\' "$p" "$(readlink -- "$p")";',
    '    elif [ -e "$p" ]; then printf \'unitfile=%s\\t\\n\' "$p"; fi',
    "  done",
    `  for dd in ${names.dropInDirs.map(shellQuote).join(" ")}; do`,
    '    for p in "$d/$dd"/*.conf; do if [ -e "$p" ] || [ -L "$p" ]; then printf \'dropin=%s\\n\' "$p"; fi; done',
    "  done",
    "done",
  ];
}

/** Unit files and drop-ins found by {@link listUnitFilesScript}. */
export interface FoundUnitFiles {
  /** Unit files (the unit's or its template's name), with the symlink target ("" for a regular file). */
  unitFiles: { path: string; target: string }[];
  /** Drop-in files. */
  dropIns: string[];
}

/** Parse the `unitfile=` and `dropin=` lines of a read script's output. */
export function parseFoundUnitFiles(stdout: string): FoundUnitFiles {
  const found: FoundUnitFiles = { unitFiles: [], dropIns: [] };
  for (const line of stdout.split("\n")) {
    if (line.startsWith("unitfile=")) {
      const [path, target] = line.slice("unitfile=".length).split("\t") as [string, string | undefined];
      found.unitFiles.push({ path, target: target ?? "" });
    } else if (line.startsWith("dropin=")) {
      found.dropIns.push(line.slice("dropin=".length));
    }
  }
  return found;
}

/** What the resources of one unit declare about its files. */
export interface DeclaredUnitFiles {
  /** The unit's own file when a resource writes it (undefined: a stock unit, whose files come with its package). */
  ownFile?: string;
  /** Drop-ins (full paths) declared by resources for this unit. */
  dropIns: readonly string[];
  /** The unit is declared masked: the `/etc/systemd/system/<unit>` link to /dev/null is ours. */
  masked?: boolean;
}

/** Files systemd reads for a unit that no resource declares. */
export interface ExtraUnitFiles {
  /** Unit files of the same name besides ours (runtime masks, copies in /run or /usr/local, ...). */
  unitFiles: string[];
  /** Drop-ins nobody declared. */
  dropIns: string[];
}

/**
 * The files of `found` nobody declared, sorted. Package files are left alone: a vendor unit
 * file (a stock unit's own, or the one ours overrides from /etc), and vendor drop-ins of a stock
 * unit or for a whole type or name prefix. A stock unit's files in /etc are its definition, not
 * ours to judge; its files in /run are runtime changes and count.
 */
export function extraUnitFiles(
  unit: string,
  found: FoundUnitFiles,
  declared: DeclaredUnitFiles,
): ExtraUnitFiles {
  const own = new Set(unitLookupNames(unit).dropInDirs.slice(0, unitLookupNames(unit).unitFiles.length));
  const stock = declared.ownFile === undefined;
  const unitFiles = found.unitFiles
    .filter((f) => {
      if (f.path === declared.ownFile) return false;
      const role = roleOf(f.path);
      if (role === "vendor" || role === undefined) return false;
      if (declared.masked === true && f.path === `/etc/systemd/system/${unit}` && f.target === "/dev/null")
        return false;
      return !stock || role === "runtime";
    })
    .map((f) => f.path);
  const dropIns = found.dropIns.filter((p) => {
    if (declared.dropIns.includes(p)) return false;
    const role = roleOf(p);
    if (role === undefined) return false;
    if (role !== "vendor") return true;
    const dir = p.slice(0, p.lastIndexOf("/"));
    return !stock && own.has(dir.slice(dir.lastIndexOf("/") + 1));
  });
  return { unitFiles: [...new Set(unitFiles)].sort(), dropIns: [...new Set(dropIns)].sort() };
}
