"""Settings from the environment: the real app's keys and defaults (it reads them with pydantic-settings)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the key, never a secret value."""


# Connection options that may ride along in the URL query and mean the same to libpq.
_PASSED_QUERY_OPTIONS = frozenset({"sslmode"})


def parse_database_url(url: str) -> dict[str, object]:
    """libpq keyword arguments from a SQLAlchemy-style URL (`postgresql+asyncpg://u:p@h:port/db`).

    The driver suffix is ignored: the real app talks asyncpg, the stand-in psycopg2, to the same
    server. User, password and database name are URL-decoded, as SQLAlchemy does.
    """
    parts = urlsplit(url)
    if parts.scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ConfigError("DATABASE_URL must start with postgresql:// or postgresql+<driver>://")
    try:
        port = parts.port or 5432
    except ValueError:
        raise ConfigError("DATABASE_URL has a port that is not a number") from None
    if not parts.hostname:
        raise ConfigError("DATABASE_URL names no host")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise ConfigError("DATABASE_URL names no database")
    params: dict[str, object] = {
        "host": parts.hostname,
        "port": port,
        "dbname": dbname,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
    }
    params.update((k, v) for k, v in parse_qsl(parts.query) if k in _PASSED_QUERY_OPTIONS)
    return params


def _number(env: Mapping[str, str], key: str, default: float, kind: type) -> float:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a {kind.__name__}, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{key} must not be negative, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """What the web app, the worker and the CLI read."""

    database_url: str | None
    artifacts_root: Path
    session_files_ttl_seconds: int
    login_events_retention_days: int
    queue_poll_interval_seconds: float
    queue_lease_ttl_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            artifacts_root=Path(env.get("ARTIFACTS_ROOT") or "/var/lib/skriptoteket/artifacts"),
            session_files_ttl_seconds=int(_number(env, "SESSION_FILES_TTL_SECONDS", 86400, int)),
            login_events_retention_days=int(_number(env, "LOGIN_EVENTS_RETENTION_DAYS", 90, int)),
            queue_poll_interval_seconds=_number(env, "RUNNER_QUEUE_POLL_INTERVAL_SECONDS", 1.0, float),
            queue_lease_ttl_seconds=int(_number(env, "RUNNER_QUEUE_LEASE_TTL_SECONDS", 60, int)),
        )

    def database_params(self) -> dict[str, object]:
        if not self.database_url:
            raise ConfigError("DATABASE_URL is not set")
        return parse_database_url(self.database_url)
