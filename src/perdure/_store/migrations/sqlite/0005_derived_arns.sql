-- Executions stop storing their ARN, and the listing copy is keyed by its page order.
--
-- An execution's ARN is `<prefix><function>:<version>/durable-execution/<name>/<id>`,
-- and all of it but the prefix is columns the row holds already. The row keeps only the
-- number of its prefix (`arn:<partition>:lambda:<region>:<account>:function:`, one per
-- installation in practice) in `arn_prefixes`; reads put the ARN together again
-- (stored_arns.py), and lookups by ARN go by the id it ends with. That drops the
-- longest value of the row and its unique index, about 320 of the 1,940 bytes a short
-- execution stored.
--
-- The listing copy (0003) is keyed by (start_ms, id), the order every page is read in,
-- so the table is that index and `execution_list_by_start` goes. A function's executions
-- (ListDurableExecutionsByFunction) are found by the copy's index on the function, so
-- `executions_by_function` goes too.
--
-- SQLite cannot drop a unique column, so both tables are built again, rows and all: an
-- execution in flight keeps every column but its ARN. A row whose ARN does not end with
-- its own columns cannot have it derived; no version of Perdure wrote one, and the
-- migration fails rather than change an ARN.
CREATE TABLE arn_prefixes (
    id     INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL UNIQUE
);
INSERT INTO arn_prefixes (prefix)
    SELECT DISTINCT substr(arn, 1, length(arn) - length(suffix)) FROM (
        SELECT arn, function_name || ':' || version || '/durable-execution/' || name || '/'
            || id AS suffix FROM executions)
    WHERE length(arn) > length(suffix) AND substr(arn, -length(suffix)) = suffix
    ORDER BY 1;

CREATE TABLE executions_derived (
    id                 TEXT PRIMARY KEY,
    arn_prefix         INTEGER NOT NULL,
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
    retention_days     INTEGER NOT NULL DEFAULT 14,
    sync_invoke        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (function_name, name)
);
CREATE TEMP TRIGGER executions_underivable BEFORE INSERT ON executions_derived
    WHEN NEW.arn_prefix IS NULL
BEGIN
    SELECT RAISE(ABORT, 'an execution''s ARN does not end with its function name, version, name and id, so it could not be derived again'); END;
INSERT INTO executions_derived (
    id, arn_prefix, function_name, name, version, status, start_ms, end_ms, input, result,
    error, timeout_s, tenant_id, parent_arn, parent_op, row_version, seq, event_count, token,
    token_seen_seq, invocation, invoke_at, request_id, invocation_started, delivered_seq,
    failed_invocations, closing_status, closing_result, closing_error, lease_owner,
    lease_expires, retention_days, sync_invoke)
SELECT
    e.id, (SELECT p.id FROM arn_prefixes p WHERE p.prefix || e.function_name || ':'
        || e.version || '/durable-execution/' || e.name || '/' || e.id = e.arn),
    e.function_name, e.name, e.version, e.status, e.start_ms, e.end_ms, e.input, e.result,
    e.error, e.timeout_s, e.tenant_id, e.parent_arn, e.parent_op, e.row_version, e.seq,
    e.event_count, e.token, e.token_seen_seq, e.invocation, e.invoke_at, e.request_id,
    e.invocation_started, e.delivered_seq, e.failed_invocations, e.closing_status,
    e.closing_result, e.closing_error, e.lease_owner, e.lease_expires, e.retention_days,
    e.sync_invoke
FROM executions e ORDER BY e.rowid;
DROP TRIGGER executions_underivable;

CREATE TABLE execution_list_keyed (
    start_ms      INTEGER NOT NULL,
    id            TEXT NOT NULL,
    function_name TEXT NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    end_ms        INTEGER,
    PRIMARY KEY (start_ms, id)
) WITHOUT ROWID;
INSERT INTO execution_list_keyed (start_ms, id, function_name, name, status, end_ms)
    SELECT start_ms, id, function_name, name, status, end_ms FROM execution_list;

-- Dropping a table drops its indexes and the triggers on it.
DROP TABLE executions;
DROP TABLE execution_list;
ALTER TABLE executions_derived RENAME TO executions;
ALTER TABLE execution_list_keyed RENAME TO execution_list;

CREATE INDEX executions_queued ON executions (invocation, invoke_at);
CREATE INDEX executions_ended ON executions (end_ms) WHERE end_ms IS NOT NULL;

CREATE INDEX execution_list_by_status ON execution_list (status, start_ms, id);
CREATE INDEX execution_list_by_function ON execution_list (function_name, start_ms, id);
CREATE INDEX execution_list_by_function_status
    ON execution_list (function_name, status, start_ms, id);
CREATE INDEX execution_list_by_name ON execution_list (name);

CREATE TRIGGER execution_list_insert AFTER INSERT ON executions
BEGIN
    INSERT INTO execution_list (start_ms, id, function_name, name, status, end_ms)
    VALUES (NEW.start_ms, NEW.id, NEW.function_name, NEW.name, NEW.status, NEW.end_ms); END;

CREATE TRIGGER execution_list_update AFTER UPDATE OF status, end_ms ON executions
    WHEN OLD.status IS NOT NEW.status OR OLD.end_ms IS NOT NEW.end_ms
BEGIN
    UPDATE execution_list SET status = NEW.status, end_ms = NEW.end_ms
    WHERE start_ms = NEW.start_ms AND id = NEW.id; END;

CREATE TRIGGER execution_list_delete AFTER DELETE ON executions
BEGIN
    DELETE FROM execution_list WHERE start_ms = OLD.start_ms AND id = OLD.id; END;
