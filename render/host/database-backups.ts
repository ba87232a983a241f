import type { RenderedFile } from "../types";
import { envDefault } from "./shell";
import { renderTimerPair } from "./timer-pair";

/** Settings of the nightly database backups (beyond the spec, which documents none: §9, §12.17). */
export interface DatabaseBackupsArgs {
  /** Databases dumped, one file each. Default: every app database from `hemma:postgres`. */
  readonly databases: readonly string[];
  /** Directory the dumps land in. Default `/home/paunchygent/backups` (where the manual dumps went). */
  readonly dir: string;
  /** Dumps kept per database, newest first. Default 14. */
  readonly retain: number;
  /** Role the tools connect as. Default `postgres`. */
  readonly pgUser: string;
  /**
   * Command prefix that runs `pg_dump`/`pg_restore`/`psql` next to the server, e.g.
   * `/snap/bin/docker exec -i shared-postgres`; empty runs them directly (tests, a host cluster).
   */
  readonly execPrefix: string;
  /** Restore every new dump into a scratch database before accepting it. Default true. */
  readonly verify: boolean;
  /** `OnCalendar=`. Default `*-*-* 03:15:00`. */
  readonly onCalendar: string;
  /** Units the job needs (the Docker daemon), or none. */
  readonly requires: readonly string[];
}

export const DEFAULT_DATABASE_BACKUPS = {
  dir: "/home/paunchygent/backups",
  retain: 14,
  pgUser: "postgres",
  verify: true,
  onCalendar: "*-*-* 03:15:00",
} as const;

export const DATABASE_BACKUP_SCRIPT = "/usr/local/bin/hemma-db-backup.sh";
export const DATABASE_BACKUP_UNIT = "hemma-db-backup";

const BODY = String.raw`
usage() {
  echo "usage: hemma-db-backup.sh            dump, verify and rotate every database in HEMMA_BACKUP_DATABASES" >&2
  echo "       hemma-db-backup.sh verify DB FILE   restore FILE into a scratch database; exit 0 only if it restores" >&2
  exit 64
}

read -r -a exec_prefix <<< "$HEMMA_BACKUP_EXEC"
pg() { "${"$"}{exec_prefix[@]}" "$@"; }
admin_sql() { pg psql -X -q -v ON_ERROR_STOP=1 -U "$HEMMA_BACKUP_PG_USER" -d postgres -c "$1"; }

# verify <db> <file>: the dump must restore cleanly, in one transaction, into an empty database.
verify() {
  local db=$1 file=$2 scratch rc tables
  scratch="hemma_restore_check_$db"
  scratch=${"$"}{scratch:0:63}
  admin_sql "DROP DATABASE IF EXISTS \"$scratch\"" || return 1
  admin_sql "CREATE DATABASE \"$scratch\"" || return 1
  rc=0
  pg pg_restore -U "$HEMMA_BACKUP_PG_USER" -d "$scratch" --exit-on-error --single-transaction --no-owner --no-acl < "$file" || rc=$?
  if [ "$rc" -eq 0 ]; then
    tables=$(pg psql -X -At -U "$HEMMA_BACKUP_PG_USER" -d "$scratch" \
      -c "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") || rc=1
  fi
  admin_sql "DROP DATABASE IF EXISTS \"$scratch\"" || true
  if [ "$rc" -ne 0 ]; then
    echo "<3>$db: $file does not restore (pg_restore exit $rc)" >&2
    return 1
  fi
  echo "$db: $file restores ($tables tables)"
}

# rotate <db>: keep the newest HEMMA_BACKUP_RETAIN dumps of <db>; names sort by time.
rotate() {
  local db=$1 old
  find "$HEMMA_BACKUP_DIR" -maxdepth 1 -type f \
    -name "$db-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.dump" -printf '%f\n' \
    | sort -r | tail -n +$((HEMMA_BACKUP_RETAIN + 1)) | while read -r old; do
      rm -f -- "${"$"}{HEMMA_BACKUP_DIR:?}/$old"
      echo "$db: removed $old (keeping $HEMMA_BACKUP_RETAIN)"
    done
}

backup() {
  local db=$1 stamp tmp final
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  final="$HEMMA_BACKUP_DIR/$db-$stamp.dump"
  # Same directory as the final name, so the rename is atomic and a half-written dump never looks done.
  tmp="$HEMMA_BACKUP_DIR/.$db-$stamp.dump.partial"
  if ! pg pg_dump -U "$HEMMA_BACKUP_PG_USER" --format=custom -d "$db" > "$tmp"; then
    rm -f -- "$tmp"
    echo "<3>$db: pg_dump failed" >&2
    return 1
  fi
  if [ "$HEMMA_BACKUP_VERIFY" = 1 ] && ! verify "$db" "$tmp"; then
    rm -f -- "$tmp"
    return 1
  fi
  sync "$tmp"
  mv -f -- "$tmp" "$final"
  echo "$db: wrote $final ($(stat -c %s "$final") bytes)"
  rotate "$db"
}

umask 077
case "${"$"}{1:-}" in
  "")
    mkdir -p "$HEMMA_BACKUP_DIR"
    status=0
    for db in $HEMMA_BACKUP_DATABASES; do
      backup "$db" || status=1
    done
    exit "$status"
    ;;
  verify)
    [ "$#" -eq 3 ] || usage
    verify "$2" "$3"
    ;;
  *) usage ;;
esac
`;

/** `/usr/local/bin/hemma-db-backup.sh`: dump, verify, rename, rotate. */
export function renderDatabaseBackupScript(a: DatabaseBackupsArgs): string {
  return (
    [
      "#!/bin/bash",
      "# Rendered by hemma-infra (render/host/database-backups.ts; docs/decisions/0047).",
      "# Restore a dump: <exec prefix> pg_restore -U postgres -d <db> --clean --if-exists < <file>.dump",
      "set -uo pipefail",
      envDefault("HEMMA_BACKUP_DIR", a.dir),
      envDefault("HEMMA_BACKUP_DATABASES", a.databases.join(" ")),
      envDefault("HEMMA_BACKUP_RETAIN", a.retain),
      envDefault("HEMMA_BACKUP_PG_USER", a.pgUser),
      envDefault("HEMMA_BACKUP_VERIFY", a.verify ? 1 : 0),
      "# Command prefix for the PostgreSQL tools; set to an empty value to run them directly.",
      `HEMMA_BACKUP_EXEC=\${HEMMA_BACKUP_EXEC-${a.execPrefix === "" ? "" : `'${a.execPrefix.replace(/'/g, `'\\''`)}'`}}`,
    ].join("\n") +
    "\n" +
    BODY
  );
}

/** Script plus `hemma-db-backup.service` + `.timer`. */
export function renderDatabaseBackups(a: DatabaseBackupsArgs): RenderedFile[] {
  if (a.databases.length === 0) throw new Error("database backups: no databases to dump");
  for (const db of a.databases) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(db))
      throw new Error(`database backups: ${JSON.stringify(db)} is not a plain SQL identifier`);
  }
  if (!Number.isInteger(a.retain) || a.retain < 1)
    throw new Error(`database backups: retain must be a whole number >= 1, got ${a.retain}`);
  return [
    { path: DATABASE_BACKUP_SCRIPT, mode: "0755", kind: "script", content: renderDatabaseBackupScript(a) },
    ...renderTimerPair({
      name: DATABASE_BACKUP_UNIT,
      description: "Nightly verified pg_dump of the app databases",
      execStart: DATABASE_BACKUP_SCRIPT,
      onCalendar: a.onCalendar,
      persistent: true,
      requires: a.requires,
      syslogIdentifier: DATABASE_BACKUP_UNIT,
      timeoutStartSec: "2h",
      extraService: [
        ["Nice", "10"],
        ["IOSchedulingClass", "idle"],
      ],
    }),
  ];
}
