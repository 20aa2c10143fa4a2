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
head -n 1 "$T/r.rec" | grep -q '^#doptop-record 1 version=.* nodes=local' && ok "header names version and nodes" || bad "header"
[ "$(grep -c '^F 0 ' "$T/r.rec")" -ge 6 ] && ok "frames recorded" || bad "frames recorded"

"$BIN" --replay "$T/r.rec" --speed 0 --json >"$T/a.json" 2>"$T/err" || bad "replay: $(cat "$T/err")"
"$BIN" --replay "$T/r.rec" --speed 0 --json >"$T/b.json" 2>&1
cmp -s "$T/a.json" "$T/b.json" && ok "replay is deterministic" || bad "replay is deterministic"
cmp -s "$T/live.json" "$T/a.json" && ok "replay --json == live --json" || { bad "replay == live"; diff "$T/live.json" "$T/a.json" | head -5; }
[ "$(grep -c '"type":"node"' "$T/a.json")" -eq 6 ] && ok "6 intervals replayed" || bad "6 intervals replayed"

# --speed 1 takes about as long as the recording spans; --speed 0 does not
# (the --speed 0 run, timed in the same go, is the baseline: what starting
# and reading cost on this machine right now)
span=$(awk '/^F / { if (first == "") first = $3; last = $3 } END { print last - first }' "$T/r.rec")
s=$(date +%s.%N); "$BIN" --replay "$T/r.rec" --speed 0 --json >/dev/null 2>&1; e0=$(date +%s.%N)
"$BIN" --replay "$T/r.rec" --json >/dev/null 2>&1; e1=$(date +%s.%N)
python3 -c "import sys; d0=$e0-$s; d1=$e1-$e0; print('  span %.2f s: --speed 0 %.2f s, --speed 1 %.2f s' % ($span, d0, d1)); sys.exit(0 if 0.9 * $span <= d1 - d0 <= $span + 1.5 else 1)" &&
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
{ head -n 1 "$T/r.rec"; printf 'F 0 1.0 999999999999\nxxxx\n'; } >"$T/huge.rec"
"$BIN" --replay "$T/huge.rec" --speed 0 --json >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "corrupt" "$T/err" && ok "huge record length" || bad "huge record length rc=$rc $(cat "$T/err")"
"$BIN" --replay "$T/r.rec" -n local --json >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && ok "--replay with --nodes refused" || bad "--replay with --nodes rc=$rc"
# a frame with an escape sequence inside a recording: error state, no crash
{ head -n 1 "$T/r.rec"; f=$(printf '@@DOPTOP 1 1 5.0 bash\n%%stat\ncpu  1 2 3 4 5 6 7 8\n\033[2J\n@@END 1\n'); printf 'F 0 5.0 %d\n%s\n' $(( ${#f} + 1 )) "$f"; } >"$T/esc.rec"
"$BIN" --replay "$T/esc.rec" --speed 0 --json >"$T/e.json" 2>"$T/err"
grep -q "$(printf '\033')" "$T/e.json" && bad "escape reached output" || ok "escape sequence never reaches output"

echo "it_record: $fails failed"
[ "$fails" -eq 0 ]
