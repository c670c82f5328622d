#!/bin/bash
# bench/fleet.bench.sh RBK -- a fleet over OpenSSH: 20 real sshd's on
# loopback (tests/e2e/sshd.bash), 3 steps a host, each a small command
# that changes the host's area. Side by side, against the same sshd's:
#   rbk               `step sN on fleet serial 20 parallel 20 { run ... }`
#   ansible-playbook  3 shell tasks, forks 20, pipelining on, the harness's
#                     inventory, ssh pointed at the same ssh_config
#   floor             plain ssh: per step, `xargs -P 20 ssh -F CFG HOST CMD`
#                     (a connection per command)
#   floor, shared     the same with one connection a host for the 3 steps
#                     (ControlMaster in a fresh directory, closed at the
#                     end), as rbk's transport and ansible's do
# Targets (printed, never asserted): ansible/rbk >= 10, rbk/floor <= 1.5
# (against the plain floor; the ratio to the shared one is printed too).
# Until rbk has fleets (`rbk check` rejects the runbook) the rbk row says
# so and only ansible and the floor are timed. Every sshd is stopped by PID
# at the end, also on failure.
#
# Environment: BENCH_FLEET_HOSTS (20), BENCH_FLEET_RUNS (timed runs after
# the warm-ups, 3; ansible takes seconds a run).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
. "$top/tests/e2e/sshd.bash"
rbk=${1:?usage: bench/fleet.bench.sh RBK_BINARY}
n=${BENCH_FLEET_HOSTS:-20}
BENCH_RUNS=${BENCH_FLEET_RUNS:-3}

if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null 2>&1; then
  echo "fleet: sshd or ssh is missing (Debian: openssh-server, openssh-client; ./deps.sh bench); section skipped"
  exit 0
fi

# A short directory: ansible's control sockets live under it (Unix socket
# paths are limited to about 108 bytes).
FLEET=$(mktemp -d /tmp/rbk-fleet-bench.XXXXXX) || exit 1
trap 'fleet_stop; rm -rf "$FLEET"' EXIT
trap 'exit 130' INT TERM
fleet_start "$n" "$FLEET/f" || { echo "fleet: the $n sshd's did not start" >&2; exit 1; }
cfg=$FLEET_SSH_CONFIG

# The three steps. Each changes the host's area (RBK_TEST_AREA, set by its
# sshd) and can run again.
c1='mkdir -p "$RBK_TEST_AREA/app" && echo v2.0 > "$RBK_TEST_AREA/app/version"'
c2='cp "$RBK_TEST_AREA/app/version" "$RBK_TEST_AREA/app/version.bak"'
c3='date +%s >> "$RBK_TEST_AREA/app/health"'

# rbk: the fleet syntax (docs/language.md, when fleets are there)
rb="$BENCH_OUT/fleet.rbk"
{
  echo 'runbook "fleet bench" {'
  echo '  role ops "Ops"'
  echo "  hosts fleet = hosts_file(\"$FLEET/f/hosts.txt\")"
  k=0
  for c in "$c1" "$c2" "$c3"; do
    k=$((k + 1))
    echo "  step s$k \"step $k\" on fleet serial $n parallel $n {"
    echo '    owner ops'
    echo '    timeout 1m'
    printf '    run "%s"\n' "$(printf '%s' "$c" | sed 's/\\/\\\\/g; s/"/\\"/g')"
    echo '  }'
  done
  echo '}'
} > "$rb"

# ansible: the same three commands as shell tasks
pb="$BENCH_OUT/fleet.yml"
{
  echo '- hosts: fleet'
  echo '  gather_facts: false'
  echo '  tasks:'
  k=0
  for c in "$c1" "$c2" "$c3"; do
    k=$((k + 1))
    echo "    - name: step $k"
    printf '      shell: %s\n' "'$(printf '%s' "$c" | sed "s/'/''/g")'"
  done
} > "$pb"

# the floor: per step, every host at once over plain ssh
floor="$BENCH_OUT/fleet-floor.sh"
{
  echo '#!/bin/sh'
  echo 'set -e'
  for c in "$c1" "$c2" "$c3"; do
    printf 'printf "%%s\\n" %s | xargs -P %s -I{} ssh -F %s {} %s\n' \
      "$FLEET_HOSTS" "$n" "$(printf '%q' "$cfg")" "$(printf '%q' "$c")"
  done
} > "$floor"
chmod +x "$floor"
shared="$BENCH_OUT/fleet-floor-shared.sh"
{
  echo '#!/bin/sh'
  echo 'set -e'
  echo 'cp=$(mktemp -d /tmp/rbk-fb.XXXXXX)'
  printf 'trap %s EXIT\n' "'for h in $FLEET_HOSTS; do ssh -F $cfg -o ControlPath=\$cp/%C -O exit \$h 2>/dev/null; done; rm -rf \$cp'"
  for c in "$c1" "$c2" "$c3"; do
    printf 'printf "%%s\\n" %s | xargs -P %s -I{} ssh -F %s -o ControlMaster=auto -o "ControlPath=$cp/%%C" -o ControlPersist=60 {} %s\n' \
      "$FLEET_HOSTS" "$n" "$(printf '%q' "$cfg")" "$(printf '%q' "$c")"
  done
} > "$shared"
chmod +x "$shared"

# check: every host's area holds what the three steps make
areas_ok() {
  local i
  for i in $(seq 1 "$n"); do
    [ "$(cat "$FLEET/f/h$i/area/app/version.bak" 2>/dev/null)" = v2.0 ] && [ -s "$FLEET/f/h$i/area/app/health" ] || return 1
  done
}
clean_areas() { local i; for i in $(seq 1 "$n"); do rm -rf "$FLEET/f/h$i/area/app"; done; }

row() { printf '  %-40s %10s %10s %12s %14s\n' "$@"; }
per() { bench_ms "$(bench_div "$1" "$2" 6)"; }
steps=$((n * 3))

# floors (bench_time runs a command once first and refuses one that
# fails; the areas, emptied before, must then hold the steps' work)
clean_areas
bench_time fleet-floor "$floor" || exit 1
f_mean=$BT_MEAN f_sd=$BT_SD tool=$BT_TOOL
areas_ok || { echo "fleet: the plain ssh floor did not change every host" >&2; exit 1; }
clean_areas
bench_time fleet-floor-shared "$shared" || exit 1
s_mean=$BT_MEAN s_sd=$BT_SD
areas_ok || { echo "fleet: the shared-connection floor did not change every host" >&2; exit 1; }

# ansible
a_mean=""
if command -v ansible-playbook >/dev/null 2>&1; then
  export ANSIBLE_PIPELINING=True ANSIBLE_FORKS=$n ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False
  export ANSIBLE_SSH_CONTROL_PATH_DIR="$FLEET/cp" ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
  export ANSIBLE_LOCAL_TEMP="$FLEET/tmp" ANSIBLE_HOME="$FLEET/ansible"
  aplay=(ansible-playbook -i "$FLEET/f/inventory.ini" -f "$n" --ssh-common-args "-F $cfg" "$pb")
  clean_areas
  if ! "${aplay[@]}" >"$BENCH_OUT/fleet-ansible.out" 2>&1 || ! areas_ok; then
    echo "fleet: ansible-playbook failed against the fleet: $(tail -5 "$BENCH_OUT/fleet-ansible.out")" >&2
    exit 1
  fi
  bench_time fleet-ansible "${aplay[@]}" || exit 1
  a_mean=$BT_MEAN a_sd=$BT_SD
else
  echo "fleet: ansible-playbook is not installed (./deps.sh bench installs it); its row is left out"
fi

# rbk
r_mean=""
export RBK_STATE_DIR="$BENCH_OUT/fleet-state" RBK_SSH_CONFIG="$cfg"
rm -rf "$RBK_STATE_DIR"
if ! "$rbk" check "$rb" >"$BENCH_OUT/fleet-check.out" 2>&1; then
  r_note="rbk: no fleet support in this build (rbk check rejected the runbook)"
else
  clean_areas
  if ! "$rbk" run --new "$rb" </dev/null >"$BENCH_OUT/fleet-rbk.out" 2>&1 || ! areas_ok; then
    echo "fleet: rbk run failed against the fleet: $(tail -5 "$BENCH_OUT/fleet-rbk.out")" >&2
    exit 1
  fi
  bench_time fleet-rbk "$rbk" run --new "$rb" || exit 1
  r_mean=$BT_MEAN r_sd=$BT_SD
fi

echo "fleet: $n hosts (real sshd's on 127.0.0.2-$((n + 1))) x 3 steps, each a command changing the host (timed with $tool)"
row "" mean stddev "per host" "per step·host"
if [ -n "$r_mean" ]; then
  row "rbk run fleet.rbk" "$(bench_ms "$r_mean")" "$(bench_ms "$r_sd")" "$(per "$r_mean" "$n")" "$(per "$r_mean" "$steps")"
else
  printf '  %s\n' "$r_note"
fi
[ -n "$a_mean" ] &&
  row "ansible-playbook (forks $n, pipelining)" "$(bench_ms "$a_mean")" "$(bench_ms "$a_sd")" "$(per "$a_mean" "$n")" "$(per "$a_mean" "$steps")"
row "floor: xargs -P $n ssh, per step" "$(bench_ms "$f_mean")" "$(bench_ms "$f_sd")" "$(per "$f_mean" "$n")" "$(per "$f_mean" "$steps")"
row "floor, one connection a host" "$(bench_ms "$s_mean")" "$(bench_ms "$s_sd")" "$(per "$s_mean" "$n")" "$(per "$s_mean" "$steps")"
if [ -n "$r_mean" ]; then
  printf '  %-40s %s\n' "rbk overhead per host" "$(bench_ms "$(awk -v r="$r_mean" -v f="$f_mean" -v n="$n" 'BEGIN { printf "%.6f", (r - f) / n }')") (rbk minus the floor, over $n hosts)"
  if [ -n "$a_mean" ]; then
    ra=$(bench_div "$a_mean" "$r_mean")
    printf '  %-40s %s   (target >= 10: %s)\n' "time ratio ansible/rbk" "$ra" "$(awk -v x="$ra" 'BEGIN { print (x >= 10) ? "met" : "NOT met" }')"
  fi
  rf=$(bench_div "$r_mean" "$f_mean")
  printf '  %-40s %s   (target <= 1.5: %s)\n' "time ratio rbk/floor" "$rf" "$(awk -v x="$rf" 'BEGIN { print (x <= 1.5) ? "met" : "NOT met" }')"
  printf '  %-40s %s\n' "time ratio rbk/shared floor" "$(bench_div "$r_mean" "$s_mean")"
else
  [ -n "$a_mean" ] && printf '  %-40s %s, to the shared floor %s   (rbk/floor and ansible/rbk wait for fleet support)\n' \
    "time ratio ansible/floor" "$(bench_div "$a_mean" "$f_mean")" "$(bench_div "$a_mean" "$s_mean")"
fi
exit 0
