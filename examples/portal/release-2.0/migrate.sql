-- migrate.sql -- the Customer Portal's database from v1.9 to v2.0.
--   schema change:  a customer_logins table (the v2.0 sign-in: one login
--                   per customer, single sign-on later) and an index on
--                   orders.customer_id for the new dashboard
--   data migration: every customer gets a login, made from the e-mail in
--                   lower case, and the e-mails themselves are stored in
--                   lower case (v2.0 compares them as they are)
-- The e-mail rewrite cannot be reversed by SQL: the way back is the
-- backup taken just before (release-2.0.rbk, backout.rbk step 5).
-- One transaction, and every statement guarded, so that running it again
-- (a resumed roll-out whose first attempt may or may not have finished)
-- changes nothing more.
BEGIN;
CREATE TABLE IF NOT EXISTS customer_logins (
  customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
  login       TEXT NOT NULL UNIQUE,
  sso         INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO customer_logins (customer_id, login)
  SELECT id, lower(email) FROM customers;
UPDATE customers SET email = lower(email) WHERE email <> lower(email);
CREATE INDEX IF NOT EXISTS idx_orders_customer ON orders(customer_id);
UPDATE system_info SET version = '2.0' WHERE version = '1.9';
COMMIT;
