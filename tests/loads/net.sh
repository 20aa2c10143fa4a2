#!/bin/bash
# Load "net": workers reading big files from an sshfs mount over a slow link.
# A network namespace holds an sshd behind a veth pair whose namespace end
# is shaped with tbf (NET_RATE, default 8mbit); the host mounts the server's
# directory with sshfs and NET_READERS workers read distinct big files from
# it, over and over.  sshfs without kernel_cache drops the page cache on every
# open, so each pass goes over the wire again.  NET_DIRECT_IO=1 mounts with
# -o direct_io (see netdirect.sh).  The host end of the veth is in the host
# namespace, so its /proc/net/dev counters carry the traffic.
. "$(dirname "$0")/common.sh"
LOAD_NAME="${NET_LOAD_NAME:-net}"
NET_RATE="${NET_RATE:-8mbit}"
NET_READERS="${NET_READERS:-4}"
NET_DIRECT_IO="${NET_DIRECT_IO:-0}"
NET_SUBNET="${NET_SUBNET:-10.213.1}"	# .1 host, .2 namespace, a /30
NET_TAG="${NET_TAG:-dptnet}"		# names: netns TAG, veth TAG-h / TAG-n

# Create keys and an sshd config for the server inside the namespace.
net_sshd_conf() {
	local d="$1"
	mkdir -p /run/sshd && chmod 755 /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$d/id_key" || return 1
	cp "$d/id_key.pub" "$d/authorized_keys"
	cat >"$d/sshd.conf" <<CFG
ListenAddress $NET_SUBNET.2:22
HostKey $d/host_key
PidFile none
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CFG
}

# Build the namespace and the shaped veth pair.
net_link() {
	local ns="$NET_TAG"
	[ -d /sys/class/net/lo ] && [ -e /proc/self/ns/net ] || load_skip "no network namespaces"
	if [ -e "/run/netns/$ns" ] || [ -e "/sys/class/net/$NET_TAG-h" ]; then
		# the names and the subnet are fixed: one run of this load at a time
		load_skip "netns $ns or link $NET_TAG-h exists: another run of this load is going (or a stale one: LOAD_STATE=... $0 stop, or ip netns del $ns)"
	fi
	ip netns add "$ns" || return 1
	echo "$ns" >"$1/netns"
	ip link add "$NET_TAG-h" type veth peer name "$NET_TAG-n" netns "$ns" || load_skip "no veth"
	ip addr add "$NET_SUBNET.1/30" dev "$NET_TAG-h" && ip link set "$NET_TAG-h" up || return 1
	ip -n "$ns" addr add "$NET_SUBNET.2/30" dev "$NET_TAG-n" || return 1
	ip -n "$ns" link set "$NET_TAG-n" up && ip -n "$ns" link set lo up || return 1
	ip netns exec "$ns" tc qdisc add dev "$NET_TAG-n" root tbf rate "$NET_RATE" \
		burst 32kbit latency 400ms || load_skip "no tbf qdisc"
	tc qdisc add dev "$NET_TAG-h" root tbf rate "$NET_RATE" burst 32kbit latency 400ms
}

# Wait up to ~10 s for "$@" to succeed.
net_wait() {
	local i
	for i in $(seq 50); do "$@" 2>/dev/null && return 0; sleep 0.2; done
	return 1
}

# Build link, server and mount, then start the readers.
load_start() {
	local d i opts; d="$(load_dir "$LOAD_NAME")"
	command -v sshfs >/dev/null || { echo "sshfs missing" >&2; return 1; }
	net_sshd_conf "$d" || return 1
	net_link "$d" || return 1
	mkdir -p "$d/export" "$d/mnt"
	for i in $(seq "$NET_READERS"); do truncate -s 4G "$d/export/big$i"; done
	load_spawn "$d" ip netns exec "$NET_TAG" /usr/sbin/sshd -D -e -f "$d/sshd.conf"
	net_wait bash -c "exec 3<>/dev/tcp/$NET_SUBNET.2/22" || { echo "sshd did not start" >&2; return 1; }
	opts="IdentityFile=$d/id_key,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes"
	[ "$NET_DIRECT_IO" = 1 ] && opts="$opts,direct_io"
	load_spawn "$d" sshfs -f -o "$opts" "root@$NET_SUBNET.2:$d/export" "$d/mnt"
	net_wait mountpoint -q "$d/mnt" || { echo "sshfs did not mount" >&2; return 1; }
	echo "$d/mnt" >"$d/mount"
	for i in $(seq "$NET_READERS"); do
		load_spawn "$d" bash -c 'while :; do dd if="$1" of=/dev/null bs=128k status=none; done' \
			reader "$d/mnt/big$i"
	done
}

# Stop readers, mount, sshd; delete the namespace (and the veth) and files.
load_stop() {
	local d m ns; d="$(load_dir "$LOAD_NAME")"
	m="$(cat "$d/mount" 2>/dev/null)"
	[ -n "$m" ] && umount -l "$m" 2>/dev/null
	load_kill "$d"
	[ -n "$m" ] && mountpoint -q "$m" 2>/dev/null && umount -l "$m"
	# only what this run made: another run's namespace and link stay
	ns="$(cat "$d/netns" 2>/dev/null)"
	if [ -n "$ns" ]; then
		ip netns del "$ns" 2>/dev/null
		ip link del "$NET_TAG-h" 2>/dev/null
	fi
	load_done "$d"
}
load_main "$@"
