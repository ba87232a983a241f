import { shellQuote } from "./shell";

/*
 * Files that take a managed file's place or override its settings, although no resource
 * declares them: a hand-made sshd drop-in that sets a keyword ours sets, a sysctl.d file applied
 * after ours that sets one of our keys, an nginx-proxy `vhost.d/<host>` file that replaces our
 * `vhost.d/default` for one host name. The read script lists candidates; pure functions decide
 * (docs/decisions/0111).
 */

/** Which files can shadow a managed file, and what they must not touch. Plain data: it is stored in state. */
export type ShadowCheck =
  | {
      /** Other `*.conf` files in the managed file's directory (the `Include` glob of sshd_config). */
      readonly kind: "sshd";
      /** Keyword (any case) to value, as the managed file sets them. */
      readonly settings: Readonly<Record<string, string>>;
    }
  | {
      /** sysctl.d files of every directory systemd-sysctl reads, and /etc/sysctl.conf. */
      readonly kind: "sysctl";
      /** Key (`kernel.panic`) to value, as the managed file sets them. */
      readonly settings: Readonly<Record<string, string>>;
    }
  | {
      /** nginx-proxy's per-host files in the managed file's directory (`vhost.d`). */
      readonly kind: "nginx-vhost";
      /** Host names nginx-proxy serves with the managed `default`. */
      readonly hosts: readonly string[];
    };

/** Directories systemd-sysctl reads, highest priority first (sysctl.d(5)). */
export function sysctlDirs(): string[] {
  return ["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"];
}

/** A problem with a shadow check as received by a provider's `check`, or undefined. */
export function shadowCheckProblem(check: unknown): string | undefined {
  if (check === undefined || check === null) return undefined;
  const c = check as Record<string, unknown>;
  const plainStrings = (v: unknown): boolean =>
    typeof v === "object" && v !== null && Object.values(v).every((x) => typeof x === "string");
  if ((c.kind === "sshd" || c.kind === "sysctl") && plainStrings(c.settings)) {
    const bad = Object.keys(c.settings as object).find((k) => !/^[A-Za-z0-9_./-]+$/.test(k));
    return bad === undefined ? undefined : `shadows: ${JSON.stringify(bad)} is not a ${c.kind} key`;
  }
  if (c.kind === "nginx-vhost" && Array.isArray(c.hosts) && c.hosts.every((h) => typeof h === "string")) {
    const bad = (c.hosts as string[]).find((h) => !/^[A-Za-z0-9.-]+$/.test(h));
    return bad === undefined ? undefined : `shadows: ${JSON.stringify(bad)} is not a host name`;
  }
  return `shadows must be {kind: "sshd"|"sysctl", settings} or {kind: "nginx-vhost", hosts}, got ${JSON.stringify(check)}`;
}

/** awk program printing `set=<file>\t<key>\t<value>` for each `key value` / `key = value` line. */
function settingsAwk(separator: "space" | "equals"): string {
  const split =
    separator === "space"
      ? 'k = $1; v = $0; sub(/^[ \\t]*[^ \\t]+[ \\t]*/, "", v)'
      : 'i = index($0, "="); if (i == 0) next; k = substr($0, 1, i - 1); v = substr($0, i + 1); gsub(/^[ \\t-]+|[ \\t]+$/, "", k)';
  return `awk '/^[ \\t]*([#;]|$)/ { next } { ${split}; gsub(/^[ \\t]+|[ \\t]+$/, "", v); printf "set=%s\\t%s\\t%s\\n", FILENAME, k, v }'`;
}

/**
 * Bash lines printing the candidates of `check` for the managed file `path`. `root` prefixes the
 * fixed sysctl directories (tests run it on a tree of their own).
 */
export function shadowScript(path: string, check: ShadowCheck, root = ""): string[] {
  const dir = path.slice(0, path.lastIndexOf("/"));
  if (check.kind === "sshd") {
    return [
      `for f in ${shellQuote(dir)}/*.conf; do`,
      `  [ -f "$f" ] && [ "$f" != ${shellQuote(path)} ] && ${settingsAwk("space")} "$f"`,
      "done",
      "true",
    ];
  }
  if (check.kind === "sysctl") {
    return [
      `for f in ${sysctlDirs()
        .map((d) => `${shellQuote(`${root}${d}`)}/*.conf`)
        .join(" ")} ${shellQuote(`${root}/etc/sysctl.conf`)}; do`,
      `  [ -f "$f" ] && [ "$f" != ${shellQuote(path)} ] && ${settingsAwk("equals")} "$f"`,
      "done",
      "true",
    ];
  }
  return [
    `for h in ${[...check.hosts, "default"].map(shellQuote).join(" ")}; do`,
    `  for f in ${shellQuote(dir)}/"$h" ${shellQuote(dir)}/"$h"_*; do`,
    `    if { [ -e "$f" ] || [ -L "$f" ]; } && [ "$f" != ${shellQuote(path)} ]; then printf 'candidate=%s\\n' "$f"; fi`,
    "  done",
    "done",
  ];
}

/** One `key value` setting a candidate file makes. */
interface FoundSetting {
  file: string;
  key: string;
  value: string;
}

function foundSettings(stdout: string): FoundSetting[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("set="))
    .map((l) => {
      const [file, key, value] = l.slice("set=".length).split("\t") as [string, string, string];
      return { file, key, value: value ?? "" };
    });
}

const norm = (v: string): string => v.trim().replace(/\s+/g, " ").toLowerCase();

/** sysctl file order: by file name, /etc/sysctl.conf last; of two files with one name, the first directory's. */
function sysctlOrder(files: readonly string[]): string[] {
  const dirs = sysctlDirs();
  const byName = new Map<string, string>();
  for (const f of files) {
    if (f === "/etc/sysctl.conf") continue;
    const name = f.slice(f.lastIndexOf("/") + 1);
    const current = byName.get(name);
    const rank = (p: string) => dirs.indexOf(p.slice(0, p.lastIndexOf("/")));
    if (current === undefined || rank(f) < rank(current)) byName.set(name, f);
  }
  const ordered = [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
  return files.includes("/etc/sysctl.conf") ? [...ordered, "/etc/sysctl.conf"] : ordered;
}

/**
 * The files of the read script's output that shadow the managed file `path`, sorted:
 * - sshd: another drop-in that sets one of our keywords to another value (whichever file sshd
 *   reads first wins, and inside a `Match` block a later one wins for its connections);
 * - sysctl: a file applied after ours (or in ours' place) that sets one of our keys to another value;
 * - nginx-vhost: any `vhost.d/<host>`, `<host>_location...` file for a served name or `default_location...`.
 */
export function parseShadows(path: string, check: ShadowCheck, stdout: string): string[] {
  const found = new Set<string>();
  if (check.kind === "nginx-vhost") {
    for (const line of stdout.split("\n")) if (line.startsWith("candidate=")) found.add(line.slice(10));
  } else if (check.kind === "sshd") {
    const ours = new Map(Object.entries(check.settings).map(([k, v]) => [k.toLowerCase(), norm(v)]));
    for (const s of foundSettings(stdout)) {
      const want = ours.get(s.key.toLowerCase());
      if (want !== undefined && norm(s.value) !== want) found.add(s.file);
    }
  } else {
    const key = (k: string): string => k.replace(/\//g, ".");
    const ours = new Map(Object.entries(check.settings).map(([k, v]) => [key(k), norm(v)]));
    const settings = foundSettings(stdout);
    const order = sysctlOrder([...new Set([path, ...settings.map((s) => s.file)])]);
    const after = new Set(order.slice(order.indexOf(path) + 1));
    const name = path.slice(path.lastIndexOf("/") + 1);
    for (const s of settings) {
      // A file of our name that wins over ours replaces it whole; otherwise only later files count.
      const replacesOurs = s.file.endsWith(`/${name}`) && !order.includes(path);
      const want = ours.get(key(s.key));
      if (want !== undefined && (after.has(s.file) || replacesOurs) && norm(s.value) !== want)
        found.add(s.file);
    }
  }
  return [...found].sort();
}
