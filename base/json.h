/*
** json.h -- a small, strict JSON reader (RFC 8259) and printer, for the
** journal, the .rbc checks and every --format json output.
**
** Reading: json_parse builds a tree of Json nodes that the caller owns and
** frees with json_free (json_parse_into adds more trees to its memory).
** Everything else borrows: the accessors return pointers into the tree,
** valid until json_free. Accessors accept NULL (and the wrong kind) and
** answer "absent", so lookups chain without checks:
** json_str(json_get(o, "type"), &n) is NULL when o is not an object, has
** no "type", or its "type" is not a string.
**
** The parser is strict, because the journal must never guess: it refuses
** trailing garbage, invalid escapes, lone surrogates, bytes that are not
** UTF-8, control characters inside strings, numbers without digits or with
** leading zeros, numbers too large for a double, duplicate keys in one
** object, and nesting deeper than JSON_MAX_DEPTH. Strings are decoded to
** UTF-8 (\u escapes included, surrogate pairs joined) and may hold NUL
** bytes; they are also NUL-terminated for convenience.
**
** The JSON codec of run-time values, on top of this, is vm/valjson.h.
*/
#ifndef RBK_JSON_H
#define RBK_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Objects and arrays nest at most this deep; deeper input is refused so
** that a hostile file cannot exhaust the C stack of the recursive reader. */
#define JSON_MAX_DEPTH 64

/* Every document rbk prints with --format json (check, lint, plan, status,
** runs, log, report) and the event stream's run_start say this number as
** "format_version" (docs/json.md, with a JSON Schema for each in docs/schema/). It
** goes up when a key is renamed or removed or changes meaning; new keys
** may appear without it. */
#define JSON_FORMAT_VERSION 1

typedef enum JsonKind {
  JSON_ABSENT,      /* what json_kind says of NULL: a missing key or index */
  JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ
} JsonKind;

typedef struct Json Json;

/* json_parse reads exactly one JSON value from n bytes at s (whitespace
** around it allowed, nothing else). It returns the tree, owned by the
** caller, or NULL with "<reason> at byte <offset>" in err (offset 0-based
** into s). s need not be NUL-terminated. */
Json *json_parse(const char *s, size_t n, char *err, size_t errlen);
/* json_free frees a tree returned by json_parse, with every tree that
** json_parse_into added to it; NULL is fine. For a tree from
** json_parse_into it does nothing. */
void json_free(Json *j);
/* json_parse_into reads like json_parse, but puts the new tree in the
** memory of tree (from json_parse or json_parse_into; NULL makes it
** json_parse): it lives until json_free of the tree from json_parse that
** the memory was made for, and frees with it. Many trees that are freed
** together (a journal's records) take less memory and time so than each
** from json_parse. */
Json *json_parse_into(Json *tree, const char *s, size_t n, char *err, size_t errlen);

/* json_kind returns the kind of j, JSON_ABSENT for NULL. */
JsonKind json_kind(const Json *j);
/* json_get returns the value of key in object obj, or NULL. */
Json *json_get(const Json *obj, const char *key);
/* json_str returns the bytes of a string (NUL-terminated; *len, when len
** is not NULL, gets the length, which counts any NULs inside), or NULL. */
const char *json_str(const Json *j, size_t *len);
/* json_num returns a number; *ok (may be NULL) is 1, or 0 and the result
** 0 when j is not a number. */
double json_num(const Json *j, int *ok);
/* json_bool returns 1 or 0 for true or false; *ok (may be NULL) is 0 and
** the result 0 when j is not a boolean. */
int json_bool(const Json *j, int *ok);
/* json_len returns the number of elements of an array or members of an
** object, 0 for anything else. */
size_t json_len(const Json *j);
/* json_at returns element i of an array, or the value of member i of an
** object (members keep their order in the text), or NULL. */
Json *json_at(const Json *j, size_t i);
/* json_key returns the key of member i of an object (NUL-terminated; *len
** as for json_str), or NULL. */
const char *json_key(const Json *obj, size_t i, size_t *len);

/* json_print appends j as compact JSON (no whitespace; numbers as
** json_put_num writes them). json_parse reads the result back to an equal
** tree, and printing that again gives the same bytes. */
void json_print(Buf *b, const Json *j);

/* json_put_num appends a finite d as the shortest JSON number that reads
** back to exactly d; NaN and infinities, which JSON cannot hold, as the
** strings "nan", "inf", "-inf". */
void json_put_num(Buf *b, double d);
/* json_put_str appends n bytes at s as a JSON string if they are valid
** UTF-8, else as {"bytes":"<base64>"}; json_to_bytes reads either back. */
void json_put_str(Buf *b, const char *s, size_t n);
/* json_to_bytes decodes what json_put_str wrote, appending the bytes to
** out. Returns 0, or -1 with a reason in err. */
int json_to_bytes(const Json *j, Buf *out, char *err, size_t errlen);

/* A member of an object as it stands in the text: the key's bytes
** between its quotes, and the value's text. */
typedef struct JsonSpan {
  const char *key;
  size_t klen;
  const char *val;
  size_t vlen;
} JsonSpan;

/* json_scan_object checks n bytes at s without building a tree. It
** returns 1 only when they are certainly one JSON object that json_parse
** accepts, and then puts where its first maxtop members are in top
** (*ntop of them). It returns 0 when the text is not valid or when it
** cannot tell cheaply (an escaped key, a \u surrogate, a number that
** might overflow, nesting deeper than 32, more than 64 keys open at once,
** bytes json_parse refuses...): json_parse then gives the verdict and
** the message. A fast path for text that is almost always valid. With
** keys (may be NULL) it also gives the top-level keys as a set of bits
** (json_key_bit of each), so that a key whose bit is clear is absent. */
int json_scan_object(const char *s, size_t n, JsonSpan *top, size_t maxtop, size_t *ntop, uint64_t *keys);
/* json_scan_rest is json_scan_object for an object whose first members
** the caller has checked itself (their text must be valid JSON; their keys
** are in pre[0..npre), for the duplicate check): it checks s[at..n), at
** being the ',' or '}' after them, and gives keys as json_scan_object
** does, pre's included. 1: certainly valid; 0: ask json_parse. */
int json_scan_rest(const char *s, size_t n, size_t at, const JsonSpan *pre, size_t npre, uint64_t *keys);
/* json_scan_rest_top is json_scan_rest that also puts where the first
** maxtop members after pre's are in top (*ntop of them), as
** json_scan_object does. */
int json_scan_rest_top(const char *s, size_t n, size_t at, const JsonSpan *pre, size_t npre, uint64_t *keys,
                       JsonSpan *top, size_t maxtop, size_t *ntop);
/* json_scan_rest_known is json_scan_rest_top for a caller that vouches
** for pre: its keys hold no backslash, and premask is their json_key_bit
** ORed together (so they are not looked at again for every text). */
int json_scan_rest_known(const char *s, size_t n, size_t at, const JsonSpan *pre, size_t npre, uint64_t premask,
                         uint64_t *keys, JsonSpan *top, size_t maxtop, size_t *ntop);
/* json_key_bit is the bit of n bytes at key in json_scan_object's keys. */
uint64_t json_key_bit(const char *key, size_t n);

/* json_member_raw finds the value of key among the members of the object
** that n bytes at text hold, which must be valid JSON (json_parse or
** json_scan_object said so); text may also begin at the ',' between two
** members (the search covers those after it) or the closing '}'. It returns 1 with the value's text in *val
** and *vlen, 0 if there is no such member, or -1 if a key before it is
** escaped (compare decoded keys with json_parse and json_get then). */
int json_member_raw(const char *text, size_t n, const char *key, const char **val, size_t *vlen);

/* json_utf8_valid says whether n bytes at s are valid UTF-8. */
int json_utf8_valid(const char *s, size_t n);

#endif
