#!/bin/bash
# Load "netdirect": net.sh with sshfs -o direct_io (reads bypass the page
# cache; the waiting shows as plain idle, not iowait).
NET_LOAD_NAME=netdirect NET_DIRECT_IO=1 NET_SUBNET=10.213.2 NET_TAG=dptnetd \
	exec "$(dirname "$0")/net.sh" "$@"
