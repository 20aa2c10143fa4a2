# tests/lib/sshd.sh — a throw-away OpenSSH sshd on 127.0.0.1 for tests.
#
# Source it from a test script (sh or bash), then:
#   sshd_init                      temp dir $SSHD_DIR with an ed25519 host key,
#                                  an ed25519 user key (id_ed25519, no passphrase),
#                                  authorized_keys, empty ssh_config/known_hosts;
#                                  installs the cleanup trap (EXIT INT TERM)
#   sshd_start NAME [PORT] [CMD]   start /usr/sbin/sshd -D on 127.0.0.1 (a free
#                                  port unless PORT), optional ForceCommand CMD;
#                                  sets SSHD_PORT and SSHD_PID, waits until it listens;
#                                  SSHD_FORWARDING=yes allows TCP forwarding (a jump host);
#                                  SSHD_NETNS=NAME runs it inside that network namespace;
#                                  SSHD_EXTRA=LINES: sshd_config lines put first
#                                  (sshd keeps a keyword's first value)
#   sshd_stop PID                  stop one sshd (and its per-connection children)
#   sshd_add_host ALIAS PORT [LINE...]
#                                  append "Host ALIAS" (HostName 127.0.0.1, Port,
#                                  User root, IdentityFile, UserKnownHostsFile,
#                                  extra ssh_config LINEs) to $SSHD_DIR/ssh_config
#                                  and the host key as "[127.0.0.1]:PORT" to
#                                  $SSHD_DIR/known_hosts
#   sshd_agent_start               ssh-agent on its own socket with the user key
#                                  added; exports SSH_AUTH_SOCK, sets SSHD_AGENT_PID
#   sshd_tree PID                  print PID's descendants (one per line)
#   sshd_cleanup                   stop everything this file started, by PID,
#                                  and remove $SSHD_DIR (the trap calls it)
#
# The remote side runs root's login shell for exec channels, and Debian's
# bash sources ~/.bashrc when started by sshd -- unless SHLVL says it is
# nested.  Here root's .bashrc runs pyenv init (~1.3 s per session), so the
# sshd config sets "SetEnv SHLVL=1": bash -c then skips ~/.bashrc and the
# remote environment is clean and fast.  (Real nodes keep their rc files;
# the probe parser ignores anything before its first frame marker.)

SSHD_DIR=""
SSHD_PIDS=""
SSHD_AGENT_PID=""

# Print a free TCP port on 127.0.0.1.
sshd_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Create the temp dir with keys and empty client files; install the trap.
sshd_init() {
	SSHD_DIR=$(mktemp -d /tmp/doptop-sshd.XXXXXX) || return 1
	chmod 700 "$SSHD_DIR"
	# sshd's privilege separation directory (as root it insists on it).
	mkdir -p /run/sshd && chmod 755 /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C doptop-test-host -f "$SSHD_DIR/host_ed25519" || return 1
	ssh-keygen -q -t ed25519 -N '' -C doptop-test-user -f "$SSHD_DIR/id_ed25519" || return 1
	cp "$SSHD_DIR/id_ed25519.pub" "$SSHD_DIR/authorized_keys"
	: > "$SSHD_DIR/ssh_config"
	: > "$SSHD_DIR/known_hosts"
	chmod 600 "$SSHD_DIR/ssh_config" "$SSHD_DIR/known_hosts"
	trap 'sshd_cleanup' EXIT
	trap 'exit 130' INT TERM
}

# Start one sshd; sets SSHD_PORT and SSHD_PID.
sshd_start() {
	_name=$1 _port=${2:-} _cmd=${3:-}
	case "$_port" in ""|0) _port=$(sshd_free_port) || return 1 ;; esac
	_cfg="$SSHD_DIR/sshd_$_name.conf"
	printf '%s\n' "${SSHD_EXTRA:-}" > "$_cfg"
	cat >> "$_cfg" <<CFG
ListenAddress 127.0.0.1:$_port
HostKey $SSHD_DIR/host_ed25519
PidFile $SSHD_DIR/sshd_$_name.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding ${SSHD_FORWARDING:-no}
MaxStartups 1000:30:1000
SetEnv SHLVL=1
Subsystem sftp internal-sftp
LogLevel INFO
CFG
	[ -n "$_cmd" ] && printf 'ForceCommand %s\n' "$_cmd" >> "$_cfg"
	if [ -n "${SSHD_NETNS:-}" ]; then
		ip netns exec "$SSHD_NETNS" /usr/sbin/sshd -D -e -f "$_cfg" \
			< /dev/null > /dev/null 2> "$SSHD_DIR/sshd_$_name.log" &
	else
		/usr/sbin/sshd -D -e -f "$_cfg" < /dev/null > /dev/null 2> "$SSHD_DIR/sshd_$_name.log" &
	fi
	SSHD_PID=$!
	SSHD_PORT=$_port
	SSHD_PIDS="$SSHD_PIDS $SSHD_PID"
	_i=0
	while ! grep -q "Server listening" "$SSHD_DIR/sshd_$_name.log" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$SSHD_PID" 2>/dev/null; then
			echo "sshd_start: sshd $_name did not start:" >&2
			cat "$SSHD_DIR/sshd_$_name.log" >&2
			return 1
		fi
		sleep 0.05
	done
}

# Print every descendant of a pid, depth first.
sshd_tree() {
	for _c in $(pgrep -P "$1"); do
		echo "$_c"
		sshd_tree "$_c"
	done
}

# Stop one sshd and its per-connection children.
sshd_stop() {
	_kids=$(sshd_tree "$1")
	kill "$1" $_kids 2>/dev/null
	kill -CONT "$1" $_kids 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.05; _i=$((_i + 1)); done
	kill -9 "$1" 2>/dev/null
	return 0
}

# Append a Host alias for an sshd on 127.0.0.1:PORT plus its known_hosts line.
sshd_add_host() {
	_alias=$1 _port=$2
	shift 2
	{
		printf 'Host %s\n' "$_alias"
		printf '\tHostName 127.0.0.1\n\tPort %s\n\tUser root\n' "$_port"
		printf '\tIdentityFile %s/id_ed25519\n\tIdentitiesOnly yes\n' "$SSHD_DIR"
		printf '\tUserKnownHostsFile %s/known_hosts\n' "$SSHD_DIR"
		for _l in "$@"; do printf '\t%s\n' "$_l"; done
	} >> "$SSHD_DIR/ssh_config"
	printf '[127.0.0.1]:%s %s\n' "$_port" "$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")" \
		>> "$SSHD_DIR/known_hosts"
}

# Start an ssh-agent on its own socket and add the user key.
sshd_agent_start() {
	eval "$(ssh-agent -s -a "$SSHD_DIR/agent.sock")" > /dev/null || return 1
	SSHD_AGENT_PID=$SSH_AGENT_PID
	export SSH_AUTH_SOCK
	ssh-add -q "$SSHD_DIR/id_ed25519" 2>/dev/null
}

# Stop everything started here, by PID, and remove the temp dir.
sshd_cleanup() {
	for _p in $SSHD_PIDS; do sshd_stop "$_p"; done
	SSHD_PIDS=""
	if [ -n "$SSHD_AGENT_PID" ] && kill "$SSHD_AGENT_PID" 2>/dev/null; then
		# ssh-agent is not our child: poll until it is gone (at most 5 s).
		_n=0
		while kill -0 "$SSHD_AGENT_PID" 2>/dev/null && [ "$_n" -lt 50 ]; do
			sleep 0.1; _n=$((_n + 1))
		done
	fi
	SSHD_AGENT_PID=""
	case "$SSHD_DIR" in /tmp/doptop-sshd.*) rm -rf "$SSHD_DIR" ;; esac
	SSHD_DIR=""
}
