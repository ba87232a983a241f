import { parseKeyValues, shellQuote } from "./shell";

/*
 * Remote scripts that write, read and delete one file on the host, and the parsers for what
 * they print. Pure: the providers send these scripts over SSH (see ssh-pool.ts).
 */

/** Exit code of the write script when the validator rejected the new content. */
export const VALIDATOR_REJECTED_EXIT = 3;
/** Exit code of the write script when the transferred bytes do not hash to the expected digest. */
export const TRANSFER_MISMATCH_EXIT = 4;
/** Exit code of the write script when the on-change command failed (the new file is in place). */
export const ON_CHANGE_FAILED_EXIT = 5;
/** Exit code of the write script when the parent directory is missing and may not be created. */
export const NO_PARENT_EXIT = 6;

/**
 * Host file listing the directories the host resources created, shared by all of them: a
 * directory is removed (when empty) by whichever resource inside it is deleted last, whatever
 * order the engine deletes them in.
 */
export const CREATED_DIRECTORIES_REGISTRY = "/var/lib/hemma-infra/created-directories";

/** Paths the providers accept: absolute, no `.`/`..` segments, no empty segments, no shell-hostile bytes. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) {
    return `path must be absolute, got ${JSON.stringify(path)}`;
  }
  if (!/^[A-Za-z0-9._@+:,=/-]+$/.test(path)) {
    return `path may contain only letters, digits and ._@+:,=/- characters, got ${JSON.stringify(path)}`;
  }
  const segments = path.slice(1).split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    return `path must be normalized (no empty, "." or ".." segments, no trailing slash), got ${JSON.stringify(path)}`;
  }
  return undefined;
}

/** `mode` as four octal digits ("644" → "0644"), or an error message. */
export function normalizeMode(mode: string): { mode?: string; problem?: string } {
  if (!/^[0-7]{3,4}$/.test(mode)) {
    return { problem: `mode must be 3 or 4 octal digits like "0644", got ${JSON.stringify(mode)}` };
  }
  return { mode: mode.padStart(4, "0") };
}

/** A user or group name the providers accept (Debian's NAME_REGEX, or a numeric id). */
export function accountNameProblem(field: string, name: string): string | undefined {
  if (/^[a-z_][a-z0-9_-]*\$?$/.test(name) || /^[0-9]+$/.test(name)) {
    return undefined;
  }
  return `${field} must be a user/group name or numeric id, got ${JSON.stringify(name)}`;
}

/** Directory part of a normalized absolute path ("/etc/foo" → "/etc", "/foo" → "/"). */
export function parentDirectory(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

/** What {@link writeFileScript} needs to place one file. */
export interface WriteFileSpec {
  /** Absolute target path. */
  path: string;
  /** sha256 hex the bytes on stdin must have; checked on the host before anything is replaced. */
  digest: string;
  /** Four octal digits. */
  mode: string;
  owner: string;
  group: string;
  /** Shell command run on the temp file before the swap; `{}` is replaced by its path. */
  validate?: string;
  /** Shell command run after the new file is in place. */
  onChange?: string;
  /** Create missing parent directories (0755 root:root) and report them; otherwise fail. */
  createDirectories: boolean;
  /** Registry of created directories; default {@link CREATED_DIRECTORIES_REGISTRY}. */
  registry?: string;
}

/** Replace every `{}` in a validator command with the quoted temp-file variable. */
export function substituteTempPath(command: string, variable: string): string {
  return command.split("{}").join(`"$${variable}"`);
}

/**
 * Bash script that atomically replaces `spec.path` with the bytes on its stdin: temp file in the
 * same directory, digest check, owner and mode set, validator run on the temp file, then
 * `mv -f` over the target. A failed validator leaves the old file and exits
 * {@link VALIDATOR_REJECTED_EXIT} with the validator's output on stderr.
 *
 * Prints `existed=0|1` (whether the target was there before) and one `created_dir=<path>` line
 * per directory it created, outermost first.
 */
export function writeFileScript(spec: WriteFileSpec): string {
  const dir = parentDirectory(spec.path);
  const base = spec.path.slice(spec.path.lastIndexOf("/") + 1);
  const lines = [
    "set -euo pipefail",
    `target=${shellQuote(spec.path)}`,
    `dir=${shellQuote(dir)}`,
    `want=${shellQuote(spec.digest)}`,
    `reg=${shellQuote(spec.registry ?? CREATED_DIRECTORIES_REGISTRY)}`,
    // Until the swap, a failure removes the temp file and any directory this run created.
    'tmp=""; made=()',
    'cleanup() { if [ -n "$tmp" ]; then rm -f -- "$tmp"; fi; for m in "${made[@]}"; do rmdir -- "$m" 2>/dev/null || true; done; }',
    "trap cleanup EXIT",
    'if [ ! -d "$dir" ]; then',
  ];
  if (spec.createDirectories) {
    lines.push(
      '  missing=(); d="$dir"',
      '  while [ ! -d "$d" ]; do missing=("$d" "${missing[@]}"); d=$(dirname -- "$d"); done',
      // Resources writing into the same new directory run concurrently: losing the mkdir race
      // to another of them is fine (that one records the directory).
      '  for m in "${missing[@]}"; do',
      '    if mkdir -m 0755 -- "$m" 2>/dev/null; then made=("$m" "${made[@]}"); printf \'created_dir=%s\\n\' "$m";',
      '    elif [ ! -d "$m" ]; then printf \'cannot create directory %s\\n\' "$m" >&2; exit 1; fi',
      "  done",
    );
  } else {
    lines.push(
      `  printf 'parent directory %s does not exist (set createDirectories to create it)\\n' "$dir" >&2`,
      `  exit ${NO_PARENT_EXIT}`,
    );
  }
  lines.push(
    "fi",
    'existed=0; if [ -e "$target" ] || [ -L "$target" ]; then existed=1; fi',
    // The temp name starts with a dot so `*.conf` style includes never pick it up, and ends with
    // the target's name so suffix-sensitive validators (systemd-analyze verify) accept it.
    `tmp=$(mktemp --tmpdir="$dir" --suffix=${shellQuote(`-${base}`)} .hemma-XXXXXX)`,
    'cat > "$tmp"',
    'got=$(sha256sum -- "$tmp"); got=${got%% *}',
    'if [ "$got" != "$want" ]; then',
    `  printf 'content digest after transfer is %s, expected %s\\n' "$got" "$want" >&2; exit ${TRANSFER_MISMATCH_EXIT}`,
    "fi",
    `chown -- ${shellQuote(`${spec.owner}:${spec.group}`)} "$tmp"`,
    `chmod -- ${shellQuote(spec.mode)} "$tmp"`,
  );
  if (spec.validate !== undefined) {
    lines.push(
      `vrc=0; vout=$( { ${substituteTempPath(spec.validate, "tmp")} ; } </dev/null 2>&1 ) || vrc=$?`,
      'if [ "$vrc" -ne 0 ]; then',
      `  printf 'validator rejected the new content of %s (exit %s): %s\\n' "$target" "$vrc" "$vout" >&2; exit ${VALIDATOR_REJECTED_EXIT}`,
      "fi",
    );
  }
  lines.push(
    'mv -f -- "$tmp" "$target"',
    "trap - EXIT",
    'if [ "${#made[@]}" -gt 0 ]; then',
    '  mkdir -p -- "$(dirname -- "$reg")"',
    '  ( flock 9; for m in "${made[@]}"; do grep -qxF -- "$m" "$reg" 2>/dev/null || printf \'%s\\n\' "$m" >> "$reg"; done ) 9>>"$reg.lock"',
    "fi",
    'echo "existed=$existed"',
  );
  if (spec.onChange !== undefined) {
    lines.push(
      `crc=0; cout=$( { ${spec.onChange} ; } </dev/null 2>&1 ) || crc=$?`,
      'if [ "$crc" -ne 0 ]; then',
      `  printf 'on-change command for %s failed (exit %s): %s\\n' "$target" "$crc" "$cout" >&2; exit ${ON_CHANGE_FAILED_EXIT}`,
      "fi",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** What {@link writeFileScript} reported. */
export interface WriteResult {
  existed: boolean;
  createdDirectories: string[];
}

/** Parse the output of {@link writeFileScript}. */
export function parseWriteResult(stdout: string): WriteResult {
  const createdDirectories: string[] = [];
  let existed: boolean | undefined;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("created_dir=")) {
      createdDirectories.push(line.slice("created_dir=".length));
    } else if (line === "existed=0" || line === "existed=1") {
      existed = line === "existed=1";
    }
  }
  if (existed === undefined) {
    throw new Error(`write script printed no existed= line: ${JSON.stringify(stdout)}`);
  }
  return { existed, createdDirectories };
}

/** Bash script printing the live state of one path as key=value lines (see {@link parseFileState}). */
export function readFileScript(path: string): string {
  return [
    "set -uo pipefail",
    `p=${shellQuote(path)}`,
    'if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo exists=0; exit 0; fi',
    "echo exists=1",
    "stat --printf 'type=%F\\nmode=%a\\nowner=%U\\nuid=%u\\ngroup=%G\\ngid=%g\\n' -- \"$p\"",
    'if [ -f "$p" ] && [ ! -L "$p" ]; then d=$(sha256sum -- "$p"); echo "digest=${d%% *}"; fi',
    "",
  ].join("\n");
}

/** Live state of a path; `digest` is "" unless it is a regular file (never a symlink). */
export type FileState =
  | { exists: false }
  | {
      exists: true;
      type: string;
      mode: string;
      owner: string;
      group: string;
      /** Numeric ids, for an owner or group declared by number (a container's gid 101). */
      uid: string;
      gid: string;
      digest: string;
    };

/**
 * The live owner or group in the form it was declared: the number when the declaration is a
 * number (whatever name the host gives that id), else the name. Otherwise a group declared as
 * `101` would differ from the host's name for gid 101 on every refresh.
 */
export function asDeclared(declared: string, name: string, id: string): string {
  return /^[0-9]+$/.test(declared) ? id : name;
}

/** Parse the output of {@link readFileScript}; throws on output it does not understand. */
export function parseFileState(stdout: string): FileState {
  const kv = parseKeyValues(stdout);
  if (kv.exists === "0") {
    return { exists: false };
  }
  if (
    kv.exists !== "1" ||
    kv.mode === undefined ||
    kv.owner === undefined ||
    kv.group === undefined ||
    kv.type === undefined
  ) {
    throw new Error(`cannot parse file state: ${JSON.stringify(stdout)}`);
  }
  const mode = normalizeMode(kv.mode).mode;
  if (mode === undefined) {
    throw new Error(`cannot parse file mode ${JSON.stringify(kv.mode)}`);
  }
  return {
    exists: true,
    type: kv.type,
    mode,
    owner: kv.owner,
    group: kv.group,
    uid: kv.uid ?? "",
    gid: kv.gid ?? "",
    digest: kv.digest ?? "",
  };
}

/**
 * Bash script removing what writes created: the file (unless it existed before and so is not
 * ours, `removeFile` false), then each parent directory that a host resource created (listed in
 * the registry) while it is empty, innermost first.
 */
export function deleteFileScript(
  path: string,
  removeFile: boolean,
  registry: string = CREATED_DIRECTORIES_REGISTRY,
): string {
  const lines = ["set -euo pipefail", `p=${shellQuote(path)}`, `reg=${shellQuote(registry)}`];
  if (removeFile) {
    lines.push(
      'if [ -d "$p" ] && [ ! -L "$p" ]; then printf \'%s is a directory, not removing it\\n\' "$p" >&2; exit 1; fi',
      'rm -f -- "$p"',
    );
  }
  lines.push(
    'if [ -f "$reg" ]; then',
    '  ( flock 9; d=$(dirname -- "$p")',
    '    while [ "$d" != / ] && grep -qxF -- "$d" "$reg"; do',
    '      rmdir -- "$d" 2>/dev/null || break',
    '      grep -vxF -- "$d" "$reg" > "$reg.tmp" || true; mv -f -- "$reg.tmp" "$reg"',
    '      d=$(dirname -- "$d")',
    '    done ) 9>>"$reg.lock"',
    "fi",
    "echo deleted=1",
    "",
  );
  return lines.join("\n");
}

/** Where removed hand-made files are kept: `<root>/<UTC time of the run>/<original path>`. */
export const BACKUP_ROOT = "/var/lib/hemma-infra/backups";

/**
 * Bash script that copies each existing path of `paths` (a symlink as the link itself) under
 * `<root>/<UTC time>/` at its full path, then removes it. Prints one `backup=<path>\t<copy>`
 * line per file moved; a path already gone is skipped. The backup tree is readable by root only,
 * as the files may hold secrets.
 */
export function removeWithBackupScript(paths: readonly string[], root: string = BACKUP_ROOT): string {
  return [
    "set -euo pipefail",
    "umask 077",
    `dest=${shellQuote(root)}/$(date -u +%Y%m%dT%H%M%SZ)`,
    `for p in ${paths.map(shellQuote).join(" ")}; do`,
    '  if [ -e "$p" ] || [ -L "$p" ]; then',
    '    if [ -d "$p" ] && [ ! -L "$p" ]; then printf \'%s is a directory, not removing it\\n\' "$p" >&2; exit 1; fi',
    '    mkdir -p -- "$dest$(dirname -- "$p")"',
    '    cp -a -- "$p" "$dest$p"',
    '    rm -f -- "$p"',
    '    printf \'backup=%s\\t%s\\n\' "$p" "$dest$p"',
    "  fi",
    "done",
    "",
  ].join("\n");
}

/** The `<path> -> <copy>` moves {@link removeWithBackupScript} reported, in its order. */
export function parseBackups(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("backup="))
    .map((l) => l.slice("backup=".length).replace("\t", " -> "));
}
