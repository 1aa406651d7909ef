-- Browsing every execution newest first (the dashboard), a page at a time by key:
-- all of them, by status, and by function (with the key's tie-breaker, the id).
CREATE INDEX executions_by_start ON executions (start_ms, id);
CREATE INDEX executions_by_status ON executions (status, start_ms, id);
CREATE INDEX executions_by_function_start ON executions (function_name, start_ms, id);
