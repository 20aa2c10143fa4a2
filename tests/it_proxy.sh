#!/bin/sh
# it_proxy.sh — ProxyJump and ProxyCommand against real sshds, where the
# target can only be reached through the jump host: the target sshd and a
# second jump sshd listen on 127.0.0.1 inside a network namespace made
# here; the first jump host is an sshd in that namespace too, reached from
# this machine's loopback through a one-line inetd (sshd -i per
# connection).  Also IdentityAgent, AddressFamily, and a long host-key
# message kept whole.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/sshd.sh"
if ! ip netns add "proxy-$$" 2>/dev/null; then
	echo "skip - cannot create a network namespace (not root?)"
	exit 0
fi
NS="proxy-$$"
LPID=""
proxy_cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	sshd_cleanup
	ip netns del "$NS" 2>/dev/null
}
sshd_init || { ip netns del "$NS"; exit 1; }
trap 'proxy_cleanup' EXIT
T="$SSHD_DIR"
CFG="$T/ssh_config"
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
ip -n "$NS" link set lo up || exit 1

SSHD_NETNS=$NS sshd_start tgt || exit 1
TP=$SSHD_PORT
SSHD_NETNS=$NS SSHD_FORWARDING=yes sshd_start jin || exit 1
JIP=$SSHD_PORT
JP=$(sshd_free_port)
python3 "$HERE/lib/inetd.py" "$JP" "$T/inetd.log" ip netns exec "$NS" \
	/usr/sbin/sshd -i -f "$T/sshd_jin.conf" > "$T/inetd.out" 2>&1 &
LPID=$!
i=0
until grep -q listening "$T/inetd.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "inetd did not start"; exit 1; }; sleep 0.05
done
sshd_start plain || exit 1
PP=$SSHD_PORT
DEAD=$(sshd_free_port)

sshd_add_host jump-out "$JP"
sshd_add_host jump-in "$JIP"
sshd_add_host jump-dead "$DEAD"
sshd_add_host target-direct "$TP"
for a in target-jump target-j1 target-j2 target-j3; do
	sshd_add_host "$a" "$TP" "ProxyJump jump-out"
done
sshd_add_host target-chain "$TP" "ProxyJump jump-out,jump-in"
sshd_add_host target-cmd "$TP" "ProxyCommand ssh -F $CFG -o BatchMode=yes -W %h:%p jump-out"
sshd_add_host target-badcmd "$TP" "ProxyCommand sh -c 'echo bastion says no >&2; exit 3'"
sshd_add_host target-deadjump "$TP" "ProxyJump jump-dead"
printf 'Host target-evilname\n\tHostName a;>pwned\n\tPort %s\n\tProxyCommand sh -c "cd %s && exec true %%h"\n' \
	"$TP" "$T" >> "$CFG"
sshd_add_host target-badkeyjump "$TP" "ProxyJump jump-badkey"
ssh-keygen -q -t ed25519 -N '' -C other -f "$T/other" || exit 1
printf '[127.0.0.1]:%s %s\n' "$JP" "$(cut -d' ' -f1,2 "$T/other.pub")" > "$T/kh_other"
printf 'Host jump-badkey\n\tHostName 127.0.0.1\n\tPort %s\n\tUser root\n\tIdentityFile %s/id_ed25519\n\tUserKnownHostsFile %s/kh_other\n' \
	"$JP" "$T" "$T" >> "$CFG"
sshd_add_host af-inet6 "$PP" "AddressFamily inet6"
sshd_add_host af-inet "$PP" "AddressFamily inet"
# agent-*: the agent's key only (the key file named does not exist)
for a in "agent-none none" "agent-path $T/agent.sock"; do
	set -- $a
	printf 'Host %s\n\tHostName 127.0.0.1\n\tPort %s\n\tUser root\n\tIdentityFile /nonexistent/key\n\tIdentityAgent %s\n\tUserKnownHostsFile %s/known_hosts\n' \
		"$1" "$PP" "$2" "$T" >> "$CFG"
done
# IdentitiesOnly: the agent's key is not among the files, so it is not offered
printf 'Host agent-only-files\n\tHostName 127.0.0.1\n\tPort %s\n\tUser root\n\tIdentityFile /nonexistent/key\n\tIdentitiesOnly yes\n\tUserKnownHostsFile %s/known_hosts\n' \
	"$PP" "$T" >> "$CFG"
LONG=$(printf 'n%.0s' $(seq 1 200)).example
printf 'Host longkey\n\tHostName 127.0.0.1\n\tPort %s\n\tUser root\n\tHostKeyAlias %s\n\tUserKnownHostsFile %s/kh_long\n' \
	"$PP" "$LONG" "$T" >> "$CFG"
printf '%s %s\n' "$LONG" "$(cut -d' ' -f1,2 "$T/other.pub")" > "$T/kh_long"
sshd_agent_start || exit 1

# Run doptop on $2 (JSON to $1) in the background; sets DPID.
start() {
	"$BIN" -F "$CFG" -n "$2" --json -i 0.5 -c 400 >"$1" 2>"$1.err" &
	DPID=$!
}
# Wait (up to $3 s) until the latest states of the JSON in $1 satisfy the
# python expression $2 over `s` (node -> state) and `w` (node -> why).
wait_for() {
	python3 - "$1" "$2" "${3:-20}" <<'PY'
import json, sys, time
path, expr, end = sys.argv[1], sys.argv[2], time.time() + float(sys.argv[3])
while True:
    s, w = {}, {}
    for l in open(path):
        if l.endswith("\n") and '"type":"node"' in l:
            d = json.loads(l)
            s[d["node"]], w[d["node"]] = d["state"], d["why"]
    if s and eval(expr):
        sys.exit(0)
    if time.time() > end:
        print("  states:", s, "\n  why:", w)
        sys.exit(1)
    time.sleep(0.2)
PY
}
stop() { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }

# 1. the target is out of reach from here; through the jump host it is up
start "$T/direct.json" target-direct
wait_for "$T/direct.json" 's["target-direct"] == "down" and "refused" in w["target-direct"]' \
	&& ok "target not reachable from this machine (connection refused)" \
	|| bad "target-direct should be refused"
stop
: > "$T/inetd.log"
start "$T/jump.json" target-jump,target-j1,target-j2,target-j3,target-chain
wait_for "$T/jump.json" 'all(v == "up" for v in s.values()) and len(s) == 5' 30 \
	&& ok "4 nodes through ProxyJump and one through a chain (jump-out,jump-in) are up" \
	|| bad "ProxyJump nodes not up"
n=$(grep -c accepted "$T/inetd.log")
[ "$n" = 1 ] && ok "one jump session shared by all 5 nodes behind it" \
	|| bad "jump host got $n connections for 5 nodes"
stop

# 2. ProxyCommand ssh -W: up, one process per connection, gone with doptop
start "$T/cmd.json" target-cmd
wait_for "$T/cmd.json" 's["target-cmd"] == "up"' 30 && ok "ProxyCommand ssh -W %h:%p is up" \
	|| bad "ProxyCommand node not up"
n=$(pgrep -f -- "-F $CFG -o BatchMode=yes -W 127.0.0.1:$TP" | wc -l)
[ "$n" = 1 ] && ok "one ProxyCommand process for the node" || bad "$n ProxyCommand processes"
stop
# the ProxyCommand ends with doptop: polled (it may take a moment to see
# its stdin close), 10 s bound a failure
i=0
while n=$(pgrep -f -- "-F $CFG -o BatchMode=yes -W 127.0.0.1:$TP" | wc -l) && [ "$n" != 0 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
[ "$n" = 0 ] && ok "the ProxyCommand ends with doptop" || bad "$n ProxyCommand processes left"

# 3. failures name their cause: the command's stderr, the jump host
start "$T/fail.json" target-badcmd,target-deadjump,target-badkeyjump,target-evilname
wait_for "$T/fail.json" '"bastion says no" in w.get("target-badcmd", "") and "status 3" in w["target-badcmd"]' \
	&& ok "a failing ProxyCommand's stderr and status are the why" || bad "ProxyCommand stderr"
wait_for "$T/fail.json" 's.get("target-deadjump") in ("down", "unreachable") and "jump host jump-dead" in w["target-deadjump"]' \
	&& ok "an unreachable jump host is named in the node's why" || bad "dead jump host"
wait_for "$T/fail.json" 's.get("target-badkeyjump") == "hostkey-mismatch" and "jump host jump-badkey" in w["target-badkeyjump"]' \
	&& ok "the jump host's key is checked (hostkey-mismatch naming it)" || bad "jump host key"
wait_for "$T/fail.json" 's.get("target-evilname") == "unreachable" and "shell metacharacters" in w["target-evilname"]' \
	&& [ ! -e "$T/pwned" ] && ok "a host name with shell metacharacters never reaches the ProxyCommand" \
	|| bad "ProxyCommand token injection"
# the failing command was started several times by now: none is a zombie
sleep 3
z=$(ps -o stat= --ppid "$DPID" | grep -c '^Z')
[ "$z" = 0 ] && ok "no zombie ProxyCommand after retries" || bad "$z zombie children"
stop

# 4. IdentityAgent none / path, AddressFamily
start "$T/agent.json" agent-none,agent-only-files,af-inet6,af-inet
wait_for "$T/agent.json" 's.get("agent-none") == "auth-failed" and s.get("agent-only-files") == "auth-failed" and "agent:" not in w["agent-only-files"] and s.get("af-inet6") == "unreachable" and s.get("af-inet") == "up"' \
	&& ok "IdentityAgent none and IdentitiesOnly keep the agent's key out; AddressFamily inet6 / inet" \
	|| bad "IdentityAgent none / IdentitiesOnly / AddressFamily"
stop
( unset SSH_AUTH_SOCK; exec "$BIN" -F "$CFG" -n agent-path --json -i 0.5 -c 400 ) \
	>"$T/ap.json" 2>&1 &
DPID=$!
wait_for "$T/ap.json" 's.get("agent-path") == "up"' && ok "IdentityAgent PATH without SSH_AUTH_SOCK" \
	|| bad "IdentityAgent path"
stop

# 4b. an agent that answers garbage, or never answers, is skipped (the
#     key file logs in) without holding up the loop
python3 - "$T/bad.sock" "$T/mute.sock" <<'PY' > /dev/null 2>&1 &
import socket, sys, threading
held = []
def serve(path, garbage):
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(16)
    while True:
        c, _ = s.accept()
        if garbage:   # IDENTITIES_ANSWER claiming 2^32-1 keys, holding none
            c.recv(100)
            c.sendall(b"\x00\x00\x00\x05\x0c\xff\xff\xff\xff")
        held.append(c)
threading.Thread(target=serve, args=(sys.argv[1], True), daemon=True).start()
serve(sys.argv[2], False)
PY
FAKE=$!
for a in "agent-garbage $T/bad.sock" "agent-mute $T/mute.sock"; do
	set -- $a
	printf 'Host %s\n\tHostName 127.0.0.1\n\tPort %s\n\tUser root\n\tIdentityFile %s/id_ed25519\n\tIdentityAgent %s\n\tUserKnownHostsFile %s/known_hosts\n' \
		"$1" "$PP" "$T" "$2" "$T" >> "$CFG"
done
i=0
until [ -S "$T/mute.sock" ]; do i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05; done
start "$T/fake.json" agent-mute,agent-garbage,af-inet
if wait_for "$T/fake.json" 'all(s.get(n) == "up" for n in ("af-inet", "agent-garbage", "agent-mute"))' 40; then
	ok "agents answering garbage or nothing are skipped; the key file logs in"
	# the mute agent's timeout (5 s) held up no one: the others were up first
	python3 - "$T/fake.json" <<'PY' && ok "a mute agent holds up nobody else" || bad "a mute agent held up the loop"
import json, sys
t0, first = None, {}
for l in open(sys.argv[1]):
    if '"type":"node"' in l:
        d = json.loads(l)
        t0 = t0 or d["t"]
        if d["state"] == "up":
            first.setdefault(d["node"], d["t"] - t0)
print("  first up (s):", first)
sys.exit(0 if first["af-inet"] < first["agent-mute"] and first["agent-mute"] >= 4 else 1)
PY
else
	bad "fake agents"
fi
stop
kill $FAKE 2>/dev/null
wait $FAKE 2>/dev/null

# 5. a host-key message with the ssh-keygen -R fix is never cut
start "$T/long.json" longkey
wait_for "$T/long.json" 's.get("longkey") == "hostkey-mismatch" and ("ssh-keygen -R \x27%s\x27" % ("n" * 200 + ".example")) in w["longkey"] and w["longkey"].endswith("kh_long\x27")' \
	&& ok "a 212-character host's ssh-keygen -R fix is whole" || bad "long host-key message cut"
stop

# 6. a name lookup that hangs stalls nobody else: in a private mount
#    namespace /etc/hosts is a FIFO nobody writes (and nsswitch says
#    "files" only, so no DNS query is ever sent): the lookup of
#    slow.invalid blocks in open() while the other node comes up.
printf 'Host slowname\n\tHostName slow.invalid\n\tPort %s\n\tUser root\n\tIdentityFile %s/id_ed25519\n' \
	"$PP" "$T" >> "$CFG"
mkfifo "$T/hosts.fifo" && printf 'hosts: files\n' > "$T/nsswitch.conf"
unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf &&
	mount --bind "$1/hosts.fifo" /etc/hosts && exec "$2" -F "$3" -n slowname,af-inet --json -i 0.5 -c 400' \
	sh "$T" "$BIN" "$CFG" > "$T/slow.json" 2>"$T/slow.err" &
DPID=$!
wait_for "$T/slow.json" 's.get("af-inet") == "up" and s.get("slowname") == "connecting"' \
	&& ok "a hung name lookup does not stall the loop (other node up meanwhile)" \
	|| bad "name lookup blocked the loop: $(cat "$T/slow.err")"
stop

# 7. a jump host that stops answering is dropped after ServerAliveInterval
#    x ServerAliveCountMax, and its nodes say so
sshd_add_host jump-alive "$JP" "ServerAliveInterval 1" "ServerAliveCountMax 2"
sshd_add_host target-alive "$TP" "ProxyJump jump-alive"
before=$(pgrep -P "$LPID")
start "$T/alive.json" target-alive
if wait_for "$T/alive.json" 's.get("target-alive") == "up"' 30; then
	frozen=""
	for p in $(pgrep -P "$LPID"); do
		case " $(echo $before) " in
		*" $p "*) ;;
		*) frozen="$frozen $p $(sshd_tree "$p")" ;;
		esac
	done
	kill -STOP $frozen 2>/dev/null
	t0=$(date +%s)
	i=0
	until grep '"node":"target-alive"' "$T/alive.json" | grep '"state":"down"' |
		grep -q 'jump host jump-alive: no answer'; do
		i=$((i + 1)); [ $i -gt 75 ] && break; sleep 0.2
	done
	[ $i -le 75 ] \
		&& ok "a frozen jump host is dropped after ServerAlive (in $(( $(date +%s) - t0 )) s), named in the node's why" \
		|| bad "frozen jump host not detected"
	kill -CONT $frozen 2>/dev/null
else
	bad "target-alive not up"
fi
stop

[ $fails -eq 0 ] && echo "it_proxy: ok" || echo "it_proxy: $fails failed"
[ $fails -eq 0 ]
