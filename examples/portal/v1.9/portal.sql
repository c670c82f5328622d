-- portal.sql -- the Customer Portal's database at v1.9, as setup creates
-- it: 250 customers and their orders. Deterministic: the same rows every
-- time, so that checksums can be compared across sandboxes.
CREATE TABLE system_info (version TEXT NOT NULL);
INSERT INTO system_info (version) VALUES ('1.9');

CREATE TABLE customers (
  id      INTEGER PRIMARY KEY,
  name    TEXT NOT NULL,
  email   TEXT NOT NULL UNIQUE,
  plan    TEXT NOT NULL,
  created TEXT NOT NULL
);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250),
  first(k, name) AS (VALUES (0, 'Ada'), (1, 'Grace'), (2, 'Edsger'), (3, 'Barbara'),
                            (4, 'Ken'), (5, 'Frances'), (6, 'Donald')),
  last(k, name) AS (VALUES (0, 'Lovelace'), (1, 'Hopper'), (2, 'Dijkstra'), (3, 'Liskov'),
                           (4, 'Thompson'), (5, 'Allen'), (6, 'Knuth'), (7, 'Hamilton'))
INSERT INTO customers (id, name, email, plan, created)
SELECT i,
       first.name || ' ' || last.name,
       first.name || '.' || last.name || '.' || i || '@Example.COM',
       CASE i % 4 WHEN 0 THEN 'business' WHEN 1 THEN 'basic' ELSE 'standard' END,
       date('2024-01-01', '+' || i || ' days')
FROM n JOIN first ON first.k = i % 7 JOIN last ON last.k = i % 8
ORDER BY i;

CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  total_cents INTEGER NOT NULL
);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT INTO orders (id, customer_id, total_cents)
SELECT i, 1 + (i * 7) % 250, 100 + (i * 37) % 9900 FROM n;
