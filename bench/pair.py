#!/usr/bin/env python3
"""bench/pair.py N A... -- B...

Runs command A, then command B, N times over (A B A B ...), each with its
output thrown away, and prints one line:

    WALL_RATIO CPU_RATIO A_WALL B_WALL

the medians of the pair ratios A/B of wall time and of CPU time (user plus
system, the child and what it waited for, from wait4), and the median wall
time of each command in seconds. Wall time is read with perf_counter
around posix_spawn and wait4, to the microsecond: GNU time's %e has only
hundredths of a second, which turns a 36 ms against 58 ms pair into 0.04
against 0.06. Exits 1, saying which, if either command fails.
"""
import os
import statistics
import sys
import time


def run_once(argv, devnull):
    t0 = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                        (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter()
    if status != 0:
        sys.stderr.write("bench: the command fails, not timing it: %s\n" % " ".join(argv))
        sys.exit(1)
    return t1 - t0, ru.ru_utime + ru.ru_stime


def main():
    args = sys.argv[1:]
    if len(args) < 4 or "--" not in args:
        sys.stderr.write("usage: pair.py N A... -- B...\n")
        return 2
    n = int(args[0])
    cut = args.index("--")
    a, b = args[1:cut], args[cut + 1:]
    if not a or not b or n < 1:
        sys.stderr.write("usage: pair.py N A... -- B...\n")
        return 2
    devnull = os.open(os.devnull, os.O_WRONLY)
    run_once(a, devnull)   # warm-up, and a failing command stops here
    run_once(b, devnull)
    walls, cpus, wa, wb = [], [], [], []
    for _ in range(n):
        ta, ca = run_once(a, devnull)
        tb, cb = run_once(b, devnull)
        walls.append(ta / tb if tb > 0 else 0.0)
        cpus.append(ca / cb if cb > 0 else 0.0)
        wa.append(ta)
        wb.append(tb)
    print("%.3f %.3f %.6f %.6f" % (statistics.median(walls), statistics.median(cpus),
                                   statistics.median(wa), statistics.median(wb)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
