#!/bin/sh
# tests/screenshots.sh — screenshots/*.png from the recorded session
# tests/data/vmfleet.rec (a microVM fleet running the seed-shaped job, made
# by tests/vm/record.sh: `make record-vm`), run by `make screenshots`.
#
# Each shot: the recording is cut at AT seconds (guest 001 preempted and
# down, the job running on the others), replayed with --speed 0 (the
# screen then holds the last picture) in a tmux of COLSxROWS on its own
# socket; keys are sent; the pane is captured with colours (capture-pane
# -e), turned into HTML by aha, and rendered to PNG by headless Chromium.
# Exits 1 if a tool is missing or a shot is missing or blank.  Needs: tmux,
# aha, chromium, fonts-dejavu-core, python3, zstd, a UTF-8 locale (C.UTF-8);
# none of them is needed by `make test` (sh .ci/deps shots installs them).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DOPTOP_BIN:-$ROOT/doptop}
REC=${SHOTS_REC:-$ROOT/tests/data/vmfleet.rec}
OUT=${SCREENSHOTS_DIR:-$ROOT/screenshots}
AT=${SHOTS_AT:-58}   # seconds into the recording
CELL_PX=9        # one cell: DejaVu Sans Mono's advance is 0.60205 em, so
FONT_PX=14.95    # this size makes cells a whole 9 px (no seams in graphs)
LINE_PX=17
PAD=14

T=$(mktemp -d /tmp/doptop-shots.XXXXXX) || exit 1

tm() { tmux -S "$T/tmux.sock" -f /dev/null "$@"; }
# Stop our tmux server (by its socket) and remove the temp dir.
cleanup() {
	tm kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "screenshots: $*" >&2; exit 1; }

for tool in tmux aha chromium zstd; do
	command -v "$tool" >/dev/null || die "$tool missing (apt-get install -y $tool)"
done
fc-list 2>/dev/null | grep -q "DejaVu Sans Mono" ||
	die "font DejaVu Sans Mono missing (apt-get install -y fonts-dejavu-core)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || die "python3 missing"
[ -x "$BIN" ] || die "$BIN missing (make doptop)"
[ -f "$REC" ] || die "$REC missing (tests/make_recordings.sh)"
mkdir -p "$OUT" || die "cannot create $OUT"

# The recording up to AT seconds after its first record, whole records
# only, as text (record.h; tests/lib/rec2text.py unwraps the zstd container).
"$PY" "$ROOT/tests/lib/rec2text.py" "$REC" >"$T/all.rec" || die "cannot read $REC"
"$PY" - "$T/all.rec" "$AT" "$T/at.rec" <<'EOF' || die "cannot cut $REC"
import sys
src, at, dst = sys.argv[1], float(sys.argv[2]), sys.argv[3]
with open(src, "rb") as f, open(dst, "wb") as out:
    t0 = None
    while True:
        head = f.readline()
        if not head:
            break
        if head.startswith(b"#doptop-record "):
            out.write(head)
            continue
        p = head.split()
        if len(p) != 4:
            sys.exit("bad record header %r" % head[:60])
        t, body = float(p[2]), f.read(int(p[3]))
        t0 = t if t0 is None else t0
        if t - t0 > at:
            break
        out.write(head + body)
EOF

# A fresh tmux server (kill-server returns before the old one is gone).
session() {
	tm kill-server 2>/dev/null
	i=0
	while tm has-session 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
	tm new-session -d -s shot -x "$2" -y "$3" "$1" || die "cannot start tmux"
}

# Capture the pane (with colours) into $1 once it shows $2 and stops changing.
capture() {
	i=0 prev=""
	while [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
		tm capture-pane -e -N -p -t shot >"$1" 2>/dev/null || continue
		grep -q -- "$2" "$1" || continue
		cur=$(cksum <"$1")
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
	done
	die "pane never showed '$2' and settled: $(tm capture-pane -p -t shot 2>/dev/null | head -3)"
}

# Rewrite a capture's SGR sequences as one canonical sequence per change,
# reverse video resolved into explicit colours: aha drops reverse when a
# colour reset follows it (ncurses sends "7m" then "39m" "49m").  Swapped
# default colours become 30 (the page background) and 47 (the text colour).
cat >"$T/sgr.py" <<'EOF'
import re, sys
SGR = re.compile(r"\x1b\[([0-9;]*)m")
TO_BG = {"3": "4", "9": "10", "38;5;": "48;5;", "38;2;": "48;2;"}
TO_FG = {v: k for k, v in TO_BG.items()}

def apply(st, params):
    p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
    i = 0
    while i < len(p):
        c = p[i]
        if c == 0:
            st.update(bold=False, ul=False, rev=False, fg=None, bg=None)
        elif c in (1, 22):
            st["bold"] = c == 1
        elif c in (4, 24):
            st["ul"] = c == 4
        elif c in (7, 27):
            st["rev"] = c == 7
        elif 30 <= c <= 37 or 90 <= c <= 97:
            st["fg"] = (str(c // 10), str(c % 10))
        elif 40 <= c <= 47:
            st["bg"] = ("4", str(c - 40))
        elif 100 <= c <= 107:
            st["bg"] = ("10", str(c - 100))
        elif c in (39, 49):
            st["fg" if c == 39 else "bg"] = None
        elif c in (38, 48) and i + 2 < len(p) and p[i + 1] == 5:
            st["fg" if c == 38 else "bg"] = ("%d;5;" % c, str(p[i + 2]))
            i += 2
        elif c in (38, 48) and i + 4 < len(p) and p[i + 1] == 2:
            st["fg" if c == 38 else "bg"] = ("%d;2;" % c, "%d;%d;%d" % tuple(p[i + 2:i + 5]))
            i += 4
        i += 1

def canon(st):
    fg, bg = st["fg"], st["bg"]
    if st["rev"]:
        fg, bg = ((TO_FG[bg[0]], bg[1]) if bg else ("3", "0"),
                  (TO_BG[fg[0]], fg[1]) if fg else ("4", "7"))
    out = ["0"] + (["1"] if st["bold"] else []) + (["4"] if st["ul"] else [])
    out += ["".join(c) for c in (fg, bg) if c]
    return "\x1b[" + ";".join(out) + "m"

st = dict(bold=False, ul=False, rev=False, fg=None, bg=None)
shown = canon(st)
parts = SGR.split(sys.stdin.read())
out = [parts[0]]
for k in range(1, len(parts), 2):
    apply(st, parts[k])
    if canon(st) != shown:
        shown = canon(st)
        out.append(shown)
    out.append(parts[k + 1])
sys.stdout.write("".join(out))
EOF

# The page around aha's spans: a dark terminal palette close to htop's.
page() {
	cat <<HTML
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>doptop</title><style>
html, body { margin: 0; padding: 0; background: #15171c; overflow: hidden; }
pre { margin: 0; padding: ${PAD}px; color: #d4d4d4; background: #15171c;
      font-family: "DejaVu Sans Mono", monospace; font-size: ${FONT_PX}px;
      line-height: ${LINE_PX}px; white-space: pre; }
.bold { font-weight: bold; }
.underline { text-decoration: underline; }
.italic { font-style: italic; }
.highlighted { filter: none; }
.reset { color: #d4d4d4; } .bg-reset { background-color: #15171c; }
.inverted { color: #15171c; } .bg-inverted { background-color: #d4d4d4; }
.dimgray { color: #15171c; } .red { color: #e05252; } .green { color: #5fd75f; }
.yellow { color: #e5c34b; } .blue { color: #5f8fff; } .purple { color: #c678dd; }
.cyan { color: #4fc1d0; } .white { color: #d4d4d4; }
.highlighted.dimgray { color: #7a7f8a; } .highlighted.red { color: #ff7070; }
.highlighted.green { color: #8cf28c; } .highlighted.yellow { color: #ffe270; }
.highlighted.blue { color: #8aabff; } .highlighted.purple { color: #e29bff; }
.highlighted.cyan { color: #7fe6f2; } .highlighted.white { color: #ffffff; }
.bg-black { background-color: #000000; } .bg-red { background-color: #c94040; }
.bg-green { background-color: #5fd75f; } .bg-yellow { background-color: #e5c34b; }
.bg-blue { background-color: #3f6fd8; } .bg-purple { background-color: #a65fc0; }
.bg-cyan { background-color: #4fc1d0; } .bg-white { background-color: #d4d4d4; }
</style></head><body><pre>
HTML
	"$PY" "$T/sgr.py" <"$1" | aha --stylesheet --no-header 2>/dev/null
	printf '</pre></body></html>\n'
}

# Check a PNG: it exists, has the expected size and is not one flat colour
# (a flat 1400x300 PNG compresses to 2 KB; a screen of text to 50 KB or
# more).  A bad one is removed, so screenshots/ never keeps it.
check_png() {
	[ -s "$1" ] || die "$1 missing"
	dims=$(od -An -tu1 -j16 -N8 "$1" | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }')
	size=$(wc -c <"$1")
	[ "$dims" = "${W}x${H}" ] || { rm -f "$1"; die "$1 is $dims, want ${W}x${H}"; }
	[ "$size" -ge 20000 ] || { rm -f "$1"; die "$1 looks blank ($size bytes)"; }
}

# shot NAME COLS ROWS MARKER KEYS ENV ARGS: replay in a COLSxROWS tmux, send
# KEYS, wait for MARKER on the screen, capture, render to $OUT/NAME.png.
shot() {
	name=$1 cols=$2 rows=$3 marker=$4 keys=$5 envs=$6 args=$7
	W=$(( cols * CELL_PX + 2 * PAD ))
	H=$(( rows * LINE_PX + 2 * PAD ))
	session "env TERM=screen-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $envs $BIN --replay $T/at.rec --speed 0 $args; sleep 30" "$cols" "$rows"
	# keys are read once the replay reached its end; the first one also
	# makes the screen draw (with --speed 0 the last picture is drawn only
	# on the next input event)
	for k in $keys; do
		tm send-keys -t shot "$k"
		sleep 0.3
	done
	capture "$T/$name.ans" "$marker"
	page "$T/$name.ans" >"$T/$name.html"
	rm -f "$OUT/$name.png"
	timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --force-device-scale-factor=1 --user-data-dir="$T/chromium" \
		--screenshot="$OUT/$name.png" --window-size="$W,$H" "file://$T/$name.html" \
		>"$T/chromium.log" 2>&1 || die "chromium failed on $name: $(tail -3 "$T/chromium.log")"
	check_png "$OUT/$name.png"
	echo "screenshots: $OUT/$name.png ($(wc -c <"$OUT/$name.png") bytes)"
}

# (the selection exists once the table was drawn: Home first, then the
# keys; the detail view is guest 002's, the one reading its disk)
shot main   160 14 "adhoc-preemptible-003" "Home"                 "" ""
shot detail 160 40 "Why this verdict"      "Home Down Down Enter" "" ""
shot help    96 22 "this help"             "h"                    "" ""
shot mono   160 14 "adhoc-preemptible-003" "Home"                 "" "--theme mono"
