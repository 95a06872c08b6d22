-- 0005_table_continuity: the durable side of every table's event log, and its snapshots.
-- The hot log (Redis Streams, or memory in embedded mode) holds the recent events;
-- every event is also written here, in small batches, and kept (hand history, restore
-- after the hot log lost or trimmed them). Snapshots: the table model (seats + the game's
-- opaque JSON) at a seq; the room keeps the latest few per table.
CREATE TABLE table_events (
  table_id   text NOT NULL,
  seq        bigint NOT NULL CHECK (seq > 0),
  type       text NOT NULL,
  at         timestamptz NOT NULL,
  data       jsonb NOT NULL,
  -- absent (null) = public; {"seat": n} = that seat's player only; "server" = nobody
  visibility jsonb,
  PRIMARY KEY (table_id, seq)
);

CREATE TABLE table_snapshots (
  table_id text NOT NULL,
  seq      bigint NOT NULL CHECK (seq >= 0),
  model    jsonb NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_id, seq)
);
