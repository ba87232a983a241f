/**
 * Untracked per-machine values merged over a stack file (docs/decisions/0005). Only stacks
 * listed here have one, so a stray file can never change prod.
 */
export interface StackOverrides {
  /** Path of the overrides file, relative to the project directory. */
  readonly file: string;
  /**
   * Key paths the overrides file supplies (`hemma:ssh.hostKey`, `hemma:sshPrivateKey`). While
   * the file is absent, these are reported as pending, not as errors, and the program refuses to run.
   */
  readonly provides: readonly string[];
  /** The command that writes the file, named in messages. */
  readonly writtenBy: string;
}

/** Overrides per stack name. */
export const STACK_OVERRIDES: Readonly<Record<string, StackOverrides>> = {
  dev: {
    file: ".sandbox/dev-overrides.yaml",
    provides: [
      "hemma:ssh.hostKey",
      "hemma:sshPrivateKey",
      "hemma:dns.apiBaseUrl",
      "hemma:dns.ddclient.server",
      "hemma:dns.ddclient.caFile",
    ],
    writtenBy: "npm run sandbox -- up",
  },
};

/**
 * Deep-merges `over` into `base`: mappings merge key by key, anything else (scalars, lists)
 * replaces. Neither input is modified.
 */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (isMapping(base) && isMapping(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
    return out;
  }
  return over;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
