#!/bin/bash
# tests/e2e/stdlib_sqlite.sh -- sql(), sql_value() and count_rows(), written in rbk
# (stdlib/sqlite.rbk) over libsqlite3 through extern, against a real
# database file made with the sqlite3 command: scalars, rows, NULL, no
# rows, writes (the number of rows changed), read-only for reads (a
# read-only file still answers SELECT; a missing file is not created),
# quoting of table names, errors at the call, one journaled effect per
# call, and a resumed run that replays a query without the database.
set -u
top=${RBK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/e2e/lib.bash"
d=$(tmpdir)
trap 'chmod -R u+w "$d" 2>/dev/null; rm -rf "$d"' EXIT
cd "$d" || exit 1
export RBK_STATE_DIR="$d/state"

sqlite3 portal.db "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, score REAL);
  INSERT INTO customers(name, score) VALUES ('Ann', 1.5), ('Bob', NULL), ('O''Neil', 3);
  CREATE TABLE system_info(version TEXT); INSERT INTO system_info VALUES ('1.9');
  CREATE TABLE \"odd \"\"name\"\"\"(x); INSERT INTO \"odd \"\"name\"\"\" VALUES (1), (2);"
ok $? "sqlite3 made the database"

cat > q.rbk <<'EOF'
runbook "SQL checks" {
  param db = "portal.db"
  step read {
    log "count=${count_rows(db, "customers")}"
    log "version=${sql_value(db, "SELECT version FROM system_info")}"
    log "one=${sql(db, "SELECT version FROM system_info")}"
    log "rows=${sql(db, "SELECT id, name, score FROM customers ORDER BY id")}"
    log "none=${sql(db, "SELECT id FROM customers WHERE id > 100")}"
    log "nonevalue=${sql_value(db, "SELECT id FROM customers WHERE id > 100")}"
    log "integrity=${sql_value(db, "PRAGMA integrity_check")}"
    log "odd=${count_rows(db, "odd \"name\"")}"
    verify sql_value(db, "SELECT count(*) FROM customers WHERE score IS NULL") == 1
  }
  step write {
    log "changed=${sql_value(db, "UPDATE customers SET score = 2 WHERE name = 'Ann'")}"
    log "writerows=${sql(db, "UPDATE customers SET score = 2 WHERE name = 'Ann'")}"
  }
}
EOF
out=$("$RBK" run q.rbk 2>&1); rc=$?
expect_eq "$rc" 0 "the runbook's queries succeed"
expect_match "$out" 'log: count=3$' "count_rows counts the rows"
expect_match "$out" 'log: version=1.9$' "sql_value: one row of one column is that value"
expect_match "$out" 'log: one=\[\["1.9"\]\]$' "sql: one row of one column is still a list of rows"
expect_match "$out" 'log: nonevalue=nil$' "sql_value: no row is nil"
expect_match "$out" 'log: rows=\[\[1, "Ann", 1.5\], \[2, "Bob", nil\], \[3, "O'"'"'Neil", 3\]\]' \
  "several rows are lists; integers and reals are numbers, NULL is nil"
expect_match "$out" 'log: none=\[\]$' "no rows is an empty list"
expect_match "$out" 'log: integrity=ok$' "PRAGMA integrity_check"
expect_match "$out" 'log: odd=2$' "a table name with quotes and a space is quoted as one identifier"
expect_match "$out" 'log: changed=1$' "sql_value of a write returns the number of rows changed"
expect_match "$out" 'log: writerows=\[\]$' "sql of a write returns no rows"
expect_eq "$(sqlite3 portal.db "SELECT score FROM customers WHERE name = 'Ann'")" "2.0" "and the write is in the file"
j=$(cat "$RBK_STATE_DIR"/runs/q-*/journal.jsonl)
expect_match "$j" '"what":"count_rows\(\\"portal.db\\", \\"customers\\"\)"' "a count_rows call is one journaled effect"
expect_match "$j" '"result":\[\[1,"Ann",1.5\],\[2,"Bob",null\],\[3,"O'"'"'Neil",3\]\]' "the rows are journaled as the result"
ok $(grep -q 'sqlite3_' <<<"$j"; [ $? -ne 0 ]; echo $?) "the C calls inside sql() are not journaled one by one"

# Reads open the file read-only: a file the user cannot write still
# answers a SELECT, and a write to it fails. (root writes anything, so
# under root this part runs as nobody.)
as_reader() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}
mkdir ro && cp portal.db ro/portal.db && chmod 0444 ro/portal.db && chmod 0755 "$d" && chmod 0777 ro
mkdir ro/state && chmod 0777 ro/state
cat > ro/ro.rbk <<'EOF'
runbook "read-only" {
  step read { log "n=${count_rows("portal.db", "customers")}" }
  step write { log "${sql("portal.db", "DELETE FROM customers")}" }
}
EOF
chmod 0644 ro/ro.rbk
out=$(cd ro && as_reader env RBK_STATE_DIR="$d/ro/state" "$RBK" run ro.rbk 2>&1); rc=$?
expect_match "$out" 'log: n=3$' "a SELECT works on a database file its user cannot write"
expect_eq "$rc" 1 "a write to it fails the step"
expect_match "$out" 'ro.rbk:3:23: error: sql\(\): attempt to write a readonly database' "with SQLite's reason, at the call"
expect_eq "$(sqlite3 ro/portal.db 'SELECT count(*) FROM customers')" "3" "nothing was deleted"

# A missing file is an error, and is not created.
cat > missing.rbk <<'EOF'
runbook "missing" {
  step s { log "${sql("nosuch.db", "SELECT 1")}" }
}
EOF
out=$("$RBK" run missing.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "a query of a missing database fails"
expect_match "$out" 'sql\(\): nosuch.db: unable to open database file' "saying it cannot open it"
ok $([ ! -e nosuch.db ]; echo $?) "the missing database is not created"

# sql_value refuses a query of several rows or columns.
cat > many.rbk <<'EOF'
runbook "many" {
  step rows { log "${sql_value("portal.db", "SELECT id FROM customers")}" }
}
EOF
out=$("$RBK" run many.rbk 2>&1); rc=$?
expect_eq "$rc" 1 "sql_value of three rows fails"
expect_match "$out" 'sql_value\(\): sql_value needs a query of one row; this one returns 3 \(use sql for rows\)' "saying why, at the call"
printf 'runbook "cols" {\n  step s { log "${sql_value("portal.db", "SELECT id, name FROM customers WHERE id = 1")}" }\n}\n' > cols.rbk
out=$("$RBK" run cols.rbk 2>&1); rc=$?
expect_match "$out" 'sql_value needs a query of one column; this one returns 2' "sql_value of two columns fails"

# Errors of SQLite come back at the call.
cat > bad.rbk <<'EOF'
runbook "bad" {
  step syntax { log "${sql("portal.db", "SELEC 1")}" }
}
EOF
out=$("$RBK" run bad.rbk 2>&1)
expect_match "$out" 'bad.rbk:2:24: error: sql\(\): near "SELEC": syntax error' "a syntax error, at the runbook's line"
printf 'runbook "two" {\n  step s { log "${sql("portal.db", "SELECT 1; SELECT 2")}" }\n}\n' > two.rbk
out=$("$RBK" run two.rbk 2>&1)
expect_match "$out" 'sql\(\): one statement at a time; the query goes on after it: SELECT 2' "one statement per call"
printf 'runbook "tbl" {\n  step s { log "${count_rows("portal.db", "nope")}" }\n}\n' > tbl.rbk
out=$("$RBK" run tbl.rbk 2>&1)
expect_match "$out" 'count_rows\(\): no such table: nope' "count_rows of a missing table names it"

# Replay: the query's result comes back from the journal, without the database.
cat > replay.rbk <<'EOF'
runbook "replay" {
  step before { let n = count_rows("portal.db", "customers") }
  step gate { manual "move the database away" }
  step later { log "recorded n=${n}" verify n == 3 }
}
EOF
"$RBK" run replay.rbk </dev/null >/dev/null 2>&1
expect_eq "$?" 3 "the run pauses at the gate"
mv portal.db elsewhere.db
run=$(ls "$RBK_STATE_DIR/runs" | grep '^replay-')
"$RBK" confirm "$run" >/dev/null 2>&1
out=$("$RBK" resume "$run" </dev/null 2>&1); rc=$?
expect_eq "$rc" 0 "the resumed run succeeds with the database gone"
expect_match "$out" 'log: recorded n=3' "count_rows is answered from the journal"
ok $([ ! -e portal.db ]; echo $?) "and the database was not recreated"
mv elsewhere.db portal.db

# The same through bytecode: the module travels inside the .rbc.
"$RBK" compile q.rbk -o q.rbc >/dev/null 2>&1
out=$("$RBK" run --new q.rbc 2>&1); rc=$?
expect_eq "$rc" 0 "the compiled runbook runs its queries"
expect_match "$out" 'log: count=3$' "count_rows from a .rbc"
dis=$("$RBK" disasm q.rbc)
expect_match "$dis" 'function fn sqlite.sql ' "the module's functions are in the program"
expect_match "$dis" 'sqlite3_open_v2  from "libsqlite3.so.0"  \(string, out_pointer, int, string\) -> int  module sqlite' \
  "with its externs, marked as the module's"
done_testing
