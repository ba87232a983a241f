"""`run-execution-worker`: leases jobs from `tool_run_jobs` and runs them one at a time.

SIGTERM or SIGINT (Docker stopping the container, 30 s grace) lets the current job finish and
then exits 0; no new job is leased after the signal.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress
from types import FrameType

import psycopg2

from skriptoteket import jobs
from skriptoteket.config import Settings
from skriptoteket.db import connect
from skriptoteket.release import HOSTNAME, RELEASE

_MAX_RECONNECT_DELAY_SECONDS = 5.0


def _log(message: str) -> None:
    print(f"execution-worker: {message}", flush=True)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class ExecutionWorker:
    def __init__(self, settings: Settings, *, queue: str, worker_id: str | None = None) -> None:
        self.settings = settings
        self.queue = queue
        self.worker_id = worker_id or f"{HOSTNAME}:{os.getpid()}"
        self.stopping = False

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            _log(f"{signal.Signals(signum).name} received; stopping after the current job")
        self.stopping = True

    def _idle(self, seconds: float) -> None:
        # Short slices: a signal handler only sets a flag (taking a lock there could deadlock),
        # and a plain sleep would not end early when that flag is set.
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))

    def run(self, *, once: bool = False) -> int:
        _log(f"started worker_id={self.worker_id} release={RELEASE} queue={self.queue}")
        conn = None
        delay = 0.5
        try:
            while not self.stopping:
                try:
                    if conn is None:
                        conn = connect(self.settings, timeout_seconds=5)
                    job = jobs.claim(
                        conn,
                        worker_id=self.worker_id,
                        hostname=HOSTNAME,
                        release=RELEASE,
                        queue=self.queue,
                        lease_seconds=self.settings.queue_lease_ttl_seconds,
                    )
                    delay = 0.5
                    if job is None:
                        if once:
                            break
                        self._idle(self.settings.queue_poll_interval_seconds)
                        continue
                    job_id, work_seconds = job
                    _log(f"job {job_id} started")
                    # Stands in for running a tool; a signal does not cut it short.
                    time.sleep(work_seconds)
                    if jobs.finish(conn, job_id=job_id, worker_id=self.worker_id):
                        _log(f"job {job_id} done")
                    else:
                        _log(f"job {job_id} finished after its lease expired; another worker owns it now")
                    if once:
                        break
                except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
                    _log(f"database unavailable ({_first_line(e)}); retrying in {delay:g}s")
                    if conn is not None:
                        with suppress(psycopg2.Error):
                            conn.close()
                    conn = None
                    self._idle(delay)
                    delay = min(delay * 2, _MAX_RECONNECT_DELAY_SECONDS)
        finally:
            if conn is not None:
                with suppress(psycopg2.Error):
                    conn.close()
        _log("stopped")
        return 0


def run_execution_worker(*, queue: str = "default", worker_id: str | None = None, once: bool = False) -> int:
    worker = ExecutionWorker(Settings.from_env(), queue=queue.strip() or "default", worker_id=worker_id)
    signal.signal(signal.SIGTERM, worker.request_stop)
    signal.signal(signal.SIGINT, worker.request_stop)
    return worker.run(once=once)
