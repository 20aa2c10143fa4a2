#!/bin/sh
# it_openssh_diff.sh — doptop against OpenSSH itself, the oracle.
#
# Every tests/data/openssh_diff/*.case is an ssh_config (plus known_hosts
# files) and a host name.  For each case:
#   1. `ssh -G HOST` and `doptop --resolve HOST` must print the same value
#      for every option doptop uses (the KEYS below);
#   2. with "connect yes": `ssh -o BatchMode=yes HOST true` against a test
#      sshd on 127.0.0.1 accepts or refuses; doptop --once --json must do the
#      same (state "up" or "hostkey-mismatch"), and every file of the case
#      (known_hosts ...) must be byte for byte the same afterwards -- each
#      tool starts from the same fresh copy.  "expect accept|refuse" states
#      what ssh does, so a broken setup cannot make both agree by accident.
#
# Case file: "# comment" lines, "host NAME", "connect yes|no",
# "expect accept|refuse", "ssh-opt ARGS" / "doptop-opt ARGS" (command-line
# options for the connection, e.g. -o StrictHostKeyChecking=accept-new and
# --accept-new), "refuse-doptop TEXT" (a keyword doptop refuses by
# design: only checked that --resolve fails naming TEXT), then sections
# "--- FILE" whose text becomes FILE in the case's directory (config,
# known_hosts, global_known_hosts, anything Included); "--- FILE.hash" is
# hashed with ssh-keygen -H into FILE.  Placeholders: @DIR@ (the case's
# directory), @PORT@, @JPORT@ (a second sshd that allows forwarding, for
# ProxyJump), @HOSTKEY@ (both sshds' key, "ssh-ed25519 AAAA..."),
# @OTHERKEY@ (another ed25519 key), @ECKEY@ (an ecdsa key), @KEY@ (the
# user's private key).  A trailer "Host *" block sets User, HostName
# 127.0.0.1, Port, the key, UserKnownHostsFile @DIR@/known_hosts and
# GlobalKnownHostsFile @DIR@/global_known_hosts, so an unset value never
# reaches the real ~/.ssh, /etc/ssh or DNS.
#
# Usage: sh tests/it_openssh_diff.sh [NAME-PART]
cd "$(dirname "$0")/.." || exit 1
BIN=${DOPTOP_BIN:-$PWD/build/dbg/doptop}
CASES=tests/data/openssh_diff
ONLY=${1:-}     # optional: only the cases whose name contains this
KEYS="user hostname port addressfamily hashknownhosts identitiesonly stricthostkeychecking
serveralivecountmax serveraliveinterval hostkeyalias identityagent identityfile
globalknownhostsfile userknownhostsfile connecttimeout proxycommand proxyjump"
. tests/lib/sshd.sh

for tool in ssh ssh-keygen /usr/sbin/sshd python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP it_openssh_diff: no $tool"; exit 0; }
done
[ -x "$BIN" ] || { echo "it_openssh_diff: no doptop binary at $BIN"; exit 1; }
unset SSH_AUTH_SOCK
sshd_init || exit 1
SSHD_FORWARDING=yes sshd_start jump || exit 1
JPORT=$SSHD_PORT
sshd_start diff || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/other_ed25519" || exit 1
ssh-keygen -q -t ecdsa -N '' -f "$SSHD_DIR/other_ecdsa" || exit 1
HOSTKEY=$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")
OTHERKEY=$(cut -d' ' -f1,2 "$SSHD_DIR/other_ed25519.pub")
ECKEY=$(cut -d' ' -f1,2 "$SSHD_DIR/other_ecdsa.pub")
export DOPTOP_DIFF_ENV="$SSHD_DIR/env"

fails=0 cases=0 connects=0 accepts=0 refusals=0


# One line: fail the case.
bad() { echo "FAIL - $name: $*"; }

# Placeholders of one text on stdin.
subst() {
	sed -e "s|@DIR@|$W|g" -e "s|@PORT@|$SSHD_PORT|g" -e "s|@JPORT@|$JPORT|g" \
	    -e "s|@HOSTKEY@|$HOSTKEY|g" \
	    -e "s|@OTHERKEY@|$OTHERKEY|g" -e "s|@ECKEY@|$ECKEY|g" -e "s|@KEY@|$SSHD_DIR/id_ed25519|g"
}

# Build the case's files from the case file into $SRC (paths say $W).
build_case() {
	rm -rf "$SRC" && mkdir -p "$SRC" || return 1
	: > "$SRC/known_hosts"
	: > "$SRC/global_known_hosts"
	awk -v dir="$SRC" '
		/^--- / {
			out = dir "/" substr($0, 5)
			sub(/\/[^\/]*$/, "", out)
			system("mkdir -p \"" out "\"")
			out = dir "/" substr($0, 5)
			next
		}
		out != "" { print > out }
	' "$1" || return 1
	for f in $(cd "$SRC" && find . -type f | sed 's|^\./||'); do
		subst < "$SRC/$f" > "$SRC/$f.tmp" && mv "$SRC/$f.tmp" "$SRC/$f"
		case "$f" in *.hash)
			mv "$SRC/$f" "$SRC/${f%.hash}"
			ssh-keygen -q -H -f "$SRC/${f%.hash}" >/dev/null 2>&1 || return 1
			rm -f "$SRC/${f%.hash}.old" ;;
		esac
	done
	cat >> "$SRC/config" <<EOF

Host *
  User root
  HostName 127.0.0.1
  Port $SSHD_PORT
  IdentityFile $SSHD_DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $W/known_hosts
  GlobalKnownHostsFile $W/global_known_hosts
  ConnectTimeout 5
EOF
	chmod 600 "$SRC/config"
}

# A fresh working copy of the case's files at $W.
reset_case() {
	rm -rf "$W" && cp -a "$SRC" "$W"
}

# The options doptop uses from `ssh -G`-style output on stdin, one per line:
# identityfile lines in their order, the rest sorted.
pick() {
	awk -v keys="$KEYS" '
		BEGIN { n = split(keys, k, /[ \n]+/); for (i = 1; i <= n; i++) want[k[i]] = 1 }
		want[$1] { print }
	' | sort -s -k1,1
}

# Hashed names differ by salt: compare them as "|1|HASHED".
unhash() {
	sed 's/^|1|[^ ]*/|1|HASHED/' "$1"
}

# Compare every file of the two trees (byte for byte, hashed names aside).
same_files() {
	for f in $(cd "$1" && find . -type f | sort); do
		[ -f "$2/$f" ] || { echo "$f missing after doptop"; return 1; }
		if ! cmp -s "$1/$f" "$2/$f"; then
			if [ "$HASHED" = yes ] && [ "$(unhash "$1/$f")" = "$(unhash "$2/$f")" ]; then
				continue
			fi
			echo "$f differs: ssh: $(tail -n 2 "$1/$f" | tr '\n' '|') doptop: $(tail -n 2 "$2/$f" | tr '\n' '|')"
			return 1
		fi
	done
	for f in $(cd "$2" && find . -type f | sort); do
		[ -f "$1/$f" ] || { echo "$f created by doptop only"; return 1; }
	done
}

# The node state doptop reports in its first JSON node line.
doptop_state() {
	python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o.get("type") == "node":
        print(o["state"], o.get("why", "")[:300])
        break
'
}

run_case() {
	case=$1
	name=$(basename "$case" .case)
	OUT="$SSHD_DIR/out/$name"
	SRC="$SSHD_DIR/cases/$name/src"
	W="$SSHD_DIR/cases/$name/w"
	host=$(sed -n 's/^host //p' "$case" | head -n 1)
	connect=$(sed -n 's/^connect //p' "$case" | head -n 1)
	expect=$(sed -n 's/^expect //p' "$case" | head -n 1)
	refuse=$(sed -n 's/^refuse-doptop //p' "$case" | head -n 1)
	sshopt=$(sed -n 's/^ssh-opt //p' "$case" | head -n 1)
	dopopt=$(sed -n 's/^doptop-opt //p' "$case" | head -n 1)
	HASHED=$(grep -q '^ *HashKnownHosts yes' "$case" && echo yes)
	[ -n "$host" ] || { bad "no host line"; return; }
	build_case "$case" || { bad "cannot build the case"; return; }
	reset_case
	# 1. ssh -G against --resolve.
	if ! ssh -F "$W/config" -G "$host" > "$W.gssh" 2> "$W.gerr"; then
		bad "ssh -G failed: $(head -n 1 "$W.gerr")"
		return
	fi
	if [ -n "$refuse" ]; then
		if "$BIN" -F "$W/config" --resolve "$host" > /dev/null 2> "$W.derr"; then
			bad "doptop --resolve accepted what it must refuse ($refuse)"
		elif ! grep -q -- "$refuse" "$W.derr"; then
			bad "doptop refused without naming $refuse: $(cat "$W.derr")"
		else
			echo "ok   - $name: refused by design: $(head -c 160 "$W.derr")"
		fi
		return
	fi
	if ! "$BIN" -F "$W/config" --resolve "$host" > "$W.gdop" 2> "$W.derr"; then
		bad "doptop --resolve failed: $(head -n 1 "$W.derr")"
		return
	fi
	pick < "$W.gssh" > "$W.pssh"
	pick < "$W.gdop" > "$W.pdop"
	if ! cmp -s "$W.pssh" "$W.pdop"; then
		bad "ssh -G and --resolve differ: $(diff "$W.pssh" "$W.pdop" | grep '^[<>]' | tr '\n' ' ')"
		return
	fi
	if [ "$connect" != yes ]; then
		echo "ok   - $name: same settings as ssh -G"
		return
	fi
	# 2. Accept or refuse, and the files afterwards.
	echo "#connect" >> "$OUT"
	reset_case
	ssh -F "$W/config" -o BatchMode=yes $sshopt "$host" true < /dev/null > /dev/null 2> "$W.serr"
	rc=$?
	# A reference ssh that timed out (a loaded machine, ConnectTimeout in
	# the case) decided nothing: the connect half of this case is not
	# compared, and the run says so.
	if [ "$rc" = 255 ] && grep -qi 'timed out\|timeout' "$W.serr"; then
		echo "skip - $name: connect not compared, the reference ssh timed out: $(head -n 1 "$W.serr")"
		echo "ok   - $name: same settings as ssh -G (connect not compared)"
		return
	fi
	case $rc in
	0) ssh_says=accept ;;
	255) ssh_says=refuse ;;
	*) bad "ssh exited $rc: $(head -n 1 "$W.serr")"; return ;;
	esac
	if [ -n "$expect" ] && [ "$expect" != "$ssh_says" ]; then
		bad "the oracle did not $expect (ssh: $ssh_says, $(grep -v '^@\|^$' "$W.serr" | head -n 1))"
		return
	fi
	rm -rf "$W.after_ssh" && cp -a "$W" "$W.after_ssh"
	reset_case
	"$BIN" -F "$W/config" --once --json -i 0.2 $dopopt -n "$host" < /dev/null > "$W.json" 2> "$W.derr"
	line=$(doptop_state < "$W.json")
	state=${line%% *}
	why=${line#* }
	case $state in
	up) doptop_says=accept ;;
	hostkey-mismatch|hostkey-unknown) doptop_says=refuse ;;
	unreachable) case $why in *[Tt]ime*out*|*timed\ out*)
			echo "skip - $name: connect not compared, doptop timed out: $why"
			echo "ok   - $name: same settings as ssh -G (connect not compared)"
			return ;;
		esac
		bad "doptop: state '$state': $why $(head -c 200 "$W.derr")"; return ;;
	*) bad "doptop: state '$state': $why $(head -c 200 "$W.derr")"; return ;;
	esac
	if [ "$doptop_says" != "$ssh_says" ]; then
		bad "ssh: $ssh_says, doptop: $doptop_says ($why)"
		return
	fi
	if ! diffs=$(same_files "$W.after_ssh" "$W"); then
		bad "files differ after both: $diffs"
		return
	fi
	echo "#$ssh_says" >> "$OUT"
	echo "ok   - $name: both $ssh_says${why:+ ($(printf '%s' "$why" | head -c 120))}"
}

# Cases run four at a time (each has its own files; one sshd serves all):
# the time goes to handshakes and process starts, not CPU.
mkdir -p "$SSHD_DIR/out" "$SSHD_DIR/cases"
pids=""
for case in "$CASES"/*${ONLY}*.case; do
	run_case "$case" > "$SSHD_DIR/out/$(basename "$case" .case).log" 2>&1 &
	pids="$pids $!"
	# Wait for these by PID: a bare wait would wait for the sshd too.
	if [ "$(echo $pids | wc -w)" -ge 4 ]; then
		wait $pids
		pids=""
	fi
done
[ -z "$pids" ] || wait $pids
for case in "$CASES"/*${ONLY}*.case; do
	name=$(basename "$case" .case)
	log="$SSHD_DIR/out/$name.log"
	cases=$((cases + 1))
	cat "$log"
	if grep -q '^FAIL' "$log" || ! grep -q '^ok' "$log"; then
		grep -q '^FAIL' "$log" || echo "FAIL - $name: no result"
		fails=$((fails + 1))
	fi
	[ -f "$SSHD_DIR/out/$name" ] || continue
	connects=$((connects + $(grep -c '^#connect' "$SSHD_DIR/out/$name")))
	accepts=$((accepts + $(grep -c '^#accept' "$SSHD_DIR/out/$name")))
	refusals=$((refusals + $(grep -c '^#refuse' "$SSHD_DIR/out/$name")))
done

echo "it_openssh_diff: $cases cases, $connects connections ($accepts accepted, $refusals refused by both), $fails failed"
[ "$fails" -eq 0 ]
