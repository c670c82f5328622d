-- setup.sql -- the rehearsal database at schema v1: what production looks
-- like before the deploy. db-deploy.rbk creates it when it is missing.
-- Safe to run only on an empty database.
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);

CREATE TABLE customers (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);
INSERT INTO customers (id, name) VALUES
  (1, 'Ada Lovelace'), (2, 'Grace Hopper'), (3, 'Edsger Dijkstra'),
  (4, 'Barbara Liskov'), (5, 'Ken Thompson');

CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  total_cents INTEGER NOT NULL
);
INSERT INTO orders (id, customer_id, total_cents) VALUES
  (1, 1, 1250), (2, 1, 990), (3, 2, 4500), (4, 3, 120),
  (5, 4, 7800), (6, 5, 300), (7, 5, 2200), (8, 2, 640);
