-- Executions with the bookkeeping that runs them (token, invocation state, lease).
CREATE TABLE executions (
    id                 TEXT PRIMARY KEY,
    arn                TEXT NOT NULL UNIQUE,
    function_name      TEXT NOT NULL,
    name               TEXT NOT NULL,
    version            TEXT NOT NULL,
    status             TEXT NOT NULL,
    start_ms           INTEGER NOT NULL,
    end_ms             INTEGER,
    input              TEXT,
    result             TEXT,
    error              TEXT,
    timeout_s          INTEGER NOT NULL,
    tenant_id          TEXT,
    parent_arn         TEXT,
    parent_op          TEXT,
    row_version        INTEGER NOT NULL DEFAULT 0,
    seq                INTEGER NOT NULL DEFAULT 0,
    event_count        INTEGER NOT NULL DEFAULT 0,
    token              TEXT,
    token_seen_seq     INTEGER NOT NULL DEFAULT 0,
    invocation         TEXT NOT NULL,
    invoke_at          INTEGER NOT NULL DEFAULT 0,
    request_id         TEXT,
    invocation_started INTEGER NOT NULL DEFAULT 0,
    delivered_seq      INTEGER NOT NULL DEFAULT 0,
    failed_invocations INTEGER NOT NULL DEFAULT 0,
    closing_status     TEXT,
    closing_result     TEXT,
    closing_error      TEXT,
    lease_owner        TEXT,
    lease_expires      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (function_name, name)
);
CREATE INDEX executions_by_function ON executions (function_name, start_ms);
CREATE INDEX executions_queued ON executions (invocation, invoke_at);

-- Operation state, one JSON document per operation (the envelope's Operation shape).
CREATE TABLE operations (
    execution_id TEXT NOT NULL,
    op_id        TEXT NOT NULL,
    position     INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    PRIMARY KEY (execution_id, op_id)
) WITHOUT ROWID;

-- Append-only history, numbered as written.
CREATE TABLE events (
    execution_id TEXT NOT NULL,
    event_id     INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    PRIMARY KEY (execution_id, event_id)
) WITHOUT ROWID;

CREATE TABLE timers (
    execution_id TEXT NOT NULL,
    op_id        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    due_ms       INTEGER NOT NULL,
    PRIMARY KEY (execution_id, op_id, kind)
) WITHOUT ROWID;
CREATE INDEX timers_due ON timers (due_ms);

CREATE TABLE callbacks (
    callback_id   TEXT PRIMARY KEY,
    execution_id  TEXT NOT NULL,
    op_id         TEXT NOT NULL,
    heartbeat_s   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Checkpoint responses kept for idempotent retries of the same request.
CREATE TABLE checkpoint_replies (
    execution_id     TEXT NOT NULL,
    client_token     TEXT NOT NULL,
    checkpoint_token TEXT NOT NULL,
    reply            TEXT NOT NULL,
    created_ms       INTEGER NOT NULL,
    PRIMARY KEY (execution_id, client_token, checkpoint_token)
) WITHOUT ROWID;
