"""The three cleanups the host's timers run (spec §5.1); each deletes only what has expired."""

from __future__ import annotations

import os
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from skriptoteket.config import Settings
from skriptoteket.db import connect


def cleanup_sandbox_snapshots(settings: Settings) -> int:
    with closing(connect(settings)) as conn, conn, conn.cursor() as cur:
        cur.execute("DELETE FROM sandbox_snapshots WHERE expires_at <= now()")
        return cur.rowcount


def cleanup_login_events(settings: Settings) -> int:
    with closing(connect(settings)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "DELETE FROM login_events WHERE created_at < now() - make_interval(days => %s)",
            (settings.login_events_retention_days,),
        )
        return cur.rowcount


@dataclass(frozen=True)
class SessionFilesCleanup:
    deleted_files: int
    deleted_bytes: int


def cleanup_session_files(artifacts_root: Path, *, ttl_seconds: int) -> SessionFilesCleanup:
    """Deletes files under `<artifacts_root>/sessions` last modified more than `ttl_seconds` ago,
    then the directories that leaves empty (never `sessions` itself)."""
    root = artifacts_root / "sessions"
    if not root.is_dir():
        return SessionFilesCleanup(0, 0)
    cutoff = time.time() - ttl_seconds
    deleted_files = 0
    deleted_bytes = 0
    for directory, _subdirs, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(directory, name)
            try:
                stat = path.lstat()
                if stat.st_mtime >= cutoff:
                    continue
                path.unlink()
            except FileNotFoundError:
                continue  # the app removed it meanwhile
            deleted_files += 1
            deleted_bytes += stat.st_size
        if Path(directory) != root:
            try:
                os.rmdir(directory)
            except OSError:
                pass  # not empty: it still holds live files
    return SessionFilesCleanup(deleted_files, deleted_bytes)
