/** Quotes one word for a POSIX shell: `it's` becomes `'it'\''s'`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Wraps a bash script so it runs under `timeout`: the remote step is killed after `seconds`
 * (and SIGKILLed 10 s later), because `remote.Command` itself never times out a hung command.
 * The script runs with `set -euo pipefail`; stdin is passed through to it.
 */
export function withTimeout(seconds: number, script: string): string {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new Error(`withTimeout: seconds must be a whole number > 0, got ${seconds}`);
  }
  return `timeout --kill-after=10 ${seconds} bash -c ${shellQuote(`set -euo pipefail\n${script}`)}`;
}
