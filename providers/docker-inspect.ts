import { shellQuote } from "./shell";

/**
 * The parts of `docker inspect` (containers) the docker-layer guards read, parsed from its JSON.
 * Pure, and serialized by value into the dynamic providers: no module state.
 */

/** One network a container is attached to. */
export interface NetworkAttachment {
  /** Network name. */
  name: string;
  /** Aliases on that network, sorted (Docker adds the short container id; it is kept). */
  aliases: string[];
}

/** A container as the guards see it. */
export interface InspectedContainer {
  /** Full container id. */
  id: string;
  /** Name without the leading `/`. */
  name: string;
  /** Container labels. */
  labels: Record<string, string>;
  /** `KEY=value` entries of its env, as a map (later entries win, as in Docker). */
  env: Record<string, string>;
  /** Whether it is running. */
  running: boolean;
  /** Networks, sorted by name. */
  networks: NetworkAttachment[];
}

interface RawContainer {
  Id?: string;
  Name?: string;
  State?: { Running?: boolean };
  Config?: { Labels?: Record<string, string> | null; Env?: string[] | null };
  NetworkSettings?: { Networks?: Record<string, { Aliases?: string[] | null }> | null };
}

/** Parses `docker inspect <ids...>` output (a JSON array; empty input means no containers). */
export function parseDockerInspect(json: string): InspectedContainer[] {
  if (json.trim() === "") return [];
  const raw = JSON.parse(json) as RawContainer[];
  return raw.map((c) => {
    const env: Record<string, string> = {};
    for (const entry of c.Config?.Env ?? []) {
      const eq = entry.indexOf("=");
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return {
      id: c.Id ?? "",
      name: (c.Name ?? "").replace(/^\//, ""),
      labels: { ...(c.Config?.Labels ?? {}) },
      env,
      running: c.State?.Running === true,
      networks: Object.entries(c.NetworkSettings?.Networks ?? {})
        .map(([name, n]) => ({ name, aliases: [...(n.Aliases ?? [])].sort() }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
  });
}

/**
 * Bash that prints `docker inspect` JSON of every container (`all`) or of one (`container`),
 * and nothing when there is none. Runs as root on the host with the given docker binary.
 */
export function inspectContainersScript(docker: string, container?: string): string {
  const q = shellQuote;
  const bin = q(docker);
  if (container !== undefined)
    return [
      "set -uo pipefail",
      `out=$(${bin} container inspect ${q(container)} 2>&1) && { printf '%s' "$out"; exit 0; }`,
      `case "$out" in *"No such container"*|*"No such object"*) exit 0 ;; esac`,
      `echo "$out" >&2; exit 1`,
    ].join("\n");
  // A container listed by `ps` may be gone a moment later (a `--rm` one-shot): inspect then
  // prints the others and exits 1, which is not an error here; a daemon that is down fails `ps`.
  return [
    "set -euo pipefail",
    `ids=$(${bin} ps --all --quiet --no-trunc)`,
    `[ -n "$ids" ] || exit 0`,
    `out=$(${bin} container inspect $ids 2>/dev/null) || true`,
    `printf '%s' "\${out:-[]}"`,
  ].join("\n");
}
