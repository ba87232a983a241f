/**
 * Shell quoting and output parsing shared by the host providers' remote scripts.
 *
 * Everything here is pure and is serialized by value into the dynamic providers, so it must not
 * depend on module state.
 */

/** Quote one word for POSIX sh/bash: the result is always a single literal argument. */
export function shellQuote(word: string): string {
  if (word.includes("\0")) {
    throw new Error("a shell word cannot contain a NUL byte");
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Parse `key=value` lines printed by a remote script into a record. Later keys win; lines
 * without `=` are ignored (scripts print only such lines on stdout).
 */
export function parseKeyValues(stdout: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) {
      continue;
    }
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

/** Exit code the bootstrap uses when the script frame on stdin was incomplete. */
export const FRAME_ERROR_EXIT = 97;

/**
 * The fixed command line every remote step runs: `sudo -n` as root, under `timeout`, reading a
 * NUL-terminated script from stdin and evaluating it; any bytes after the NUL stay on stdin for
 * the script (file contents). Scripts and contents therefore never appear on a command line.
 *
 * @param timeoutSeconds - remote wall-clock limit; `timeout` sends TERM, then KILL 5 s later.
 */
export function bootstrapCommand(timeoutSeconds: number): string {
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new Error(`timeoutSeconds must be a positive integer, got ${timeoutSeconds}`);
  }
  return (
    `sudo -n -- timeout -k 5 ${timeoutSeconds} /bin/bash -c ` +
    `'export LC_ALL=C; IFS= read -r -d "" hemma_script || exit ${FRAME_ERROR_EXIT}; eval "$hemma_script"'`
  );
}

/** Build the stdin for {@link bootstrapCommand}: the script, a NUL, then the payload bytes. */
export function frameStdin(script: string, payload?: string): Buffer {
  if (script.includes("\0")) {
    throw new Error("a remote script cannot contain a NUL byte");
  }
  const parts = [Buffer.from(script, "utf8"), Buffer.from([0])];
  if (payload !== undefined) {
    parts.push(Buffer.from(payload, "utf8"));
  }
  return Buffer.concat(parts);
}
