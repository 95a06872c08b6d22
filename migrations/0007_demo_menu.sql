-- 0007_demo_menu: once the demo dishes; they are seeded by `npm run seed:demo`
-- (server/src/db/demo-seed.ts) now, never by a migration. Kept so that the versions
-- stay as every database's ledger has them.
SELECT 1;
