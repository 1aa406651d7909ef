-- Per-execution retention and invocation type, pruning ended executions, and the
-- durable configs workers register for the functions they run.
ALTER TABLE executions ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 14;
ALTER TABLE executions ADD COLUMN sync_invoke INTEGER NOT NULL DEFAULT 0;
CREATE INDEX executions_ended ON executions (end_ms) WHERE end_ms IS NOT NULL;

-- A function's DurableConfig as a worker last registered it (NULL: the server's default).
CREATE TABLE function_configs (
    function_name     TEXT PRIMARY KEY,
    execution_timeout INTEGER,
    retention_days    INTEGER,
    updated_ms        INTEGER NOT NULL
) WITHOUT ROWID;
