/**
 * Quote a value for POSIX shell as one word: single quotes, with embedded single quotes closed,
 * escaped and reopened. Used wherever a config value is written into a script.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A shell default assignment that an environment variable of the same name overrides:
 * `NAME=${NAME:-<value>}`. Scripts take every setting this way so tests (and operators) can
 * point them at fake devices and commands without editing the file.
 */
export function envDefault(name: string, value: string | number): string {
  const v = String(value);
  // Unquoted on purpose: an assignment is not word-split, and inside double quotes the single
  // quotes of shellQuote would be kept literally.
  return `${name}=\${${name}:-${shellQuote(v)}}`;
}

/** Quote one argument for a systemd `Exec*=` line (systemd's own word splitting and `$`/`%` expansion). */
export function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** An `Exec*=` command line from an argument vector. */
export function execLine(argv: readonly string[]): string {
  return argv.map(systemdQuote).join(" ");
}
