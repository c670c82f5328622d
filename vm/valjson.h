/*
** valjson.h -- the JSON codec of run-time values, for the journal and
** everything that reads it back (base/json.h is the reader and printer).
**
** json_put_value / json_to_value round-trip every Value exactly:
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
**   map                  {"map":[[KEY,VALUE],...]}, KEY a string (as a
**                        string is), each once, in the map's order
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
#ifndef RBK_VALJSON_H
#define RBK_VALJSON_H

#include "../base/json.h"
#include "value.h"

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
