-- 0002_tables: table definitions. (The demo tables are seeded by `npm run seed:demo`,
-- server/src/db/demo-seed.ts, never by a migration.)
-- Live table state (seats, game) lives in the room and its event log, not here.
CREATE TABLE tables (
  table_id   text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('holdem', 'dining')),
  seats      integer NOT NULL CHECK (seats BETWEEN 2 AND 10),
  options    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
