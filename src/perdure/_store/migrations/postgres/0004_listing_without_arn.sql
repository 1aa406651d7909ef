-- The same logical change as migrations/sqlite/0004_listing_without_arn.sql: the
-- listing copy drops its ARN, which a page reads from `executions` by id.
CREATE OR REPLACE FUNCTION perdure_execution_list_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO execution_list (id, function_name, name, status, start_ms, end_ms)
        VALUES (NEW.id, NEW.function_name, NEW.name, NEW.status, NEW.start_ms, NEW.end_ms);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE execution_list SET status = NEW.status, end_ms = NEW.end_ms WHERE id = NEW.id;
    ELSE
        DELETE FROM execution_list WHERE id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;
ALTER TABLE execution_list DROP COLUMN arn;
