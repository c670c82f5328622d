-- y.sql -- the remedy for condition b: the deploy got as far as creating
-- order_audit. db-deploy.rbk archives its rows to a CSV file first, then
-- runs this. Idempotent.
DROP TABLE IF EXISTS order_audit;
