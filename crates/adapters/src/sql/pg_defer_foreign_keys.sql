-- Checks the (DEFERRABLE) foreign keys of the current transaction at commit.
SET CONSTRAINTS ALL DEFERRED
