-- The same logical change as migrations/sqlite/0003_dashboard_browsing.sql: browsing
-- every execution newest first (the dashboard), a page at a time by key, from a narrow
-- copy of each execution's row kept by triggers. PostgreSQL would leave an index on
-- `executions.status` alone when a commit sets the status it already had (a HOT update);
-- the copy is here so that both backends answer the same queries from the same tables.
CREATE TABLE execution_list (
    id            TEXT COLLATE "C" PRIMARY KEY,
    arn           TEXT COLLATE "C" NOT NULL,
    function_name TEXT COLLATE "C" NOT NULL,
    name          TEXT COLLATE "C" NOT NULL,
    status        TEXT NOT NULL,
    start_ms      BIGINT NOT NULL,
    end_ms        BIGINT
);
CREATE INDEX execution_list_by_start ON execution_list (start_ms, id);
CREATE INDEX execution_list_by_status ON execution_list (status, start_ms, id);
CREATE INDEX execution_list_by_function ON execution_list (function_name, start_ms, id);
CREATE INDEX execution_list_by_function_status
    ON execution_list (function_name, status, start_ms, id);
CREATE INDEX execution_list_by_name ON execution_list (name);

INSERT INTO execution_list (id, arn, function_name, name, status, start_ms, end_ms)
    SELECT id, arn, function_name, name, status, start_ms, end_ms FROM executions;

CREATE FUNCTION perdure_execution_list_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO execution_list (id, arn, function_name, name, status, start_ms, end_ms)
        VALUES (NEW.id, NEW.arn, NEW.function_name, NEW.name, NEW.status, NEW.start_ms,
                NEW.end_ms);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE execution_list SET status = NEW.status, end_ms = NEW.end_ms WHERE id = NEW.id;
    ELSE
        DELETE FROM execution_list WHERE id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER execution_list_insert AFTER INSERT ON executions
    FOR EACH ROW EXECUTE FUNCTION perdure_execution_list_sync();
CREATE TRIGGER execution_list_update AFTER UPDATE OF status, end_ms ON executions
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.end_ms IS DISTINCT FROM NEW.end_ms)
    EXECUTE FUNCTION perdure_execution_list_sync();
CREATE TRIGGER execution_list_delete AFTER DELETE ON executions
    FOR EACH ROW EXECUTE FUNCTION perdure_execution_list_sync();
