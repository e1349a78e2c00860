-- Checks the foreign keys of the current transaction at commit; reset when it ends.
PRAGMA defer_foreign_keys = ON
