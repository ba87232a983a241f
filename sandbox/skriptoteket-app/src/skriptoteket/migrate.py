"""`pdm run db-upgrade`: applies `migrations/NNNN_description.sql` in order, once each.

Each migration runs in its own transaction together with the row that records it in
`schema_migrations`, so a failing migration leaves neither a half-applied schema nor a record.
An advisory lock serialises concurrent runs (two one-shot containers during overlapping deploys).
Exit codes: 0 applied or nothing to do, 1 a migration or the database failed, 2 bad configuration.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import psycopg2

from skriptoteket.config import ConfigError, Settings
from skriptoteket.db import connect

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any fixed 64-bit key; it only has to be the same for every db-upgrade of this app.
_LOCK_KEY = 0x736B726970746F

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version varchar(4) PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """The migrations directory is malformed."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in `directory`, ordered by version; files other than `*.sql` are ignored."""
    found: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_description.sql")
        version = match.group(1)
        if version in found:
            raise MigrationError(f"{path.name} and {found[version].path.name} share version {version}")
        found[version] = Migration(version, path.stem, path)
    return [found[v] for v in sorted(found)]


def applied_versions(cursor: psycopg2.extensions.cursor) -> set[str]:
    """Versions recorded in the database; empty before the first db-upgrade."""
    cursor.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return set()
    cursor.execute("SELECT version FROM schema_migrations")
    return {row[0] for row in cursor.fetchall()}


def missing_versions(cursor: psycopg2.extensions.cursor, migrations: Iterable[Migration]) -> list[str]:
    """Versions this release ships that the database has not applied yet (the health check uses it)."""
    applied = applied_versions(cursor)
    return [m.version for m in migrations if m.version not in applied]


def upgrade(
    conn: psycopg2.extensions.connection, migrations: list[Migration], out: TextIO, err: TextIO
) -> int:
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        cur.execute(_CREATE_TABLE)
        applied = applied_versions(cur)
    conn.autocommit = False
    known = {m.version for m in migrations}
    unknown = sorted(applied - known)
    if unknown:
        # The rollback case: a newer release migrated forward, and its migrations are backward
        # compatible, so this release runs on that schema as it is.
        print(
            f"db-upgrade: the database also has {', '.join(unknown)}, "
            "which this release does not ship; leaving it",
            file=out,
        )
    pending = [m for m in migrations if m.version not in applied]
    for m in pending:
        try:
            with conn.cursor() as cur:
                cur.execute(m.path.read_text(encoding="utf-8"))
                cur.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (m.version, m.name),
                )
            conn.commit()
        except psycopg2.Error as e:
            conn.rollback()
            detail = (e.pgerror or str(e)).strip()
            print(
                f"db-upgrade: migration {m.path.name} failed and was rolled back; nothing of it was applied",
                file=err,
            )
            print(f"db-upgrade: {detail}", file=err)
            return 1
        print(f"db-upgrade: applied {m.name}", file=out)
    head = migrations[-1].version if migrations else "none"
    if pending:
        print(f"db-upgrade: {len(pending)} applied; database at {head}", file=out)
    else:
        print(f"db-upgrade: nothing to apply; database at {head}", file=out)
    return 0


def main() -> int:
    try:
        migrations = discover()
        settings = Settings.from_env()
        conn = connect(settings, timeout_seconds=10)
    except (ConfigError, MigrationError) as e:
        print(f"db-upgrade: {e}", file=sys.stderr)
        return 2
    except psycopg2.Error as e:
        print(f"db-upgrade: cannot connect to the database: {str(e).strip()}", file=sys.stderr)
        return 1
    with closing(conn):
        try:
            return upgrade(conn, migrations, sys.stdout, sys.stderr)
        except psycopg2.Error as e:
            print(f"db-upgrade: database error: {str(e).strip()}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
