# tests/e2e/browser.bash -- load an HTML file in a real headless Chromium
# and print its DOM. Source it after lib.bash. Chromium is installed by
# deps.sh (the `test` set) when missing; as root in CI it runs only with
# --no-sandbox. Each call gets its own profile directory, so scripts can
# run side by side.

# need_chromium: make sure chromium is installed (deps.sh installs it as
# root, else says how); returns 1 if it still is not there.
need_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  (cd "$RBK_TOP" && ./deps.sh test) >&2 || true
  command -v chromium >/dev/null 2>&1
}

# dump_dom FILE PROFILE_DIR: print the DOM Chromium builds from FILE.
dump_dom() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$2" --dump-dom "file://$1" 2>/dev/null
}

# screenshot FILE PNG PROFILE_DIR [WIDTH,HEIGHT]: render FILE in headless
# Chromium at that window size (default 1280,1600) and save a PNG of it.
screenshot() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --hide-scrollbars --user-data-dir="$3" --window-size="${4:-1280,1600}" --screenshot="$2" "file://$1" \
    >/dev/null 2>&1
}

# png_stats PNG: decode an 8-bit RGB or RGBA PNG (zlib and the five row
# filters, in Python's standard library only) and print
#   WIDTH HEIGHT COLOURS INK_PERCENT BANDS
# COLOURS is the number of distinct colours; INK_PERCENT the share of
# pixels that differ from the most common one (the background); BANDS how
# many of ten horizontal bands hold any ink. A blank render prints 1 colour.
png_stats() {
  python3 - "$1" <<'PY'
import struct, sys, zlib
from collections import Counter
data = open(sys.argv[1], 'rb').read()
if data[:8] != b'\x89PNG\r\n\x1a\n':
    print('not a PNG'); sys.exit(1)
pos, idat, hdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR': hdr = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT': idat += body
    pos += 12 + n
w, h, depth, ctype = hdr[0], hdr[1], hdr[2], hdr[3]
if depth != 8 or ctype not in (2, 6):
    print('unsupported PNG: depth %d colour type %d' % (depth, ctype)); sys.exit(1)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    if f == 0:
        rows.append(bytes(line)); prev = line; continue
    if f == 2:   # up: the commonest filter in a page's render, done a row at a time
        line = bytearray((u + v) & 255 for u, v in zip(line, prev))
        rows.append(bytes(line)); prev = line; continue
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + ((a + b) >> 1)) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
count = Counter()
band_ink = [0] * 10
for y, r in enumerate(rows):
    count.update(r[x:x + 3] for x in range(0, stride, bpp))
bg, bgn = count.most_common(1)[0]
for y, r in enumerate(rows):
    if any(r[x:x + 3] != bg for x in range(0, stride, bpp * 4)):
        band_ink[y * 10 // h] += 1
ink = 100.0 * (w * h - bgn) / (w * h)
print(w, h, len(count), '%.1f' % ink, sum(1 for b in band_ink if b))
PY
}
