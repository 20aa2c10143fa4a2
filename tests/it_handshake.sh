#!/bin/sh
# it_handshake.sh — quitting while a node's server is frozen in the middle
# of the key exchange leaves nothing behind (LeakSanitizer clean, exit 0).
#
# A real sshd on 127.0.0.1 behind a small TCP relay that passes the
# server's banner and its first packet (KEXINIT), then holds every further
# server byte, as a server stopped with SIGSTOP right after it would.  The
# relay parses the client's packets and says when doptop has sent its
# KEX_ECDH_INIT (message 30): doptop is then waiting for the server's
# reply with its key pair made, the moment libssh2 1.10 forgot to free
# that pair when the session was freed (64 bytes a node; src/ssh_mem.h).
# A SIGSTOP of the real sshd cannot be timed to that moment; the relay can.
# Then SIGTERM (what q does: the same teardown), and again with two nodes.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/sshd.sh"
sshd_init || exit 1
T="$SSHD_DIR"
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
sshd_start hs || exit 1
REAL=$SSHD_PORT

cat > "$T/relay.py" <<'PY'
import select, socket, sys
# relay.py PORT TARGET STATUS: one connection; server bytes up to the end
# of its first binary packet pass, the rest is held; client bytes all pass
# and their message types are written to STATUS as they are seen.
port, target, status = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(1)
open(status, "w").write("listening\n")
c, _ = ls.accept()
s = socket.create_connection(("127.0.0.1", target))
sbuf, cbuf, held = b"", b"", False
seen = []
def first_packet_end(b):
    """Bytes up to the end of the banner line and one packet, or None."""
    i = b.find(b"\n")
    if i < 0 or len(b) < i + 5:
        return None
    end = i + 1 + 4 + int.from_bytes(b[i + 1:i + 5], "big")
    return end if len(b) >= end else None
while True:
    r, _, _ = select.select([c] if held else [c, s], [], [])
    if c in r:
        d = c.recv(65536)
        if not d:
            break
        s.sendall(d)
        cbuf += d
        # the client's packets are in the clear until NEWKEYS, which the
        # held server never lets it reach
        i = cbuf.find(b"\n")
        p = i + 1 if i >= 0 else len(cbuf)
        types = []
        while i >= 0 and len(cbuf) >= p + 6:
            n = int.from_bytes(cbuf[p:p + 4], "big")
            types.append(cbuf[p + 5])
            p += 4 + n
        if types != seen:
            seen = types
            open(status, "w").write("client %s\n" % " ".join(map(str, types)))
    if not held and s in r:
        d = s.recv(65536)
        if not d:
            break
        sbuf += d
        end = first_packet_end(sbuf)
        if end is not None:
            c.sendall(d[:len(d) - (len(sbuf) - end)])
            held = True
        else:
            c.sendall(d)
PY

# Run doptop on $1 relayed nodes; wait for every relay to report the
# client's KEX_ECDH_INIT; SIGTERM; judge exit status and LeakSanitizer.
quit_mid_kex() {
	n=$1
	: > "$T/ssh_config"
	: > "$T/known_hosts"
	relays="" nodes=""
	i=0
	while [ $i -lt "$n" ]; do
		port=$(sshd_free_port)
		python3 "$T/relay.py" "$port" "$REAL" "$T/relay$i" &
		relays="$relays $!"
		sshd_add_host "hs$i" "$port" "ConnectTimeout 60"
		nodes="$nodes${nodes:+,}hs$i"
		end=$(( $(date +%s) + 10 ))
		until grep -q listening "$T/relay$i" 2>/dev/null || [ "$(date +%s)" -ge $end ]; do
			sleep 0.05
		done
		i=$((i + 1))
	done
	ASAN_OPTIONS=detect_leaks=1 "$BIN" -F "$T/ssh_config" -n "$nodes" --json -i 0.5 \
		> "$T/out" 2> "$T/err" &
	dp=$!
	end=$(( $(date +%s) + 60 ))
	i=0
	while [ $i -lt "$n" ] && [ "$(date +%s)" -lt $end ]; do
		if grep -qw 30 "$T/relay$i" 2>/dev/null; then
			i=$((i + 1))
		else
			sleep 0.05
		fi
	done
	if [ $i -lt "$n" ]; then
		bad "$n node(s): doptop never sent KEX_ECDH_INIT through relay $i ($(cat "$T/relay$i"))"
		kill $dp $relays 2>/dev/null
		wait $dp 2>/dev/null
		return
	fi
	kill -TERM $dp
	wait $dp
	rc=$?
	kill $relays 2>/dev/null
	for r in $relays; do wait "$r" 2>/dev/null; done
	if [ $rc -eq 0 ] && ! grep -q 'LeakSanitizer\|ERROR: AddressSanitizer' "$T/err"; then
		ok "$n node(s) frozen mid key exchange: SIGTERM exits 0, nothing leaked"
	else
		bad "$n node(s) frozen mid key exchange: exit $rc, $(grep -m1 SUMMARY "$T/err")"
		grep -A4 'leak of' "$T/err" | head -20
	fi
}

quit_mid_kex 1
quit_mid_kex 2
echo "it_handshake: $fails failed"
[ "$fails" -eq 0 ]
