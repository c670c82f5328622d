# roff.awk -- escaping for man pages, shared by usage.awk and markdown.awk.
# Run with LC_ALL=C: the text is handled as bytes, and UTF-8 sequences are
# written as groff's \[uXXXX] escapes, so the pages are plain ASCII.

# repl replaces every `from` in s by `to`, literally.
function repl(s, from, to,    out, i) {
  out = ""
  while ((i = index(s, from)) > 0) {
    out = out substr(s, 1, i - 1) to
    s = substr(s, i + length(from))
  }
  return out s
}

function byte(c,    i) {
  if (!roff_ord_ready) {
    for (i = 1; i < 256; i++) ROFF_ORD[sprintf("%c", i)] = i
    roff_ord_ready = 1
  }
  return ROFF_ORD[c] + 0
}

# esc makes s safe as roff text: backslashes, minus signs (so that options
# can be copied), and every non-ASCII character.
function esc(s,    out, i, n, c, b, k, cp, j) {
  out = ""
  n = length(s)
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    b = byte(c)
    if (c == "\\") out = out "\\e"
    else if (c == "-") out = out "\\-"
    else if (b < 128) out = out c
    else {
      if (b >= 240) { cp = b - 240; k = 3 }
      else if (b >= 224) { cp = b - 224; k = 2 }
      else if (b >= 192) { cp = b - 192; k = 1 }
      else continue   # a stray continuation byte
      for (j = 1; j <= k; j++) cp = cp * 64 + (byte(substr(s, i + j, 1)) - 128)
      i += k
      out = out sprintf("\\[u%04X]", cp)
    }
  }
  return out
}

# out prints one line of roff text; a leading . or ' would be a request.
function out(s) {
  if (s ~ /^[.']/) s = "\\&" s
  print s
}

function trim(s) {
  sub(/^[ \t]+/, "", s)
  sub(/[ \t]+$/, "", s)
  return s
}
