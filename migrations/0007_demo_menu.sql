-- 0007_demo_menu: dishes for the demo dining table (demo-dining, branch B1), so a fresh
-- server has something to put in a cart. Ordinary inventory rows: admins may change them.
INSERT INTO inventory (sku, name, price_cents, total) VALUES
  ('ramen', 'Shoyu ramen', 1300, 40),
  ('gyoza', 'Gyoza (6)', 700, 60),
  ('matcha', 'Iced matcha', 450, 80)
ON CONFLICT (sku) DO NOTHING;
