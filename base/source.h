/*
** source.h -- a runbook's text, where it came from, and how byte offsets
** map to lines and columns. Positions everywhere in rbk are byte offsets
** into Source.text; lines and columns are computed only for messages.
*/
#ifndef RBK_SOURCE_H
#define RBK_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* Sources are limited to 256 MiB so that offsets fit in 32 bits with room. */
#define SOURCE_MAX_BYTES (256u * 1024u * 1024u)

typedef struct Source {
  char *name;        /* as given by the user; "<stdin>" for "-" */
  char *text;        /* the bytes, followed by two NULs (flex needs them) */
  uint32_t len;      /* length without the NULs */
  uint32_t *lines;   /* offset of the start of each line, built on demand */
  uint32_t nlines;
} Source;

/* src_load reads path ("-" is stdin) into s. On failure it returns -1 and
** writes a one-line reason (without the file name) into err. It refuses
** directories, unreadable files, files over SOURCE_MAX_BYTES and files that
** look binary; a stray NUL or bad UTF-8 in an otherwise textual file is
** left for the lexer to report with its position. */
int src_load(Source *s, const char *path, char *err, size_t errlen);
/* src_from_string makes a source from memory (the REPL, tests). */
void src_from_string(Source *s, const char *name, const char *text, size_t len);
/* src_free releases the source's memory. */
void src_free(Source *s);
/* src_linecol maps offset to a 1-based line and a 1-based column counted
** in UTF-8 characters. */
void src_linecol(Source *s, uint32_t off, int *line, int *col);
/* src_line returns the start and length (without newline) of line (1-based). */
void src_line(Source *s, int line, uint32_t *start, uint32_t *len);

/* utf8_decode reads one UTF-8 sequence of at most n bytes at p; it returns
** its length (1-4) and stores the code point, or returns 0 if the bytes are
** not valid UTF-8 (overlong forms and surrogates included). */
int utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

#endif
