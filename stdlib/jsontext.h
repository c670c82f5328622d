/*
** jsontext.h -- JSON text as rbk values and back, for json() and http()
** (not the journal's codec, which is vm/valjson.h: that one keeps every
** value exact; this one speaks the JSON other programs write).
**   null -> nil, true/false -> bool, number -> number, string -> string,
**   array -> list, object -> map (keys in their order)
** and back: a duration as its seconds, a command result as its stdout.
*/
#ifndef RBK_JSONTEXT_H
#define RBK_JSONTEXT_H

#include "../base/json.h"
#include "../vm/value.h"

/* jsontext_parse reads n bytes of JSON text at s into *out. Returns 0, or
** -1 with "<reason> at byte N" in err. */
int jsontext_parse(const char *s, size_t n, Value *out, char *err, size_t errlen);
/* jsontext_put appends v as JSON text. Returns 0, or -1 for a value JSON
** cannot hold (a function, a pointer), named in err. */
int jsontext_put(Buf *b, const Value *v, char *err, size_t errlen);

#endif
