"""Prometheus metrics in the text exposition format, with the real app's names and labels.

The real app uses prometheus_client, which the base image lacks; the alert rules in prod read
`skriptoteket_http_requests_total{status_code}`, `skriptoteket_http_request_duration_seconds_bucket`
and `skriptoteket_session_files_bytes_total`, so those names are kept exactly.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: dict[str, str]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_label_value(v)}"' for k, v in pairs.items()) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


@dataclass
class _Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: float = 0.0
    count: int = 0


class HttpMetrics:
    """Request counts, durations and in-flight requests; safe to update from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = {}
        self._durations: dict[tuple[str, str], _Histogram] = {}
        self._in_progress = 0

    def started(self) -> None:
        with self._lock:
            self._in_progress += 1

    def finished(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            self._in_progress -= 1
            key = (method, endpoint, str(status))
            self._requests[key] = self._requests.get(key, 0) + 1
            hist = self._durations.setdefault((method, endpoint), _Histogram())
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    hist.buckets[i] += 1
            hist.total += seconds
            hist.count += 1

    def render(self) -> list[str]:
        with self._lock:
            lines = [
                "# HELP skriptoteket_http_requests_total Total HTTP requests",
                "# TYPE skriptoteket_http_requests_total counter",
            ]
            for (method, endpoint, status), n in sorted(self._requests.items()):
                labels = _labels({"method": method, "endpoint": endpoint, "status_code": status})
                lines.append(f"skriptoteket_http_requests_total{labels} {_number(n)}")
            lines += [
                "# HELP skriptoteket_http_request_duration_seconds HTTP request duration in seconds",
                "# TYPE skriptoteket_http_request_duration_seconds histogram",
            ]
            for (method, endpoint), hist in sorted(self._durations.items()):
                base = {"method": method, "endpoint": endpoint}
                for bound, n in zip(BUCKETS, hist.buckets, strict=True):
                    labels = _labels({**base, "le": _number(bound)})
                    lines.append(f"skriptoteket_http_request_duration_seconds_bucket{labels} {_number(n)}")
                labels = _labels({**base, "le": "+Inf"})
                lines.append(
                    f"skriptoteket_http_request_duration_seconds_bucket{labels} {_number(hist.count)}"
                )
                lines.append(
                    f"skriptoteket_http_request_duration_seconds_sum{_labels(base)} {_number(hist.total)}"
                )
                lines.append(
                    f"skriptoteket_http_request_duration_seconds_count{_labels(base)} {_number(hist.count)}"
                )
            lines += [
                "# HELP skriptoteket_http_requests_in_progress HTTP requests being served",
                "# TYPE skriptoteket_http_requests_in_progress gauge",
                f"skriptoteket_http_requests_in_progress {_number(self._in_progress)}",
            ]
            return lines


@dataclass(frozen=True)
class SessionFileUsage:
    files: int
    bytes_total: int


def session_file_usage(artifacts_root: Path) -> SessionFileUsage:
    """Files under `<ARTIFACTS_ROOT>/sessions` (without the real app's meta.json bookkeeping files)."""
    files = 0
    total = 0
    root = artifacts_root / "sessions"
    if root.is_dir():
        for path in root.rglob("*"):
            if path.name == "meta.json":
                continue
            try:
                if path.is_file():
                    total += path.stat().st_size
                    files += 1
            except OSError:
                continue  # removed by a concurrent cleanup
    return SessionFileUsage(files=files, bytes_total=total)


def render_session_files(usage: SessionFileUsage) -> list[str]:
    return [
        "# HELP skriptoteket_session_files_bytes_total "
        "Total bytes of stored session files (excluding meta.json)",
        "# TYPE skriptoteket_session_files_bytes_total gauge",
        f"skriptoteket_session_files_bytes_total {_number(usage.bytes_total)}",
        "# HELP skriptoteket_session_files_count Count of stored session files (excluding meta.json)",
        "# TYPE skriptoteket_session_files_count gauge",
        f"skriptoteket_session_files_count {_number(usage.files)}",
    ]


def render_build_info(release: str, hostname: str) -> list[str]:
    return [
        "# HELP skriptoteket_build_info The release and container serving this scrape",
        "# TYPE skriptoteket_build_info gauge",
        f"skriptoteket_build_info{_labels({'release': release, 'hostname': hostname})} 1.0",
    ]
