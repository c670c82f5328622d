#!/bin/sh
# deps.sh -- make sure what rbk needs is installed (Debian).
# Usage: ./deps.sh build|run|test|bench|fuzz
#   build  the compiler toolchain and libraries rbk links with
#   run    build, plus what `make run` drives (the portal sandbox)
#   test   build, plus what the test suite drives (tmux, jq, sqlite3, ...)
#   bench  build, plus the peers rbk is compared with (lua5.4, ansible)
# As root, missing packages are installed with apt-get. Otherwise the
# exact command to run is printed and the script fails.
set -eu

want=${1:-build}
missing=""

need_cmd() {   # need_cmd COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need_header() {   # need_header HEADER PACKAGE
  printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1 || missing="$missing $2"
}

need_cmd cc gcc
need_cmd make make
need_cmd flex flex
need_cmd bison bison
need_cmd pkg-config pkg-config
need_header ffi.h libffi-dev
need_header readline/readline.h libreadline-dev
need_header openssl/sha.h libssl-dev
need_header sqlite3.h libsqlite3-dev
need_header curl/curl.h libcurl4-openssl-dev   # http() and the webhook and e-mail notifiers (run/netclient.c)
need_header yaml.h libyaml-dev   # --param-file (base/paramfile.c)
need_cmd ssh-keygen openssh-client   # signed approvals: rbk approve calls ssh-keygen -Y sign/verify (run/signing.c)

case "$want" in
  build) ;;
  run)
    need_cmd sqlite3 sqlite3     # the sandbox's database (examples/portal)
    need_cmd python3 python3     # its application server
    need_cmd curl curl           # examples/portal/setup and bin/fingerprint
    need_cmd jq jq               # examples/portal/drive reads rbk status --format json
    ;;
  test|fuzz)
    need_cmd sqlite3 sqlite3
    need_cmd tmux tmux
    need_cmd jq jq
    need_cmd python3 python3
    need_cmd curl curl           # tests/e2e/stdlib_http.sh waits for its server with it
    need_cmd script bsdutils     # tests/e2e/watch.sh answers rbk watch at a terminal
    # the e-mail notifier's tests run an SMTP server (tests/e2e/notify_channels.sh)
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing="$missing python3-aiosmtpd"
    need_cmd strace strace       # tests/e2e/journal_faults.sh injects write and fdatasync failures
    need_cmd git git
    [ -x /usr/sbin/sshd ] || missing="$missing openssh-server"   # tests/e2e/sshd.bash: real sshd's on loopback (not on a non-root PATH)
    need_cmd ssh openssh-client
    need_cmd clang clang
    need_cmd dot graphviz
    # man pages, shell completion and editor files (tests/e2e/{man,completion,editors}*.sh)
    need_cmd man man-db
    need_cmd groff groff-base
    need_cmd zsh zsh
    need_cmd node nodejs
    need_cmd npm npm
    # a Vim with syntax highlighting (vim-tiny has none)
    vim --version 2>/dev/null | grep -q '+syntax' || missing="$missing vim"
    # the HTML of rbk plan and rbk report is loaded in a real browser
    need_cmd chromium chromium
    # libFuzzer's runtime comes with clang's compiler-rt
    [ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] ||
      missing="$missing libclang-rt-dev"
    ;;
  bench)
    need_cmd lua5.4 lua5.4
    need_cmd luac5.4 lua5.4
    need_cmd ansible-playbook ansible
    need_cmd sqlite3 sqlite3
    need_cmd python3 python3     # bench/gen_check.py writes the inputs
    [ -x /usr/sbin/sshd ] || missing="$missing openssh-server"   # bench/fleet.bench.sh: 20 real sshd's
    need_cmd ssh openssh-client
    # peak memory comes from GNU time (a shell's `time` keyword cannot say)
    [ -x /usr/bin/time ] || missing="$missing time"
    ;;
  *) echo "usage: $0 build|run|test|bench|fuzz" >&2; exit 2 ;;
esac

[ -z "$missing" ] && exit 0
# one package may be wanted for several reasons; list it once
pkgs=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: installing: $pkgs" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $pkgs >&2
else
  echo "deps.sh: missing packages; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y $pkgs" >&2
  exit 1
fi
