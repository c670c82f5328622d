/* base/utctime.h -- the current UTC time as text, one format for every
** record and line that carries a time: "YYYY-MM-DDTHH:MM:SS.mmmZ". */
#ifndef RBK_UTCTIME_H
#define RBK_UTCTIME_H

/* Room for the text and its NUL, with a margin. */
#define UTC_STAMP_MAX 64

/* utc_now writes the current UTC time with milliseconds (RFC 3339, always
** 24 characters). A clock outside the years 0000-9999 gives
** 1970-01-01T00:00:00.000Z. */
void utc_now(char out[UTC_STAMP_MAX]);

#endif
