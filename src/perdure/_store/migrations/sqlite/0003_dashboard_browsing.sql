-- Browsing every execution newest first (the dashboard), a page at a time by key.
--
-- The listing reads a narrow copy of each execution's row (no payloads, no bookkeeping),
-- kept by triggers: a row is added with the execution, follows its status and end, and
-- goes with it. The indexes that browsing needs live on the copy, not on `executions`,
-- because every checkpoint commit sets the execution's status and SQLite rewrites each
-- index holding a column the UPDATE sets, changed or not; the copy's row changes only
-- when the status or the end does, which the update trigger's WHEN checks.
CREATE TABLE execution_list (
    id            TEXT PRIMARY KEY,
    arn           TEXT NOT NULL,
    function_name TEXT NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER
) WITHOUT ROWID;
CREATE INDEX execution_list_by_start ON execution_list (start_ms, id);
CREATE INDEX execution_list_by_status ON execution_list (status, start_ms, id);
CREATE INDEX execution_list_by_function ON execution_list (function_name, start_ms, id);
CREATE INDEX execution_list_by_function_status
    ON execution_list (function_name, status, start_ms, id);
CREATE INDEX execution_list_by_name ON execution_list (name);

INSERT INTO execution_list (id, arn, function_name, name, status, start_ms, end_ms)
    SELECT id, arn, function_name, name, status, start_ms, end_ms FROM executions;

CREATE TRIGGER execution_list_insert AFTER INSERT ON executions
BEGIN
    INSERT INTO execution_list (id, arn, function_name, name, status, start_ms, end_ms)
    VALUES (NEW.id, NEW.arn, NEW.function_name, NEW.name, NEW.status, NEW.start_ms, NEW.end_ms); END;

CREATE TRIGGER execution_list_update AFTER UPDATE OF status, end_ms ON executions
    WHEN OLD.status IS NOT NEW.status OR OLD.end_ms IS NOT NEW.end_ms
BEGIN
    UPDATE execution_list SET status = NEW.status, end_ms = NEW.end_ms WHERE id = NEW.id; END;

CREATE TRIGGER execution_list_delete AFTER DELETE ON executions
BEGIN
    DELETE FROM execution_list WHERE id = OLD.id; END;
