-- Each checkpoint that saves its reply (every remote one: they carry a ClientToken)
-- also deletes the replies older than their time to live, by `created_ms`. Without an
-- index that delete read the whole table, so a remote step cost more the more steps
-- ran in the last quarter hour. PostgreSQL's schema has had this index from its start.
CREATE INDEX checkpoint_replies_by_age ON checkpoint_replies (created_ms);
