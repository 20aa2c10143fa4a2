#!/bin/sh
# it_ssh_harness.sh — the sshd test harness itself: keys, sshd, client
# config with a pre-filled known_hosts (strict checking), agent, cleanup.
. "$(dirname "$0")/lib/sshd.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
# True while pid runs (a zombie waiting for its reaper counts as gone).
alive() { kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" | cut -c1)" != Z ]; }
sshd_init || fail "init"
sshd_start n0 || fail "start"
sshd_add_host adhoc-preemptible-000 "$SSHD_PORT"
out=$(ssh -F "$SSHD_DIR/ssh_config" -o BatchMode=yes -o StrictHostKeyChecking=yes \
	adhoc-preemptible-000 'echo ok; echo "$SHLVL"' < /dev/null) || fail "ssh with the key file"
[ "$(echo "$out" | head -1)" = ok ] || fail "unexpected output: $out"
sshd_agent_start || fail "agent"
ssh-add -l | grep -q doptop-test-user || fail "agent has no key"
out=$(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSHD_DIR/known_hosts" \
	-p "$SSHD_PORT" root@127.0.0.1 'echo agent' < /dev/null) || fail "ssh with the agent"
[ "$out" = agent ] || fail "agent login printed: $out"
pid=$SSHD_PID agent=$SSHD_AGENT_PID dir=$SSHD_DIR
sshd_cleanup
trap - EXIT
! alive "$pid" || fail "sshd $pid still running"
! alive "$agent" || fail "agent $agent still running"
[ ! -d "$dir" ] || fail "$dir left behind"
echo "it_ssh_harness: ok"
