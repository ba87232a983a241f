/** One config problem, as validate prints it and `loadProgramConfig` throws it. */
export interface Issue {
  /** Key path such as `hemma:ssh.port`, or the file name for whole-file problems. */
  readonly path: string;
  /** What was found, rendered safely (never a secret's value). */
  readonly received: string;
  /** What is expected instead, and how to fix it where that is not obvious. */
  readonly expected: string;
}

const MAX_SHOWN = 80;

/**
 * Renders a config value for a message. `reveal: false` hides string contents (used for
 * unknown keys, which may be misspelt secrets); multi-line strings are never shown.
 */
export function describeValue(value: unknown, reveal = true): string {
  if (value === undefined) return "nothing (key is missing)";
  if (value === null) return "an empty value (null)";
  if (typeof value === "string") {
    if (value.includes("\n")) return `a multi-line string (${value.split("\n").length} lines)`;
    if (!reveal) return `a string (${value.length} characters)`;
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0) return "an empty mapping";
    const shown = keys.slice(0, 6).join(", ") + (keys.length > 6 ? ", ..." : "");
    return `a mapping with keys ${shown}`;
  }
  return `a ${typeof value}`;
}

/** `  <path>: got <received>; expected <expected>`: the one line format of every problem. */
export function formatIssue(issue: Issue): string {
  return `  ${issue.path}: got ${issue.received}; expected ${issue.expected}`;
}

/** The message `loadProgramConfig` throws: a heading and one line per issue. */
export function formatIssues(heading: string, issues: readonly Issue[]): string {
  return [heading, ...issues.map(formatIssue)].join("\n");
}
