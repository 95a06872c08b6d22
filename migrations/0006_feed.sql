-- 0006_feed: branches, the staff who may watch them, and where an order came from.
-- Staff grants are the source of truth for `branch:B` feed topics; nodes cache them
-- briefly and drop the cache the moment a grant changes (presence invalidation).
CREATE TABLE branches (
  branch_id  text PRIMARY KEY,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_grants (
  user_id    text NOT NULL,
  branch_id  text NOT NULL REFERENCES branches (branch_id) ON DELETE CASCADE,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, branch_id)
);

-- Orders checked out at a dining table remember the table and its branch (feed topics).
ALTER TABLE orders ADD COLUMN table_id text;
ALTER TABLE orders ADD COLUMN branch_id text;
CREATE INDEX orders_branch_id_idx ON orders (branch_id) WHERE branch_id IS NOT NULL;
