-- Empties the tables a replacement fills ({tables}: table names the adapter fills in, never
-- input), once the foreign keys that reference them are set aside. Transactional in
-- PostgreSQL: a replacement that fails keeps the old rows. RESTRICT: any other table still
-- referencing them makes it fail rather than empty that table too.
TRUNCATE {tables} RESTRICT
