-- The same logical schema as migrations/sqlite/0001_initial.sql. Times are epoch
-- milliseconds (BIGINT). Documents stay TEXT, not JSONB: they are the exact strings the
-- wire carries, and JSONB would reorder their keys. Keys use the "C" collation so that
-- ordering and comparison are bytewise, as in SQLite.

-- Executions with the bookkeeping that runs them (token, invocation state, lease).
CREATE TABLE executions (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    arn                TEXT COLLATE "C" NOT NULL UNIQUE,
    function_name      TEXT COLLATE "C" NOT NULL,
    name               TEXT COLLATE "C" NOT NULL,
    version            TEXT NOT NULL,
    status             TEXT NOT NULL,
    start_ms           BIGINT NOT NULL,
    end_ms             BIGINT,
    input              TEXT,
    result             TEXT,
    error              TEXT,
    timeout_s          BIGINT NOT NULL,
    tenant_id          TEXT,
    parent_arn         TEXT,
    parent_op          TEXT,
    row_version        BIGINT NOT NULL DEFAULT 0,
    seq                BIGINT NOT NULL DEFAULT 0,
    event_count        BIGINT NOT NULL DEFAULT 0,
    token              TEXT,
    token_seen_seq     BIGINT NOT NULL DEFAULT 0,
    invocation         TEXT NOT NULL,
    invoke_at          BIGINT NOT NULL DEFAULT 0,
    request_id         TEXT,
    invocation_started BIGINT NOT NULL DEFAULT 0,
    delivered_seq      BIGINT NOT NULL DEFAULT 0,
    failed_invocations BIGINT NOT NULL DEFAULT 0,
    closing_status     TEXT,
    closing_result     TEXT,
    closing_error      TEXT,
    lease_owner        TEXT,
    lease_expires      BIGINT NOT NULL DEFAULT 0,
    UNIQUE (function_name, name)
);
CREATE INDEX executions_by_function ON executions (function_name, start_ms);
CREATE INDEX executions_queued ON executions (invocation, invoke_at);

-- Operation state, one JSON document per operation (the envelope's Operation shape).
CREATE TABLE operations (
    execution_id TEXT COLLATE "C" NOT NULL,
    op_id        TEXT COLLATE "C" NOT NULL,
    position     BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    doc          TEXT NOT NULL,
    PRIMARY KEY (execution_id, op_id)
);

-- Append-only history, numbered as written.
CREATE TABLE events (
    execution_id TEXT COLLATE "C" NOT NULL,
    event_id     BIGINT NOT NULL,
    doc          TEXT NOT NULL,
    PRIMARY KEY (execution_id, event_id)
);

CREATE TABLE timers (
    execution_id TEXT COLLATE "C" NOT NULL,
    op_id        TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    due_ms       BIGINT NOT NULL,
    PRIMARY KEY (execution_id, op_id, kind)
);
CREATE INDEX timers_due ON timers (due_ms);

CREATE TABLE callbacks (
    callback_id   TEXT COLLATE "C" PRIMARY KEY,
    execution_id  TEXT COLLATE "C" NOT NULL,
    op_id         TEXT NOT NULL,
    heartbeat_s   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX callbacks_by_execution ON callbacks (execution_id);

-- Checkpoint responses kept for idempotent retries of the same request.
CREATE TABLE checkpoint_replies (
    execution_id     TEXT COLLATE "C" NOT NULL,
    client_token     TEXT COLLATE "C" NOT NULL,
    checkpoint_token TEXT COLLATE "C" NOT NULL,
    reply            TEXT NOT NULL,
    created_ms       BIGINT NOT NULL,
    PRIMARY KEY (execution_id, client_token, checkpoint_token)
);
CREATE INDEX checkpoint_replies_by_age ON checkpoint_replies (created_ms);
