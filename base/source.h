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

/* One file of a bundle: a runbook and the files it imports, held as one
** text so that every position in rbk stays one offset (see src_parts). */
typedef struct SrcPart {
  char *name;        /* the file as it was found (part 0: Source.name) */
  uint32_t start, len;  /* its bytes in Source.text */
  uint32_t line0;    /* index in the line map of its first line */
} SrcPart;

typedef struct Source {
  char *name;        /* as given by the user; "<stdin>" for "-" */
  char *text;        /* the bytes, followed by two NULs (flex needs them) */
  uint32_t len;      /* length without the NULs */
  uint32_t *lines;   /* offset of the start of each line, built on demand */
  uint32_t nlines;
  SrcPart *parts;    /* a bundle's files, the runbook first; built on demand */
  uint32_t nparts;   /* 0: the text is one file */
  int parts_known;   /* 1 once the text was looked at for parts */
  uint32_t map_len;     /* 0: text is heap memory; else the bytes mapped (src_load_mapped) */
  uint32_t release_at;  /* 0, or the offset past which the lexer calls src_release_before */
  uint32_t released;    /* a mapped text's bytes given back so far */
  uint32_t populated;   /* and the end of those made rbk's own ahead of the lexer */
} Source;

/* A bundle is the runbook's text followed, for each imported file, by
** "\n" SRC_PART_MARK " LEN NAME\n" and that file's LEN bytes. It is what a
** runbook with imports compiles from, what a .rbc embeds and what a run
** keeps as its copy, so each of them compiles with no other file. */
#define SRC_PART_MARK "\x1erbk-import"

/* src_load reads path ("-" is stdin) into s. On failure it returns -1 and
** writes a one-line reason (without the file name) into err. It refuses
** directories, unreadable files, files over SOURCE_MAX_BYTES and files that
** look binary; a stray NUL or bad UTF-8 in an otherwise textual file is
** left for the lexer to report with its position. */
int src_load(Source *s, const char *path, char *err, size_t errlen);
/* src_load_mapped is src_load for a reader that only analyses the text
** (check, lint): a large regular file is mapped instead of copied, and
** src_release_before gives its pages back once they are parsed, so the
** text does not add to the peak memory beside the tree. A file cut short
** while it is mapped stops the process with SRC_SHRUNK_EXIT and a message
** naming it, never a crash. Smaller files, stdin and pipes are read. */
int src_load_mapped(Source *s, const char *path, char *err, size_t errlen);
/* The exit status of a mapped file cut short under rbk: EXIT_USAGE of
** run/exits.h (a file that cannot be read), which base/ cannot include;
** cli/cmd_check.c asserts that the two agree. */
#define SRC_SHRUNK_EXIT 2
/* src_release_before gives back to the kernel the pages of a mapped text
** that lie wholly before off (less a margin behind the lexer), and sets
** release_at to the next offset worth a call. They are read again from
** the file if touched (a message showing an early line). The last page,
** holding the two NULs, is kept. A text read into memory is left alone. */
void src_release_before(Source *s, uint32_t off);
/* src_from_string makes a source from memory (the REPL, tests). */
void src_from_string(Source *s, const char *name, const char *text, size_t len);
/* src_free releases the source's memory. */
void src_free(Source *s);
/* src_parts returns how many files s holds: 0 for a plain text, else the
** parts of a bundle (s->parts[0] is the runbook). A text that is no well
** formed bundle is a plain one. */
uint32_t src_parts(Source *s);
/* src_set_text makes text (len bytes and two NULs, from mem_alloc) the
** text of s in place of the old one, which it frees. */
void src_set_text(Source *s, char *text, uint32_t len);
/* src_part_at returns the index of the part holding off (0 for a plain text). */
uint32_t src_part_at(Source *s, uint32_t off);
/* src_name_at names the file that holds off: the part's, else s->name. */
const char *src_name_at(Source *s, uint32_t off);
/* src_linecol maps offset to a 1-based line and a 1-based column counted
** in UTF-8 characters; in a bundle, the line within the file holding it. */
void src_linecol(Source *s, uint32_t off, int *line, int *col);
/* src_line returns the start and length (without newline) of line (1-based). */
void src_line(Source *s, int line, uint32_t *start, uint32_t *len);
/* src_line_number returns the 1-based line of off in the whole text (a
** bundle's lines counted on from the runbook's first). */
int src_line_number(Source *s, uint32_t off);
/* src_line_at returns the start and length of the line holding off. */
void src_line_at(Source *s, uint32_t off, uint32_t *start, uint32_t *len);

/* utf8_decode reads one UTF-8 sequence of at most n bytes at p; it returns
** its length (1-4) and stores the code point, or returns 0 if the bytes are
** not valid UTF-8 (overlong forms and surrogates included). */
int utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

#endif
