#!/bin/sh
# it_record.sh — --record then --replay: the same frames through the same
# parser and model give identical --json; broken files give clear errors.
set -u
BIN=${DOPTOP_BIN:-./build/dbg/doptop}
T=$(mktemp -d /tmp/doptop-rec.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }

"$BIN" --record "$T/r.rec" --json -i 0.3 -c 6 >"$T/live.json" 2>"$T/err" || bad "record run: $(cat "$T/err")"
[ "$(head -n 1 "$T/r.rec")" = "#doptop-zst 1" ] && ok "compressed container" || bad "container magic"
[ "$(stat -c %a "$T/r.rec")" = 600 ] && ok "created with mode 0600" || bad "mode $(stat -c %a "$T/r.rec")"

"$BIN" --replay "$T/r.rec" --speed 0 --json >"$T/a.json" 2>"$T/err" || bad "replay: $(cat "$T/err")"
"$BIN" --replay "$T/r.rec" --speed 0 --json >"$T/b.json" 2>&1
cmp -s "$T/a.json" "$T/b.json" && ok "replay is deterministic" || bad "replay is deterministic"
cmp -s "$T/live.json" "$T/a.json" && ok "replay --json == live --json" || { bad "replay == live"; diff "$T/live.json" "$T/a.json" | head -5; }
[ "$(grep -c '"type":"node"' "$T/a.json")" -eq 6 ] && ok "6 intervals replayed" || bad "6 intervals replayed"

# --speed 1 takes at least as long as the recording spans, and not much
# more than that plus what a --speed 0 run (timed in the same go: starting
# and reading on this machine right now) takes
span=$(python3 "$(dirname "$0")/lib/rec2text.py" "$T/r.rec" |
	awk '/^F / { if (first == "") first = $3; last = $3 } END { print last - first }')
s=$(date +%s.%N); "$BIN" --replay "$T/r.rec" --speed 0 --json >/dev/null 2>&1; e0=$(date +%s.%N)
"$BIN" --replay "$T/r.rec" --json >/dev/null 2>&1; e1=$(date +%s.%N)
python3 -c "import sys; d0=$e0-$s; d1=$e1-$e0; print('  span %.2f s: --speed 0 %.2f s, --speed 1 %.2f s' % ($span, d0, d1)); sys.exit(0 if 0.9 * $span <= d1 and d1 - d0 <= $span + 1.5 else 1)" &&
	ok "--speed 1 paces the replay" || bad "--speed 1 pacing"

# a kill loses at most the last frame: a truncated file still replays
size=$(wc -c <"$T/r.rec")
head -c $((size - 100)) "$T/r.rec" >"$T/trunc.rec"
"$BIN" --replay "$T/trunc.rec" --speed 0 --json >"$T/t.json" 2>"$T/err"
[ $? -eq 0 ] && [ "$(grep -c '"type":"node"' "$T/t.json")" -ge 4 ] && ok "truncated recording replays" || bad "truncated: $(cat "$T/err")"

# garbage file, missing file, huge declared length, --nodes with --replay
printf 'not a recording\n' >"$T/garbage.rec"
"$BIN" --replay "$T/garbage.rec" --json >/dev/null 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "cannot replay" "$T/err" && ok "garbage file: $(cat "$T/err")" || bad "garbage file rc=$rc $(cat "$T/err")"
"$BIN" --replay "$T/none.rec" --json >/dev/null 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "cannot replay" "$T/err" && ok "missing file" || bad "missing file"
V1='#doptop-record 1 version=0.1.0 interval=0.300000 nodes=local'
{ echo "$V1"; printf 'F 0 1.0 999999999999\nxxxx\n'; } >"$T/huge.rec"
"$BIN" --replay "$T/huge.rec" --speed 0 --json >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "corrupt" "$T/err" && ok "huge record length" || bad "huge record length rc=$rc $(cat "$T/err")"
"$BIN" --replay "$T/r.rec" -n local --json >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && ok "--replay with --nodes refused" || bad "--replay with --nodes rc=$rc"
# a frame with an escape sequence inside a recording: error state, no crash
{ echo "$V1"; f=$(printf '@@DOPTOP 1 1 5.0 bash\n%%stat\ncpu  1 2 3 4 5 6 7 8\n\033[2J\n@@END 1\n'); printf 'F 0 5.0 %d\n%s\n' $(( ${#f} + 1 )) "$f"; } >"$T/esc.rec"
"$BIN" --replay "$T/esc.rec" --speed 0 --json >"$T/e.json" 2>"$T/err"
grep -q "$(printf '\033')" "$T/e.json" && bad "escape reached output" || ok "escape sequence never reaches output"

# --record never follows a planted link, never truncates: it appends to a
# recording of the same nodes and interval, refuses anything else
ln -s "$T/victim" "$T/link.rec"
"$BIN" --record "$T/link.rec" --json -i 0.3 -c 1 >/dev/null 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && [ ! -e "$T/victim" ] && grep -q "symbolic link" "$T/err" && ok "planted symlink refused" || bad "symlink rc=$rc $(cat "$T/err")"
echo precious >"$T/victim"; ln -sf "$T/victim" "$T/link.rec"
"$BIN" --record "$T/link.rec" --json -i 0.3 -c 1 >/dev/null 2>&1
[ "$(cat "$T/victim")" = precious ] && ok "link target untouched" || bad "link target overwritten"
"$BIN" --record "$T/r.rec" --json -i 0.3 -c 3 >"$T/live2.json" 2>"$T/err" || bad "append run: $(cat "$T/err")"
"$BIN" --replay "$T/r.rec" --speed 0 --json >"$T/ap.json" 2>"$T/err"
n=$(grep -c '"type":"node"' "$T/ap.json")
[ "$n" -ge 9 ] && [ "$(head -n 12 "$T/ap.json")" = "$(head -n 12 "$T/a.json")" ] && ok "second run appended ($n intervals)" || bad "append: $n intervals $(cat "$T/err")"
"$BIN" --record "$T/r.rec" --json -i 0.5 -c 1 >/dev/null 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "another interval" "$T/err" && ok "append with another interval refused" || bad "interval mismatch rc=$rc"
printf 'notes\n' >"$T/notes.txt"
"$BIN" --record "$T/notes.txt" --json -i 0.3 -c 1 >/dev/null 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && [ "$(cat "$T/notes.txt")" = notes ] && ok "other file neither truncated nor appended to" || bad "notes.txt rc=$rc"
mkfifo "$T/fifo"
"$BIN" --record "$T/fifo" --json -i 0.3 -c 1 >/dev/null 2>"$T/err"; rc=$?
[ $rc -ne 0 ] && grep -q "regular file" "$T/err" && ok "fifo refused without blocking" || bad "fifo rc=$rc"
for v in 10 1k 0 -5M 12Q 2G; do
	"$BIN" --record "$T/m.rec" --record-max "$v" --json -i 0.3 -c 1 >/dev/null 2>"$T/err"; rc=$?
	case $v in 2G) want=0 ;; *) want=2 ;; esac
	[ $rc -eq $want ] || bad "--record-max $v rc=$rc (want $want)"
	rm -f "$T/m.rec"
done
"$BIN" --record-max 5M --json -c 1 >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "--record-max values checked, needs --record" || bad "--record-max without --record rc=$rc"

# old uncompressed recordings, their .gz and standard input replay alike
D="$(cd "$(dirname "$0")" && pwd)/data/fleet.rec.gz"
"$BIN" --replay "$D" --speed 0 --json >"$T/gz.json" 2>"$T/err"; rc=$?
gzip -dc "$D" >"$T/fleet.rec"
"$BIN" --replay "$T/fleet.rec" --speed 0 --json >"$T/plain.json" 2>&1
gzip -dc "$D" | "$BIN" --replay - --speed 0 --json >"$T/stdin.json" 2>&1
[ $rc -eq 0 ] && [ -s "$T/gz.json" ] && cmp -s "$T/gz.json" "$T/plain.json" && cmp -s "$T/gz.json" "$T/stdin.json" &&
	ok "format-1 file, its .gz and '-' replay the same ($(grep -c '"type":"cluster"' "$T/gz.json") intervals)" || bad "gz/stdin replay rc=$rc $(cat "$T/err")"

# a recording that holds only its header (doptop killed before the first
# frame) ends at once, with or without pacing, and shows nothing
printf '#doptop-record 2 version=0.1.0 interval=1.000000 nodes=a,b ticks=1\n' >"$T/hdr.rec"
for sp in 0 1; do
	timeout 10 "$BIN" --replay "$T/hdr.rec" --speed $sp --json >"$T/hdr.json" 2>"$T/err"; rc=$?
	[ $rc -eq 0 ] && [ ! -s "$T/hdr.json" ] && ok "header-only recording ends (--speed $sp)" ||
		bad "header-only recording --speed $sp: rc=$rc $(cat "$T/err")"
done

echo "it_record: $fails failed"
[ "$fails" -eq 0 ]
