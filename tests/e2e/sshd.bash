# tests/e2e/sshd.bash -- a fleet of real OpenSSH servers on loopback, for
# tests and benchmarks that drive rbk (or ansible, or plain ssh) against
# many hosts. Source it (after tests/e2e/lib.bash in a test; on its own in
# a benchmark: it uses no TAP function and prints only to stderr).
#
#   . "$top/tests/e2e/sshd.bash"
#   T=$(tmpdir)
#   trap 'fleet_stop; rm -rf "$T"' EXIT     # always stop the sshd's, by PID
#   fleet_start 5 || exit 1                 # under "$T/fleet" unless DIR is given
#   ssh -F "$FLEET_SSH_CONFIG" h2 'echo $RBK_TEST_HOST'   # prints h2
#
# fleet_start N [DIR]
#   Makes a client key DIR/id (ed25519, no passphrase) and, for I in 1..N,
#   host hI: a host key DIR/hI/host_key, an area directory DIR/hI/area (the
#   filesystem "host" hI's commands change), DIR/hI/sshd_config, and an
#   `/usr/sbin/sshd -D -e -f DIR/hI/sshd_config` in the background, logging
#   to DIR/hI/sshd.log. Host I listens on 127.0.0.(I+1) at a port found free
#   at start time (tried again with another port if the bind fails: several
#   harnesses may run at once; never a fixed port). Every session on hI has
#   RBK_TEST_HOST=hI and RBK_TEST_AREA=DIR/hI/area in its environment.
#   Returns when every sshd answers a real `ssh hI true` (at most
#   $FLEET_TIMEOUT seconds a host, 30 unless set); on failure prints the
#   sshd log to stderr, stops what it started and returns 1.
#   Writes:
#     DIR/ssh_config     a `Host hI 127.0.0.x` block per host (the name,
#                        and the address for ansible): HostName, Port, User
#                        (the current user), IdentityFile DIR/id,
#                        IdentitiesOnly, UserKnownHostsFile DIR/known_hosts,
#                        BatchMode yes, StrictHostKeyChecking yes
#     DIR/known_hosts    `[127.0.0.x]:PORT ssh-ed25519 ...`, the real keys
#     DIR/hosts.txt      h1 ... hN, one a line
#     DIR/inventory.ini  an Ansible INI inventory: group web = the first
#                        half (h1..h(ceil(N/2))), db = the rest, parent group
#                        fleet ([fleet:children] web, db), ansible_host,
#                        ansible_port and ansible_user on every host, and
#                        `tier=frontend` in [web:vars]
#   Exports FLEET_DIR, FLEET_N, FLEET_SSH_CONFIG (DIR/ssh_config) and
#   FLEET_HOSTS ("h1 h2 ... hN").
# fleet_stop
#   Stops every sshd the harness started (TERM, then KILL after a bounded
#   wait), by PID, with the processes under each (the sshd of each open
#   connection and the commands it runs), and waits for them. Safe to call twice, or when fleet_start failed or never ran.
# fleet_down I    stops host I: connecting to it is refused afterwards
# fleet_up I      starts host I again, same host key (same port if free;
#                 else a new one, and ssh_config, known_hosts and
#                 inventory.ini are rewritten)
# fleet_rekey I   gives host I a new host key and restarts it; known_hosts
#                 keeps the old key, so ssh refuses the host (changed key)
# fleet_trust I   (addition) puts host I's current key into known_hosts
# fleet_pid I     prints the PID of host I's listening sshd (empty if down)
#
# As root, sshd needs its privilege separation directory /run/sshd; it is
# made when missing. As another user sshd runs unprivileged and only that
# user can log in, which is all the harness needs.

FLEET_SSHD=${FLEET_SSHD:-/usr/sbin/sshd}
declare -a _fleet_pid=() _fleet_port=() _fleet_logat=()
FLEET_DIR="" FLEET_N=0 FLEET_SSH_CONFIG="" FLEET_HOSTS=""

_fleet_err() { printf 'sshd.bash: %s\n' "$*" >&2; }
_fleet_addr() { printf '127.0.0.%d' $(($1 + 1)); }

# _fleet_free_port ADDR: print a port nobody listens on at ADDR (below the
# kernel's ephemeral range, so outgoing connections do not take it)
_fleet_free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
    # connection refused: nothing listens there (the bind may still lose a
    # race with another harness; the caller then tries again)
    if ! (exec 3<>"/dev/tcp/$1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# _fleet_config I: write host I's sshd_config for its current port
_fleet_config() {
  local i=$1 h="$FLEET_DIR/h$1"
  cat > "$h/sshd_config" <<EOF
# written by tests/e2e/sshd.bash for host h$i
ListenAddress $(_fleet_addr "$i"):${_fleet_port[$i]}
HostKey $h/host_key
AuthorizedKeysFile $FLEET_DIR/id.pub
PidFile none
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
SetEnv "RBK_TEST_HOST=h$i" "RBK_TEST_AREA=$h/area"
EOF
}

# _fleet_client_files: ssh_config, known_hosts, hosts.txt, inventory.ini
_fleet_client_files() {
  local i n=$FLEET_N d=$FLEET_DIR user half
  user=$(id -un)
  half=$(( (n + 1) / 2 ))
  {
    echo "# written by tests/e2e/sshd.bash: ssh -F $d/ssh_config hI"
    for i in $(seq 1 "$n"); do
      # (the address too, so that ansible, which connects to ansible_host,
      # finds the same settings: ansible-playbook --ssh-common-args "-F ...")
      cat <<EOF
Host h$i $(_fleet_addr "$i")
  HostName $(_fleet_addr "$i")
  Port ${_fleet_port[$i]}
  User $user
  IdentityFile $d/id
  IdentitiesOnly yes
  UserKnownHostsFile $d/known_hosts
  GlobalKnownHostsFile /dev/null
  BatchMode yes
  StrictHostKeyChecking yes
  UpdateHostKeys no
  CheckHostIP no
  ConnectTimeout 10
EOF
    done
  } > "$d/ssh_config.tmp" && mv "$d/ssh_config.tmp" "$d/ssh_config"
  for i in $(seq 1 "$n"); do
    printf '[%s]:%s %s\n' "$(_fleet_addr "$i")" "${_fleet_port[$i]}" "$(cut -d' ' -f1,2 "$d/h$i/known.pub")"
  done > "$d/known_hosts.tmp" && mv "$d/known_hosts.tmp" "$d/known_hosts"
  for i in $(seq 1 "$n"); do echo "h$i"; done > "$d/hosts.txt"
  {
    echo "# written by tests/e2e/sshd.bash: $n hosts"
    echo "[web]"
    for i in $(seq 1 "$half"); do
      echo "h$i ansible_host=$(_fleet_addr "$i") ansible_port=${_fleet_port[$i]} ansible_user=$user"
    done
    echo
    echo "[db]"
    for i in $(seq $((half + 1)) "$n"); do
      echo "h$i ansible_host=$(_fleet_addr "$i") ansible_port=${_fleet_port[$i]} ansible_user=$user"
    done
    echo
    echo "[web:vars]"
    echo "tier=frontend"
    echo
    echo "[fleet:children]"
    echo "web"
    echo "db"
  } > "$d/inventory.ini"
}

# _fleet_spawn I: start host I's sshd on its current port
_fleet_spawn() {
  local i=$1
  _fleet_config "$i"
  _fleet_logat[$i]=$(( $(stat -c %s "$FLEET_DIR/h$i/sshd.log" 2>/dev/null || echo 0) + 1 ))
  "$FLEET_SSHD" -D -e -f "$FLEET_DIR/h$i/sshd_config" >>"$FLEET_DIR/h$i/sshd.log" 2>&1 </dev/null &
  _fleet_pid[$i]=$!
}

# _fleet_ready I: wait until host I's own sshd answers `ssh true` with its
# current key; on a lost bind race start it again on another port.
# Returns 1 (the log on stderr) on failure.
_fleet_ready() {
  local i=$1 h="$FLEET_DIR/h$1" tries=0 deadline ck
  ck="$h/current_known"
  deadline=$((SECONDS + ${FLEET_TIMEOUT:-30}))
  while :; do
    printf '[%s]:%s %s\n' "$(_fleet_addr "$i")" "${_fleet_port[$i]}" "$(cut -d' ' -f1,2 "$h/host_key.pub")" > "$ck"
    if ! kill -0 "${_fleet_pid[$i]}" 2>/dev/null; then
      wait "${_fleet_pid[$i]}" 2>/dev/null || true
      if tail -c "+${_fleet_logat[$i]}" "$h/sshd.log" | grep -qE 'Bind to port|Cannot bind|Address already in use' && [ $tries -lt 20 ]; then
        tries=$((tries + 1))
        echo "# sshd.bash: port ${_fleet_port[$i]} was taken; trying another" >>"$h/sshd.log"
        _fleet_port[$i]=$(_fleet_free_port "$(_fleet_addr "$i")") || { _fleet_err "h$i: no free port"; return 1; }
        _fleet_spawn "$i"
        _fleet_client_files
        continue
      fi
      _fleet_pid[$i]=""
      _fleet_err "h$i: sshd exited at start; its log ($h/sshd.log):"
      sed 's/^/  /' "$h/sshd.log" >&2
      return 1
    fi
    # a real ssh, checking the key this sshd has: it is ours, and it serves
    if ssh -F "$FLEET_DIR/ssh_config" -o UserKnownHostsFile="$ck" -o ConnectTimeout=5 \
         "h$i" true </dev/null >/dev/null 2>>"$h/ready.log"; then
      return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      _fleet_err "h$i: sshd did not accept a connection within ${FLEET_TIMEOUT:-30}s; its log ($h/sshd.log):"
      sed 's/^/  /' "$h/sshd.log" >&2
      tail -5 "$h/ready.log" | sed 's/^/  ssh: /' >&2
      return 1
    fi
    sleep 0.1
  done
}

# _fleet_ready_all: the fast path of fleet_start: wait until every sshd
# listens (or has exited), then one real `ssh true` to each, all at once;
# each host that answered gets DIR/hI/.ready. The others go through
# _fleet_ready one by one (a lost bind race, a slow start, the error).
_fleet_ready_all() {
  local i deadline=$((SECONDS + ${FLEET_TIMEOUT:-30})) waiting pids=()
  while :; do
    waiting=0
    for i in $(seq 1 "$FLEET_N"); do
      _fleet_alive "${_fleet_pid[$i]}" || continue
      (exec 3<>"/dev/tcp/$(_fleet_addr "$i")/${_fleet_port[$i]}") 2>/dev/null || waiting=1
    done
    [ $waiting = 0 ] || [ $SECONDS -ge $deadline ] && break
    sleep 0.1
  done
  for i in $(seq 1 "$FLEET_N"); do
    _fleet_alive "${_fleet_pid[$i]}" || continue
    printf '[%s]:%s %s\n' "$(_fleet_addr "$i")" "${_fleet_port[$i]}" "$(cut -d' ' -f1,2 "$FLEET_DIR/h$i/host_key.pub")" > "$FLEET_DIR/h$i/current_known"
    ( ssh -F "$FLEET_DIR/ssh_config" -o UserKnownHostsFile="$FLEET_DIR/h$i/current_known" -o ConnectTimeout=20 \
        "h$i" true </dev/null >/dev/null 2>>"$FLEET_DIR/h$i/ready.log" && : > "$FLEET_DIR/h$i/.ready" ) &
    pids+=($!)
  done
  [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}" 2>/dev/null
  return 0
}

# _fleet_alive PID: the process runs (a zombie, dead but not yet reaped, does not)
_fleet_alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# _fleet_kill PID...: TERM, then KILL after a bounded wait (5 s); reap our children
_fleet_kill() {
  local p n alive
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for n in $(seq 1 50); do
    alive=0
    for p in "$@"; do _fleet_alive "$p" && { alive=1; break; }; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  if [ $alive = 1 ]; then kill -KILL "$@" 2>/dev/null || true; fi
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
  return 0
}

# _fleet_children PID: the processes under a listening sshd: the sshd of
# each connection and the commands of its sessions, at any depth
_fleet_children() {
  local c ppid pid
  local -A kids=()
  for c in /proc/[0-9]*/stat; do
    # field 4 of /proc/PID/stat is the parent (sshd's names hold no ')')
    read -r pid _ _ ppid _ 2>/dev/null < "$c" || continue
    kids[$ppid]="${kids[$ppid]:-} $pid"
  done
  local -a todo=("$1")
  while [ ${#todo[@]} -gt 0 ]; do
    c=${todo[0]}; todo=("${todo[@]:1}")
    for pid in ${kids[$c]:-}; do echo "$pid"; todo+=("$pid"); done
  done
}

# _fleet_halt I: stop host I's sshd and the connections it serves
_fleet_halt() {
  local i=$1 p=${_fleet_pid[$1]:-} kids
  [ -n "$p" ] || return 0
  kids=$(_fleet_children "$p")
  # the listener first, so that no new connection starts; then what its
  # connections run, as a host that goes down ends its processes
  _fleet_kill "$p"
  # shellcheck disable=SC2086
  [ -n "$kids" ] && _fleet_kill $kids
  _fleet_pid[$i]=""
}

fleet_start() {
  local n=${1:?usage: fleet_start N [DIR]} d=${2:-${T:?fleet_start: set T or give DIR}/fleet} i
  case $n in ''|*[!0-9]*) _fleet_err "fleet_start: N must be a number"; return 2 ;; esac
  [ "$n" -ge 1 ] && [ "$n" -le 250 ] || { _fleet_err "fleet_start: N must be 1..250"; return 2; }
  [ -x "$FLEET_SSHD" ] || { _fleet_err "no $FLEET_SSHD (Debian: openssh-server; ./deps.sh test)"; return 1; }
  command -v ssh >/dev/null && command -v ssh-keygen >/dev/null ||
    { _fleet_err "no ssh/ssh-keygen (Debian: openssh-client; ./deps.sh test)"; return 1; }
  if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
    mkdir -p -m 0755 /run/sshd || { _fleet_err "cannot make /run/sshd"; return 1; }
  fi
  mkdir -p "$d" || return 1
  FLEET_DIR=$(cd "$d" && pwd) FLEET_N=$n FLEET_SSH_CONFIG="$FLEET_DIR/ssh_config"
  FLEET_HOSTS=$(seq -f 'h%g' 1 "$n" | tr '\n' ' '); FLEET_HOSTS=${FLEET_HOSTS% }
  export FLEET_DIR FLEET_N FLEET_SSH_CONFIG FLEET_HOSTS
  _fleet_pid=() _fleet_port=() _fleet_logat=()
  rm -f "$FLEET_DIR/id" "$FLEET_DIR/id.pub"
  ssh-keygen -q -t ed25519 -N '' -C rbk-fleet-client -f "$FLEET_DIR/id" </dev/null >/dev/null ||
    { _fleet_err "ssh-keygen failed"; return 1; }
  for i in $(seq 1 "$n"); do
    mkdir -p "$FLEET_DIR/h$i/area" && chmod 700 "$FLEET_DIR/h$i" || return 1
    rm -f "$FLEET_DIR/h$i/host_key" "$FLEET_DIR/h$i/host_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "h$i" -f "$FLEET_DIR/h$i/host_key" </dev/null >/dev/null ||
      { _fleet_err "ssh-keygen failed for h$i"; return 1; }
    cp "$FLEET_DIR/h$i/host_key.pub" "$FLEET_DIR/h$i/known.pub"
    _fleet_port[$i]=$(_fleet_free_port "$(_fleet_addr "$i")") || { _fleet_err "h$i: no free port"; return 1; }
  done
  _fleet_client_files
  for i in $(seq 1 "$n"); do _fleet_spawn "$i"; done
  _fleet_ready_all
  for i in $(seq 1 "$n"); do
    [ -e "$FLEET_DIR/h$i/.ready" ] && continue
    _fleet_ready "$i" || { fleet_stop; return 1; }
  done
  rm -f "$FLEET_DIR"/h*/.ready
  _fleet_client_files
  return 0
}

fleet_stop() {
  local i
  for i in "${!_fleet_pid[@]}"; do _fleet_halt "$i"; done
  return 0
}

# fleet_test_begin N: the opening every fleet test shares. It makes the
# temporary directory T and works in it, with RBK_STATE_DIR under it; at
# exit it kills a background rbk whose PID the test put in bg, stops the
# sshd's and removes T. Then it starts N sshd's; when they cannot start,
# the test ends there with that one check failed.
fleet_test_begin() {
  local rc
  T=$(tmpdir)
  bg=""
  trap '[ -n "$bg" ] && kill -KILL "$bg" 2>/dev/null; fleet_stop; rm -rf "$T"' EXIT
  cd "$T" || exit 1
  export RBK_STATE_DIR="$T/state"
  fleet_start "$1"; rc=$?
  ok $rc "$1 real sshd's are up"
  if [ $rc -ne 0 ]; then done_testing; exit 0; fi
}

_fleet_host_ok() {
  case ${1:-} in ''|*[!0-9]*) _fleet_err "host number expected, got '${1:-}'"; return 2 ;; esac
  [ "$1" -ge 1 ] && [ "$1" -le "$FLEET_N" ] || { _fleet_err "no host $1 (fleet of $FLEET_N)"; return 2; }
}

fleet_down() {
  _fleet_host_ok "${1:-}" || return
  _fleet_halt "$1"
}

fleet_up() {
  _fleet_host_ok "${1:-}" || return
  [ -z "${_fleet_pid[$1]:-}" ] || return 0   # already up
  _fleet_spawn "$1"
  _fleet_ready "$1" || { _fleet_halt "$1"; return 1; }
}

fleet_rekey() {
  _fleet_host_ok "${1:-}" || return
  local h="$FLEET_DIR/h$1"
  _fleet_halt "$1"
  rm -f "$h/host_key" "$h/host_key.pub"
  ssh-keygen -q -t ed25519 -N '' -C "h$1" -f "$h/host_key" </dev/null >/dev/null ||
    { _fleet_err "ssh-keygen failed for h$1"; return 1; }
  _fleet_spawn "$1"
  _fleet_ready "$1" || { _fleet_halt "$1"; return 1; }
}

fleet_trust() {
  _fleet_host_ok "${1:-}" || return
  cp "$FLEET_DIR/h$1/host_key.pub" "$FLEET_DIR/h$1/known.pub" && _fleet_client_files
}

fleet_pid() {
  _fleet_host_ok "${1:-}" || return
  echo "${_fleet_pid[$1]:-}"
}

# fleet_area I: the directory host hI's commands change.
fleet_area() { echo "$FLEET_DIR/h$1/area"; }

# fleet_counts FILE: how many lines FILE has in each host's area, in host
# order ("1 1 0 0 0 "): how often each host ran the command that appends it.
fleet_counts() {
  local i s=""
  for ((i = 1; i <= FLEET_N; i++)); do s="$s$(cat "$(fleet_area $i)/$1" 2>/dev/null | wc -l) "; done
  echo "$s"
}
