#!/usr/bin/env bash
# Entry point of the hemma-dev/postgres stand-in. It keeps the contract of the official
# postgres:16 image's docker-entrypoint.sh that hemma-infra relies on: an empty $PGDATA is
# initialised once (superuser $POSTGRES_USER with $POSTGRES_PASSWORD, database $POSTGRES_DB,
# then /docker-entrypoint-initdb.d/*), host connections use scram-sha-256, the local socket is
# trusted, and the server runs as `postgres`. A data directory that holds a cluster is never
# touched again.
set -Eeo pipefail

log() { printf '%s: %s\n' "${0##*/}" "$*"; }
fail() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# VAR or VAR_FILE (Docker secrets), never both.
from_env_or_file() {
  local var="$1" default="${2:-}" file_var="${1}_FILE"
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    fail "both $var and $file_var are set; set one"
  fi
  local value="$default"
  if [ -n "${!var:-}" ]; then
    value="${!var}"
  elif [ -n "${!file_var:-}" ]; then
    value="$(<"${!file_var}")"
  fi
  export "$var=$value"
  unset "$file_var"
}

wants_help() {
  local arg
  for arg; do
    case "$arg" in -'?' | --help | --describe-config | -V | --version) return 0 ;; esac
  done
  return 1
}

load_settings() {
  from_env_or_file POSTGRES_PASSWORD
  from_env_or_file POSTGRES_USER postgres
  from_env_or_file POSTGRES_DB "$POSTGRES_USER"
  from_env_or_file POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"
}

prepare_directories() {
  mkdir -p "$PGDATA"
  # PostgreSQL refuses a data directory others can read; failure here surfaces at start-up.
  chmod 0700 "$PGDATA" || :
  mkdir -p /var/run/postgresql || :
  chmod 3775 /var/run/postgresql || :
  if [ "$(id -u)" = 0 ]; then
    find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
  fi
}

require_password_or_trust() {
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    cat >&2 <<'EOT'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
EOT
    exit 1
  fi
  if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
    echo "WARNING: POSTGRES_HOST_AUTH_METHOD=trust lets every host connect without a password." >&2
  fi
}

run_initdb() {
  # --pwfile needs a line even for an empty password (trust mode).
  eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"
  # The wheel's PostgreSQL was built with its socket in /tmp and initdb writes that default into
  # every new cluster; the official image's build puts it in /var/run/postgresql (so does $PGHOST).
  sed -ri "s!^#?(unix_socket_directories)\s*=\s*\S+!\1 = '/var/run/postgresql'!" "$PGDATA/postgresql.conf"
  grep -qF "unix_socket_directories = '/var/run/postgresql'" "$PGDATA/postgresql.conf"
}

allow_host_connections() {
  local method="${POSTGRES_HOST_AUTH_METHOD:-$(postgres -C password_encryption)}"
  printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"
}

# SQL runner for the init phase: the temporary server listens on the socket only.
sql() {
  PGHOST=/var/run/postgresql psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

create_database() {
  local exists
  exists="$(sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")"
  if [ -z "${exists//[[:space:]]/}" ]; then
    sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
}

run_init_scripts() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          log "running $f"
          "$f"
        else
          log "sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) log "running $f"; sql --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | sql --dbname "$POSTGRES_DB" ;;
      *) log "ignoring $f" ;;
    esac
  done
}

initialise() {
  require_password_or_trust
  # Fail before initdb when the init scripts cannot be read, not halfway through.
  ls /docker-entrypoint-initdb.d/ >/dev/null
  run_initdb
  allow_host_connections
  export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
  PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
  create_database
  run_init_scripts
  PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD
  log "PostgreSQL init process complete; ready for start up."
}

main() {
  if [ "${1:0:1}" = - ]; then
    set -- postgres "$@"
  fi
  if [ "$1" = postgres ] && ! wants_help "$@"; then
    load_settings
    prepare_directories
    if [ "$(id -u)" = 0 ]; then
      exec setpriv --reuid=postgres --regid=postgres --init-groups env HOME=/var/lib/postgresql "${BASH_SOURCE[0]}" "$@"
    fi
    if [ -s "$PGDATA/PG_VERSION" ]; then
      log "PostgreSQL Database directory appears to contain a database; Skipping initialization"
    else
      initialise
    fi
  fi
  exec "$@"
}

main "$@"
