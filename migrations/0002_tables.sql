-- 0002_tables: table definitions, and the demo tables a fresh database starts with.
-- Live table state (seats, game) lives in the room and its event log, not here.
CREATE TABLE tables (
  table_id   text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('holdem', 'dining')),
  seats      integer NOT NULL CHECK (seats BETWEEN 2 AND 10),
  options    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO tables (table_id, kind, seats, options) VALUES
  ('demo-holdem', 'holdem', 6, '{"smallBlind": 5, "bigBlind": 10, "minBuyIn": 200, "maxBuyIn": 2000, "defaultBuyIn": 1000}'),
  ('demo-dining', 'dining', 4, '{"branchId": "B1"}');
