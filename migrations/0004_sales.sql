-- 0004_sales: flash sales.
-- A sale offers `quantity` units of one SKU from `starts_at` (to `ends_at`, when set) to
-- buyers who wait in a queue and are admitted by the sale's admission mode. The queue
-- itself (places, admissions, lapses) is live state in Redis (or memory in the embedded
-- default); this row is the record of what was put on sale and how it admits.

CREATE TABLE sales (
  sale_id        text PRIMARY KEY,
  sku            text NOT NULL REFERENCES inventory (sku),
  quantity       integer NOT NULL CHECK (quantity > 0),
  -- Most units one buyer may hold through this sale (all holds together).
  per_user_limit integer NOT NULL DEFAULT 1 CHECK (per_user_limit > 0),
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz,
  -- {"mode":"rate","perSecond":N} or {"mode":"stock"}
  admission      jsonb NOT NULL,
  -- What happens at starts_at to those who joined before: shuffled or kept in order.
  prequeue       text NOT NULL DEFAULT 'random' CHECK (prequeue IN ('random', 'fifo')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at IS NULL OR ends_at > starts_at)
);

-- A SKU is governed by its latest sale; holds look it up by SKU.
CREATE INDEX sales_sku_created_idx ON sales (sku, created_at DESC);
