-- 0003_commerce: inventory, orders, order items and idempotency keys.
-- Postgres is the record: `total` and `sold` per SKU, and every order with its items.
-- Live counters and holds live in Redis (or memory); after Redis loses its data they are
-- rebuilt from here as available = total - sold - (stock in pending orders), so the
-- rows below must always say how much stock is committed.

CREATE TABLE inventory (
  sku            text PRIMARY KEY,
  name           text NOT NULL DEFAULT '',
  price_cents    integer NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
  total          integer NOT NULL CHECK (total >= 0),
  sold           integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  -- Most units one user may hold at once for this SKU.
  per_user_limit integer NOT NULL DEFAULT 10 CHECK (per_user_limit > 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (sold <= total)
);

-- pending -> paid | cancelled | expired; only pending rows ever change status.
CREATE TABLE orders (
  order_id          text PRIMARY KEY,
  user_id           text NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled', 'expired')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  paid_at           timestamptz,
  payment_reference text,
  cancelled_at      timestamptz,
  cancel_reason     text
);

-- The expiry sweeper scans only pending orders by deadline.
CREATE INDEX orders_pending_expires_at_idx ON orders (expires_at) WHERE status = 'pending';
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC);
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC);

-- One row per consumed hold. hold_id is unique: a hold can end up in one order only.
CREATE TABLE order_items (
  order_id    text NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
  hold_id     text NOT NULL UNIQUE,
  sku         text NOT NULL REFERENCES inventory (sku),
  quantity    integer NOT NULL CHECK (quantity > 0),
  price_cents integer NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id, hold_id)
);

CREATE INDEX order_items_sku_idx ON order_items (sku);

-- Idempotency-Key records: the first response to (user, scope, key) is replayed for the
-- same request body; a different body is refused. status_code NULL = still in progress.
CREATE TABLE idempotency_keys (
  user_id       text NOT NULL,
  scope         text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  status_code   integer,
  response_body jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, scope, key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
