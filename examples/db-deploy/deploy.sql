-- deploy.sql -- schema v1 -> v2: an audit table for orders, filled from the
-- existing orders, and an index on orders.customer_id.
-- Idempotent: every statement is guarded, so running it again (a roll
-- forward after a roll back, or a resumed run) changes nothing more.
CREATE TABLE IF NOT EXISTS order_audit (
  id       INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  note     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_orders_customer ON orders(customer_id);
INSERT INTO order_audit (order_id, note)
  SELECT id, 'migrated from v1' FROM orders
  WHERE id NOT IN (SELECT order_id FROM order_audit);
UPDATE schema_version SET version = 2 WHERE version = 1;
