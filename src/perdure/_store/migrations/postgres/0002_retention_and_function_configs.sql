-- The same logical change as migrations/sqlite/0002_retention_and_function_configs.sql:
-- per-execution retention and invocation type, pruning ended executions, and the
-- durable configs workers register for the functions they run.
ALTER TABLE executions ADD COLUMN retention_days BIGINT NOT NULL DEFAULT 14;
ALTER TABLE executions ADD COLUMN sync_invoke BIGINT NOT NULL DEFAULT 0;
CREATE INDEX executions_ended ON executions (end_ms) WHERE end_ms IS NOT NULL;

-- A function's DurableConfig as a worker last registered it (NULL: the server's default).
CREATE TABLE function_configs (
    function_name     TEXT COLLATE "C" PRIMARY KEY,
    execution_timeout BIGINT,
    retention_days    BIGINT,
    updated_ms        BIGINT NOT NULL
);
