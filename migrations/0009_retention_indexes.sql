-- 0009_retention_indexes: the retention jobs find old rows through an index, so a run
-- reads the rows it deletes and not the whole table (test/security/index-plans.test.ts).
-- table_events by age (server/src/continuity/event-retention.ts); appends go to the
-- index's right edge, as for the primary key.
CREATE INDEX table_events_at_idx ON table_events (at);
-- sessions by expiry (server/src/db/row-retention.ts).
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
