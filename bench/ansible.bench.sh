#!/bin/bash
# bench/ansible.bench.sh RBK -- rbk next to the tool many teams use for
# runbooks today: a playbook of N tasks `command: /bin/true` run locally
# (connection local, no fact gathering) against a runbook of N steps
# `run "/bin/true"`, each journaled. Reported, never asserted.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rbk=${1:?usage: bench/ansible.bench.sh RBK_BINARY}
n=${BENCH_ANSIBLE_STEPS:-50}
if ! command -v ansible-playbook >/dev/null 2>&1; then
  echo "ansible: ansible-playbook is not installed (./deps.sh bench installs it); section skipped"
  exit 0
fi

{
  echo "runbook \"$n steps\" {"
  for i in $(seq 1 "$n"); do echo "  step s$i { run \"/bin/true\" }"; done
  echo '}'
} > "$BENCH_OUT/ansible-steps.rbk"
{
  echo '- hosts: localhost'
  echo '  connection: local'
  echo '  gather_facts: false'
  echo '  tasks:'
  for i in $(seq 1 "$n"); do
    echo "    - name: s$i"
    echo '      command: /bin/true'
  done
} > "$BENCH_OUT/steps.yml"

export RBK_STATE_DIR="$BENCH_OUT/ansible-state"; rm -rf "$RBK_STATE_DIR"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_NOCOLOR=1
BENCH_RUNS=${BENCH_ANSIBLE_RUNS:-3}
bench_time ansible-rbk "$rbk" run --new "$BENCH_OUT/ansible-steps.rbk" || exit 1
r_mean=$BT_MEAN r_sd=$BT_SD
bench_time ansible-playbook ansible-playbook -i localhost, "$BENCH_OUT/steps.yml" || exit 1
a_mean=$BT_MEAN a_sd=$BT_SD
ratio=$(bench_div "$a_mean" "$r_mean")
row() { printf '  %-34s %10s %10s %14s\n' "$@"; }
echo "ansible: $n steps of /bin/true, rbk (journaled) against ansible-playbook (local) (timed with $BT_TOOL)"
row "" mean stddev "per step"
row "rbk run ansible-steps.rbk" "$(bench_ms "$r_mean")" "$(bench_ms "$r_sd")" "$(bench_ms "$(bench_div "$r_mean" "$n" 6)")"
row "ansible-playbook steps.yml" "$(bench_ms "$a_mean")" "$(bench_ms "$a_sd")" "$(bench_ms "$(bench_div "$a_mean" "$n" 6)")"
printf '  %-34s %s\n' "time ratio ansible/rbk" "$ratio"
