/*
** json.h -- a small, strict JSON reader (RFC 8259) and the JSON codec of
** run-time values, for the journal.
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
** The value codec (json_put_value / json_to_value) round-trips every Value
** exactly:
**   nil                  null
**   true, false          true, false
**   number               a JSON number, the shortest of 15, 16 or 17
**                        significant digits that reads back to the same
**                        double (-0 stays -0); NaN and infinities as
**                        {"num":"nan"}, {"num":"inf"}, {"num":"-inf"}
**   duration             {"dur":S}, S seconds written as a number is (so
**                        {"dur":"inf"} for an infinite one)
**   string               a JSON string when its bytes are valid UTF-8,
**                        else {"bytes":"<base64 of the bytes>"}
**   list                 an array of values
**   command result       {"rec":{"status":N,"duration":S,"out":STR,
**                        "err":STR,"timed_out":BOOL}}, STR as a string is
**   function             {"fn":INDEX}
**   pointer              {"ptr":"0x..."}; it reads back as a stale pointer
**                        (see val_ptr): the address meant something only
**                        to the process that wrote it
**   no value (undef)     {"undef":true}
** Any other object, or one of these with extra or missing keys, is refused
** by json_to_value, so nothing is silently dropped. A value written by
** json_put_value reads back unless lists are nested deeper than
** JSON_MAX_DEPTH minus the depth at which the caller embeds it; check with
** json_value_depth before journaling deep values.
*/
#ifndef RBK_JSON_H
#define RBK_JSON_H

#include <stddef.h>

#include "buf.h"
#include "value.h"

/* Objects and arrays nest at most this deep; deeper input is refused so
** that a hostile file cannot exhaust the C stack of the recursive reader. */
#define JSON_MAX_DEPTH 64

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

/* json_put_value appends v in the encoding described above. v is only
** read. */
void json_put_value(Buf *b, const Value *v);
/* json_put_value_masked is json_put_value with each string's text passed
** through m first (vm_mask: secrets masked before they are escaped, or
** written as base64 when they are not UTF-8). */
void json_put_value_masked(Buf *b, const Value *v, const ValMask *m);
/* json_to_value decodes j into *out (a new Value the caller owns). Returns
** 0, or -1 with a reason in err and *out nil. */
int json_to_value(const Json *j, Value *out, char *err, size_t errlen);
/* json_value_depth returns how deeply json_put_value's output for v
** nests arrays and objects (0 for a bare number or string). */
int json_value_depth(const Value *v);

#endif
