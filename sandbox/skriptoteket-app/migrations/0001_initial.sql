-- The tables of release A: notes (the web app's writes), the execution queue, and the two
-- tables the host's cleanup timers prune. Runs in one transaction; no BEGIN/COMMIT here.

CREATE TABLE notes (
    id bigserial PRIMARY KEY,
    text text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tool_run_jobs (
    id bigserial PRIMARY KEY,
    queue varchar(64) NOT NULL DEFAULT 'default',
    status varchar(16) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
    -- How long the stand-in "tool run" takes.
    work_seconds double precision NOT NULL DEFAULT 0 CHECK (work_seconds BETWEEN 0 AND 30),
    attempts integer NOT NULL DEFAULT 0,
    locked_by varchar(128),
    locked_until timestamptz,
    worker_id varchar(128),
    worker_hostname varchar(255),
    worker_release varchar(64),
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX ix_tool_run_jobs_claim_order ON tool_run_jobs (queue, status, created_at);

CREATE TABLE login_events (
    id bigserial PRIMARY KEY,
    status varchar(16) NOT NULL,
    ip_address varchar(64),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_login_events_created_at ON login_events (created_at);

CREATE TABLE sandbox_snapshots (
    id bigserial PRIMARY KEY,
    payload_bytes bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX ix_sandbox_snapshots_expires_at ON sandbox_snapshots (expires_at);
