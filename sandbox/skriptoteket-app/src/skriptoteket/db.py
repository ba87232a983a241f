"""Connections to PostgreSQL with psycopg2 (the real app uses asyncpg through SQLAlchemy)."""

from __future__ import annotations

import psycopg2
import psycopg2.extensions

from skriptoteket.config import Settings


def connect(settings: Settings, *, timeout_seconds: int = 5) -> psycopg2.extensions.connection:
    """A new connection; raises ConfigError without DATABASE_URL, psycopg2.Error when unreachable."""
    return psycopg2.connect(
        **settings.database_params(),
        connect_timeout=timeout_seconds,
        application_name="skriptoteket",
    )
