"""The execution queue in `tool_run_jobs`: enqueue (web), lease and finish (worker), read (web)."""

from __future__ import annotations

import psycopg2.extensions

# SKIP LOCKED lets concurrent workers (two during a deploy's overlap) each lease a different row;
# an expired lease (a worker that died mid-job) makes the job claimable again.
_CLAIM = """
UPDATE tool_run_jobs
SET status = 'running',
    attempts = attempts + 1,
    locked_by = %(worker_id)s,
    locked_until = now() + make_interval(secs => %(lease_seconds)s),
    worker_id = %(worker_id)s,
    worker_hostname = %(hostname)s,
    worker_release = %(release)s,
    started_at = now(),
    finished_at = NULL
WHERE id = (
    SELECT id FROM tool_run_jobs
    WHERE queue = %(queue)s
      AND (status = 'queued' OR (status = 'running' AND locked_until < now()))
    ORDER BY created_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING id, work_seconds
"""

_FINISH = """
UPDATE tool_run_jobs
SET status = 'done', finished_at = now(), locked_by = NULL, locked_until = NULL
WHERE id = %(id)s AND locked_by = %(worker_id)s
"""


def enqueue(conn: psycopg2.extensions.connection, *, work_seconds: float, queue: str = "default") -> int:
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO tool_run_jobs (queue, work_seconds) VALUES (%s, %s) RETURNING id",
            (queue, work_seconds),
        )
        return cur.fetchone()[0]


def claim(
    conn: psycopg2.extensions.connection,
    *,
    worker_id: str,
    hostname: str,
    release: str,
    queue: str,
    lease_seconds: int,
) -> tuple[int, float] | None:
    """Leases the oldest claimable job and commits the lease; None when the queue is empty."""
    with conn, conn.cursor() as cur:
        cur.execute(
            _CLAIM,
            {
                "worker_id": worker_id,
                "hostname": hostname,
                "release": release,
                "queue": queue,
                "lease_seconds": lease_seconds,
            },
        )
        row = cur.fetchone()
    return (row[0], float(row[1])) if row else None


def finish(conn: psycopg2.extensions.connection, *, job_id: int, worker_id: str) -> bool:
    """Marks the job done; False when this worker no longer holds its lease."""
    with conn, conn.cursor() as cur:
        cur.execute(_FINISH, {"id": job_id, "worker_id": worker_id})
        return cur.rowcount == 1


def describe(conn: psycopg2.extensions.connection, job_id: int) -> dict[str, object] | None:
    with conn, conn.cursor() as cur:
        cur.execute(
            """
            SELECT id, queue, status, work_seconds, attempts, worker_id, worker_hostname, worker_release,
                   created_at, started_at, finished_at
            FROM tool_run_jobs WHERE id = %s
            """,
            (job_id,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description]
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(names, row, strict=True)}
