-- Before a replacement's transaction (sqlite::bulk::without_row_foreign_keys): its hires are
-- checked against their parents set-wise (missing_parents.sql) before it commits, so the
-- row-by-row checks are turned off for it. Takes effect only outside a transaction.
PRAGMA foreign_keys = OFF
