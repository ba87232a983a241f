"""What `/healthz` answers: whether Docker, and the deploy waiting on it, sees the container healthy."""

from __future__ import annotations

from contextlib import closing

import psycopg2

from skriptoteket.config import ConfigError, Settings
from skriptoteket.db import connect
from skriptoteket.migrate import Migration, missing_versions


def check_health(settings: Settings, migrations: list[Migration]) -> tuple[int, dict[str, object]]:
    """200 when the database answers and has applied every migration this release ships, else 503.

    Requiring this release's migrations keeps a new container unhealthy, so out of the deploy's
    rotation, until `db-upgrade` has run; an older release stays healthy on a newer schema.
    """
    try:
        with closing(connect(settings, timeout_seconds=3)) as conn, conn.cursor() as cur:
            missing = missing_versions(cur, migrations)
    except ConfigError as e:
        return 503, {"status": "unhealthy", "database": "not configured", "error": str(e)}
    except psycopg2.Error:
        return 503, {"status": "unhealthy", "database": "unreachable"}
    if missing:
        return 503, {
            "status": "unhealthy",
            "database": "not migrated",
            "missing_migrations": missing,
        }
    return 200, {"status": "ok"}
