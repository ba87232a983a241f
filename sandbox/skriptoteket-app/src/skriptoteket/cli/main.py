"""Command dispatch with the real CLI's command and option names (it uses Typer).

Exit codes: 0 done, 1 the database failed, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psycopg2

from skriptoteket.cli.cleanup import (
    cleanup_login_events,
    cleanup_sandbox_snapshots,
    cleanup_session_files,
)
from skriptoteket.config import ConfigError, Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m skriptoteket.cli")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("cleanup-sandbox-snapshots", help="Delete expired sandbox snapshots (systemd timer).")
    commands.add_parser(
        "cleanup-login-events", help="Delete login events older than LOGIN_EVENTS_RETENTION_DAYS."
    )
    files = commands.add_parser(
        "cleanup-session-files", help="Delete session files older than SESSION_FILES_TTL_SECONDS."
    )
    files.add_argument("--artifacts-root", type=Path, default=None, help="Override ARTIFACTS_ROOT")
    worker = commands.add_parser("run-execution-worker", help="Run the Postgres execution-queue worker loop.")
    worker.add_argument("--queue", default="default", help="Queue name to consume from")
    worker.add_argument("--worker-id", default=None, help="Override worker identity")
    worker.add_argument("--once", action="store_true", help="Process at most one job and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "cleanup-sandbox-snapshots":
            deleted = cleanup_sandbox_snapshots(settings)
            print(f"Cleanup sandbox snapshots complete: deleted={deleted}")
        elif args.command == "cleanup-login-events":
            deleted = cleanup_login_events(settings)
            print(f"Cleanup login events complete: deleted={deleted}")
        elif args.command == "cleanup-session-files":
            root = args.artifacts_root or settings.artifacts_root
            result = cleanup_session_files(root, ttl_seconds=settings.session_files_ttl_seconds)
            print(
                "Cleanup session files complete: "
                f"deleted_files={result.deleted_files} deleted_bytes={result.deleted_bytes} "
                f"artifacts_root={root}"
            )
        elif args.command == "run-execution-worker":
            from skriptoteket.worker import run_execution_worker

            return run_execution_worker(queue=args.queue, worker_id=args.worker_id, once=args.once)
    except ConfigError as e:
        print(f"skriptoteket.cli {args.command}: {e}", file=sys.stderr)
        return 2
    except psycopg2.Error as e:
        print(f"skriptoteket.cli {args.command}: database error: {str(e).strip()}", file=sys.stderr)
        return 1
    return 0
