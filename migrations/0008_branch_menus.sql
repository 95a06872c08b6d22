-- 0008_branch_menus: which SKUs each branch serves. A dining table's cart may hold only
-- dishes on its branch's menu (the hold gate answers NOT_ON_MENU otherwise); other
-- inventory (flash-sale SKUs, say) cannot be taken through a table.
CREATE TABLE branch_menu_items (
  branch_id text NOT NULL REFERENCES branches (branch_id) ON DELETE CASCADE,
  sku       text NOT NULL REFERENCES inventory (sku) ON DELETE CASCADE,
  added_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (branch_id, sku)
);
