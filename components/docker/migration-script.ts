import { shellQuote } from "../actions/shell";

/** What {@link renderMigrationScript} needs; all plain, non-secret values. */
export interface MigrationScriptArgs {
  /** Absolute path of the docker CLI on the host (run through `sudo -n`). */
  readonly dockerBinary: string;
  /** Network the one-shot container joins to reach the database. */
  readonly network: string;
  /** Image to migrate with (`skriptoteket-web:<commit>`). */
  readonly image: string;
}

/**
 * Renders the migration step (spec §9, §10): the env file arrives on stdin and is written to a
 * private temp file (mode 0600 via umask, removed on any exit), then a one-shot container of the
 * new image runs `pdm run db-upgrade` on the shared network. Secrets never touch a command line.
 * `--pull never`: the image was just built on this host; a missing one must fail, not be fetched.
 */
export function renderMigrationScript(a: MigrationScriptArgs): string {
  const q = shellQuote;
  return [
    "umask 077",
    'envfile="$(mktemp)"',
    `trap 'rm -f "$envfile"' EXIT`,
    'cat >"$envfile"',
    `sudo -n ${q(a.dockerBinary)} run --rm --pull never --network ${q(a.network)} --env-file "$envfile" -e PYTHONPATH=/app/src --label education.hule.hemma.role=migration ${q(a.image)} pdm run db-upgrade`,
    "",
  ].join("\n");
}
