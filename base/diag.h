/*
** diag.h -- diagnostics: errors, warnings and notes tied to a span of a
** source, rendered as "file:line:col: error: message", the source line, a
** caret and underline, and an optional hint; or as JSON for machines.
** A Diags list owns its messages; the Sources it points to must outlive it.
*/
#ifndef RBK_DIAG_H
#define RBK_DIAG_H

#include <stdint.h>
#include <stdio.h>

#include "source.h"

typedef enum Severity { SEV_ERROR, SEV_WARNING, SEV_NOTE } Severity;

typedef struct Diag {
  Severity sev;
  const char *code;   /* stable identifier, e.g. "syntax", "unknown-role" (static string) */
  Source *src;        /* NULL for a diagnostic about a whole file with no text */
  const char *file;   /* file name when src is NULL */
  uint32_t pos, end;  /* byte span in src; end >= pos */
  char *msg;          /* owned */
  char *hint;         /* owned, or NULL */
} Diag;

/* Reporting stops after DIAG_MAX_ERRORS errors in one list ("too many errors"). */
#define DIAG_MAX_ERRORS 25

typedef struct Diags {
  Diag *v;
  size_t n, cap;
  int errors, warnings;
  int truncated;      /* 1 once DIAG_MAX_ERRORS was reached and later errors dropped */
} Diags;

/* diag_init prepares an empty list. */
void diag_init(Diags *d);
/* diag_free releases every message. */
void diag_free(Diags *d);
/* diag_add records a diagnostic and returns it (NULL if dropped by the limit). */
Diag *diag_add(Diags *d, Severity sev, const char *code, Source *src, uint32_t pos,
               uint32_t end, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 7, 8)))
#endif
  ;
/* diag_file records a diagnostic about a whole file (cannot open, binary, ...). */
void diag_file(Diags *d, Severity sev, const char *code, const char *file, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 5, 6)))
#endif
  ;
/* diag_hint attaches a hint to dg (which may be NULL, then it does nothing). */
void diag_hint(Diag *dg, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
/* diag_sort orders entries [from, n) by position, keeping the order of
** ties; callers pass the index where one file's diagnostics begin. */
void diag_sort(Diags *d, size_t from);
/* diag_print_text renders every diagnostic to f; color adds ANSI colours. */
void diag_print_text(const Diags *d, FILE *f, int color);
/* diag_render_one renders one diagnostic to f. */
void diag_render_one(const Diag *dg, FILE *f, int color);
/* diag_print_json renders the list as one JSON object (docs/json.md,
** "check"): format_version, files (nfiles), errors, warnings, truncated,
** and findings, each with file, line, column, end_line, end_column,
** severity, rule, message and hint. */
void diag_print_json(const Diags *d, int nfiles, FILE *f);
/* diag_use_color says whether output to f should be coloured: f is a
** terminal, NO_COLOR is unset or empty, and TERM is not "dumb". */
int diag_use_color(FILE *f);

#endif
