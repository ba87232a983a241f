"""The web app: what nginx-proxy routes to and what the deploy's healthcheck and tests probe."""

from __future__ import annotations

import asyncio
import html
import json
import time
from contextlib import closing
from urllib.parse import parse_qs

import psycopg2
from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skriptoteket import jobs
from skriptoteket.config import ConfigError, Settings
from skriptoteket.db import connect
from skriptoteket.health import check_health
from skriptoteket.metrics import (
    CONTENT_TYPE,
    HttpMetrics,
    render_build_info,
    render_session_files,
    session_file_usage,
)
from skriptoteket.migrate import discover
from skriptoteket.release import HOSTNAME, RELEASE

settings = Settings.from_env()
MIGRATIONS = discover()
http_metrics = HttpMetrics()

MAX_NOTE_LENGTH = 10_000
MAX_WORK_SECONDS = 30.0
# As the real app: probes and scrapes would drown the request metrics.
UNMEASURED_PATHS = frozenset({"/healthz", "/metrics"})


class HttpMetricsMiddleware:
    """Counts and times every request by route template (not raw path, to bound label values)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNMEASURED_PATHS:
            await self.app(scope, receive, send)
            return
        endpoint = _route_template(scope)
        status = 500  # stays 500 when the app raises before it starts a response
        started = time.perf_counter()

        async def send_and_record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        http_metrics.started()
        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            http_metrics.finished(scope["method"], endpoint, status, time.perf_counter() - started)


class ReleaseHeaderMiddleware:
    """Names the release on every response, so a client under load can tell which version answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_release(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-skriptoteket-release", RELEASE.encode())]
            await send(message)

        await self.app(scope, receive, send_with_release)


def _route_template(scope: Scope) -> str:
    for route in scope["app"].router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return getattr(route, "path", "unmatched")
    return "unmatched"


app = FastAPI(title="Skriptoteket (sandbox stand-in)", docs_url=None, redoc_url=None, openapi_url=None)
app.add_middleware(HttpMetricsMiddleware)
app.add_middleware(ReleaseHeaderMiddleware)


@app.exception_handler(psycopg2.OperationalError)
async def database_unavailable(_request: Request, _exc: psycopg2.OperationalError) -> JSONResponse:
    return JSONResponse({"detail": "database unavailable"}, status_code=503)


@app.exception_handler(ConfigError)
async def misconfigured(_request: Request, exc: ConfigError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503)


def _db():
    return closing(connect(settings, timeout_seconds=3))


@app.get("/", response_class=HTMLResponse)
async def index() -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html>\n"
        '<html lang="sv"><head><meta charset="utf-8"><title>Skriptoteket</title></head><body>\n'
        "<h1>Skriptoteket</h1>\n"
        f'<p>Release: <strong id="release">{html.escape(RELEASE)}</strong></p>\n'
        f'<p>Served by: <code id="hostname">{html.escape(HOSTNAME)}</code></p>\n'
        "</body></html>\n"
    )


@app.get("/healthz")
async def healthz() -> JSONResponse:
    status, body = await run_in_threadpool(check_health, settings, MIGRATIONS)
    return JSONResponse(body, status_code=status)


@app.get("/metrics")
async def metrics() -> Response:
    usage = await run_in_threadpool(session_file_usage, settings.artifacts_root)
    lines = http_metrics.render() + render_session_files(usage) + render_build_info(RELEASE, HOSTNAME)
    # As a header, not media_type: Starlette would append a second charset to a text/ type.
    return Response("\n".join(lines) + "\n", headers={"content-type": CONTENT_TYPE})


async def _fields(request: Request) -> dict[str, object] | JSONResponse:
    """The JSON object or urlencoded form in the body.

    Not multipart: Starlette parses that with python-multipart, which the base image lacks.
    """
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    body = await request.body()
    if content_type == "application/json":
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return JSONResponse({"detail": "body is not valid JSON"}, status_code=422)
        if not isinstance(data, dict):
            return JSONResponse({"detail": "body must be a JSON object"}, status_code=422)
        return data
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return JSONResponse({"detail": "form is not UTF-8"}, status_code=422)
        return {k: v[-1] for k, v in form.items()}
    if not body:
        return {}
    return JSONResponse({"detail": f"unsupported content type {content_type!r}"}, status_code=415)


@app.post("/notes", status_code=201)
async def create_note(request: Request) -> JSONResponse:
    fields = await _fields(request)
    if isinstance(fields, JSONResponse):
        return fields
    text = fields.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_NOTE_LENGTH:
        return JSONResponse(
            {"detail": f"text must be a non-empty string of at most {MAX_NOTE_LENGTH} characters"},
            status_code=422,
        )

    def insert() -> int:
        with _db() as conn, conn, conn.cursor() as cur:
            cur.execute("INSERT INTO notes (text) VALUES (%s) RETURNING id", (text,))
            return cur.fetchone()[0]

    return JSONResponse({"id": await run_in_threadpool(insert)}, status_code=201)


@app.get("/notes/count")
async def count_notes() -> JSONResponse:
    def count() -> int:
        with _db() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM notes")
            return cur.fetchone()[0]

    return JSONResponse({"count": await run_in_threadpool(count)})


@app.get("/slow")
async def slow(seconds: float = Query(..., ge=0, le=30)) -> JSONResponse:
    await asyncio.sleep(seconds)
    return JSONResponse({"slept": seconds, "release": RELEASE, "hostname": HOSTNAME})


@app.post("/jobs", status_code=201)
async def create_job(request: Request) -> JSONResponse:
    fields = await _fields(request)
    if isinstance(fields, JSONResponse):
        return fields
    raw = fields.get("seconds", 0)
    try:
        work_seconds = float(raw)
    except (TypeError, ValueError):
        work_seconds = -1.0
    if not 0 <= work_seconds <= MAX_WORK_SECONDS:
        return JSONResponse(
            {"detail": f"seconds must be a number from 0 to {MAX_WORK_SECONDS:g}"}, status_code=422
        )

    def insert() -> int:
        with _db() as conn:
            return jobs.enqueue(conn, work_seconds=work_seconds)

    return JSONResponse({"id": await run_in_threadpool(insert), "status": "queued"}, status_code=201)


@app.get("/jobs/{job_id}")
async def get_job(job_id: int) -> JSONResponse:
    def read() -> dict[str, object] | None:
        with _db() as conn:
            return jobs.describe(conn, job_id)

    job = await run_in_threadpool(read)
    if job is None:
        return JSONResponse({"detail": "no such job"}, status_code=404)
    return JSONResponse(job)
