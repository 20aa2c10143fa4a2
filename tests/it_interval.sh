#!/bin/sh
# it_interval.sh — the screen's + / - reach a running remote probe at once,
# with no reconnect: a real sshd on 127.0.0.1, doptop in a real tmux
# recording what arrives (--record), and the frames' arrival times and
# sequence numbers read back from the recording.  Waits on conditions
# (frames in the recording, pane text), never sleeps blind.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/tmux.sh"
. "$HERE/lib/sshd.sh"
sshd_init || exit 1
trap 'tm kill-server 2>/dev/null; rm -rf "$T"; sshd_cleanup' EXIT INT TERM
sshd_start iv || exit 1
sshd_add_host node-iv "$SSHD_PORT"
CFG="$SSHD_DIR/ssh_config"
REC="$T/iv.rec"

# frames SINCE: the node's frames recorded at or after unix time SINCE, one
# "arrival seq" line each; a last line "seqs-contiguous yes|no" over the
# whole recording (a reconnect starts the probe's sequence again at 1)
frames() {
	python3 "$HERE/lib/rec2text.py" "$REC" 2>/dev/null | python3 -c '
import sys
since = float(sys.argv[1])
data = sys.stdin.buffer.read()
i, seqs, out = 0, [], []
while i < len(data):
    nl = data.find(b"\n", i)
    if nl < 0:
        break
    head = data[i:nl].split()
    if head[:1] == [b"#doptop-record"]:
        i = nl + 1
        continue
    if len(head) != 4:
        break
    n = int(head[3])
    body = data[nl + 1:nl + 1 + n]
    i = nl + 1 + n
    if head[0] != b"F" or len(body) < n:
        continue
    seq = int(body.split(b"\n", 1)[0].split()[2])
    seqs.append(seq)
    if float(head[2]) >= since:
        out.append("%s %d" % (head[2].decode(), seq))
print("\n".join(out))
ok = all(b == a + 1 for a, b in zip(seqs, seqs[1:]))
print("seqs-contiguous", "yes" if ok else "no")
' "$1"
}
# until_frames N SINCE SECS: until N frames since SINCE are recorded
until_frames() {
	_end=$(( $(date +%s) + $3 ))
	while [ "$(frames "$2" | grep -vc seqs)" -lt "$1" ]; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
	return 0
}
# gaps SINCE: the arrival gaps (s) between the frames since SINCE
gaps() {
	frames "$1" | grep -v seqs | awk 'NR > 1 { printf "%.2f ", $1 - p } { p = $1 }'
}

session 120 20 "TERM=screen-256color $BIN -F $CFG -i 5 -n node-iv --record $REC; echo EXIT=\$?; sleep 30"
wait_for '1 up' 20 || bad "node not up: $(cat "$T/pane")"
# streaming at 5 s: two frames recorded
until_frames 2 0 20 || bad "no two frames at 5 s: $(frames 0)"

# 1. shorter: 5 -> 2 -> 1 -> 0.5 s in one write; the probe takes 0.5 s at
# once (before, it kept 5 s until it reconnected: at most 2 frames in 8 s)
k1=$(date +%s.%N)
keys -l -- ---
wait_for 'every 0.5s' 5 && grep -q 'interval 0.5s' "$T/pane" && ! grep -q 'keep' "$T/pane" \
	&& ok "--- : the screen says 0.5 s, no node keeps another" || bad "---: $(head -n 1 "$T/pane"); $(tail -n 1 "$T/pane")"
if until_frames 8 "$k1" 8; then
	g=$(gaps "$k1")
	echo "gaps after 0.5 s: $g"
	echo "$g" | awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i < 0.25 || $i > 0.9) n++; exit n > 1 }' \
		&& ok "samples arrive every 0.5 s after the key" || bad "gaps after 0.5 s: $g"
else
	bad "the probe did not take 0.5 s: frames since the key: $(frames "$k1" | tr '\n' ' ')"
fi
first=$(frames "$k1" | head -n 1 | cut -d' ' -f1)
delay=$(awk -v a="$k1" -v b="${first:-0}" 'BEGIN { printf "%.2f", (b > 0 ? b - a : 99) }')
awk -v d="$delay" 'BEGIN { exit !(d < 2.0) }' \
	&& ok "the first sample at the new rate $delay s after the key (under 2 s)" || bad "first sample after the key at ${first:-none} (key $k1)"

# 2. longer: 0.5 -> 1 -> 2 -> 5 s; the next frames come 5 s apart and the
# node stays up (its stale mark follows the interval)
keys -l -- +++
wait_for 'every 5.0s' 5 || bad "+++: $(head -n 1 "$T/pane")"
k2=$(awk -v k="$(date +%s.%N)" 'BEGIN { printf "%.6f", k + 1.0 }')   # frames on the way pass
if until_frames 3 "$k2" 20; then
	g=$(gaps "$k2")
	echo "gaps after 5 s: $g"
	echo "$g" | awk '{ for (i = 1; i <= NF; i++) if ($i < 4.0 || $i > 6.5) exit 1 }' \
		&& ok "samples arrive every 5 s after the key" || bad "gaps after 5 s: $g"
else
	bad "no frames at 5 s: $(frames "$k2" | tr '\n' ' ')"
fi
grep -q '1 up' "$T/pane" && ! grep -q 'stale' "$T/pane" && ok "the node stays up" || bad "not up at 5 s: $(head -n 1 "$T/pane")"
frames 0 | grep -q 'seqs-contiguous yes' && ok "one probe throughout: no reconnect" \
	|| bad "the probe was restarted: $(frames 0 | tr '\n' ' ')"
keys q
wait_for 'EXIT=0' 5 || bad "q: $(cat "$T/pane")"

echo "it_interval: $fails failed"
[ "$fails" -eq 0 ]
