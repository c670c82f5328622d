-- deploy-broken.sql -- a rehearsal fault, used when db-deploy.rbk runs with
-- fail_deploy=true. It is deploy.sql with a typo in its last statement, so
-- the deploy dies part-way: order_audit and the index exist, the version
-- is still 1. That is "condition b" of the rollback.
CREATE TABLE IF NOT EXISTS order_audit (
  id       INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  note     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_orders_customer ON orders(customer_id);
INSERT INTO order_audit (order_id, note)
  SELECT id, 'migrated from v1' FROM orders
  WHERE id NOT IN (SELECT order_id FROM order_audit);
UPDATE schema_version SET versoin = 2 WHERE version = 1;
