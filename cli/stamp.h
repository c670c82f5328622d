/*
** stamp.h -- `--timestamps`: every line rbk (and what it starts) writes to
** standard output and standard error begins with the UTC time, RFC 3339
** with milliseconds ("2026-12-03T07:14:54.494Z ").
*/
#ifndef RBK_STAMP_H
#define RBK_STAMP_H

/* stamp_start points standard output and standard error at pipes read by
** a child process, which writes each line to where they went before,
** stamped when its first byte arrives (a prompt without a newline is
** written at once). The child ignores INT, TERM, HUP and QUIT, holds no
** other descriptor of rbk's (locks, the event stream), and ends when both
** pipes close: at exit (an atexit handler closes them and waits for it)
** or when rbk is killed. Returns 0, or -1 with nothing changed. */
int stamp_start(void);

#endif
