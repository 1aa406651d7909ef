-- The listing copy (0003) drops its ARN: a page of the dashboard reads each shown
-- execution's ARN from `executions` by id, fifty primary-key lookups, and every
-- execution stops storing its longest value a third time (the row, its unique index,
-- the copy).
DROP TRIGGER execution_list_insert;
ALTER TABLE execution_list DROP COLUMN arn;
CREATE TRIGGER execution_list_insert AFTER INSERT ON executions
BEGIN
    INSERT INTO execution_list (id, function_name, name, status, start_ms, end_ms)
    VALUES (NEW.id, NEW.function_name, NEW.name, NEW.status, NEW.start_ms, NEW.end_ms); END;
