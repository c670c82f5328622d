# tests/e2e/netserve.bash -- the local servers of tests/e2e/netserve.py
# (an HTTP echo receiver, plain or TLS; a server that never answers; an
# SMTP server), started in the background and stopped by PID. Source it
# after lib.bash, with $top set to the repository.

_netserve_pids=()

# netserve_stop_all: stop every server netserve_start started.
netserve_stop_all() {
  local p
  for p in "${_netserve_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  _netserve_pids=()
}

# netserve_begin: make the temporary directory d and work in it, with
# RBK_STATE_DIR under it; at exit every server is stopped and d removed.
netserve_begin() {
  d=$(tmpdir)
  trap 'netserve_stop_all; rm -rf "$d"' EXIT
  cd "$d" || exit 1
  export RBK_STATE_DIR="$d/state"
}

# netserve_start NAME PYTHON ARGS...: run netserve.py ARGS under PYTHON in
# the background (not in a subshell, so its PID is kept for the stop),
# wait for the port it prints, and set got to it (empty if it never came).
netserve_start() {
  local name=$1 py=$2 i
  shift 2
  "$py" -u "$top/tests/e2e/netserve.py" "$@" > "$name.port" 2> "$name.err" &
  _netserve_pids+=($!)
  for i in $(seq 1 300); do [ -s "$name.port" ] && break; sleep 0.1; done
  got=$(head -1 "$name.port")
}
