/* bench/floor.c -- the floor under `rbk run`'s steps: the least that any
** runner which makes a command's start durable before it spawns the
** command can do. For each of N commands it appends one 256-byte line to
** a journal file and calls fdatasync, then spawns PROGRAM (posix_spawn,
** no shell) and waits for it. No parsing, no output capture, no
** timeouts: what is left of rbk's time above this is rbk's own.
**
** Usage: floor JOURNAL N PROGRAM
** Built and run by bench/steps.bench.sh; not part of rbk. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  char line[256];
  char *args[2];
  long i, n;
  int fd;

  if (argc != 4 || (n = strtol(argv[2], NULL, 10)) <= 0) {
    fprintf(stderr, "usage: floor JOURNAL N PROGRAM\n");
    return 2;
  }
  fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  memset(line, 'x', sizeof line);
  line[sizeof line - 1] = '\n';
  args[0] = argv[3];
  args[1] = NULL;
  for (i = 0; i < n; i++) {
    pid_t pid;
    int st;
    if (write(fd, line, sizeof line) != (ssize_t)sizeof line || fdatasync(fd) != 0) {
      perror(argv[1]);
      return 1;
    }
    if (posix_spawn(&pid, argv[3], NULL, NULL, args, environ) != 0 || waitpid(pid, &st, 0) != pid ||
        !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "floor: %s failed\n", argv[3]);
      return 1;
    }
  }
  return close(fd) == 0 ? 0 : 1;
}
