-- x.sql -- roll the schema back from v2 to v1. Run it whenever the deploy
-- fails, and to undo a deploy that worked. Idempotent: every statement is
-- guarded, so running it twice, or after a deploy that never started, is
-- harmless.
-- It does not drop order_audit: that table may hold rows written by v2,
-- which are archived first (see y.sql and condition b in db-deploy.rbk).
DROP INDEX IF EXISTS idx_orders_customer;
UPDATE schema_version SET version = 1 WHERE version = 2;
